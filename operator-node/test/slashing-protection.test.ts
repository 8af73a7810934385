import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exportInterchange, InterchangeError, importInterchange } from "../src/signer/interchange.js";
import { SlashableSigningError, SlashingProtection } from "../src/signer/slashing-protection.js";
import { openDatabase } from "../src/store/database.js";

const dbPath = () => join(mkdtempSync(join(tmpdir(), "cohort-slashing-")), "node.sqlite");
const pubkey = (n: number) => new Uint8Array(48).fill(n);
const root = (n: number) => new Uint8Array(32).fill(n);
const GVR = `0x${"ab".repeat(32)}`;

function reason(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof SlashableSigningError) return error.reason;
    throw error;
  }
}

describe("slashing protection (EIP-3076 rules on a real SQLite file)", () => {
  it("blocks: increasing slots only; the identical block may be re-signed", () => {
    const p = new SlashingProtection(openDatabase(dbPath()));
    const block = (slot: number, r: number) => () =>
      p.checkAndRecordBlock({ pubkey: pubkey(1), slot, signingRoot: root(r) });
    expect(reason(block(10, 1))).toBeUndefined();
    expect(reason(block(10, 1))).toBeUndefined();
    expect(reason(block(10, 2))).toBe("DOUBLE_BLOCK");
    expect(reason(block(9, 3))).toBe("BLOCK_SLOT_NOT_INCREASING");
    expect(reason(block(11, 4))).toBeUndefined();
    expect(reason(() => p.checkAndRecordBlock({ pubkey: pubkey(2), slot: 1, signingRoot: root(1) }))).toBeUndefined();
  });

  it("attestations: double votes, surrounds both ways, source after target, low watermark", () => {
    const p = new SlashingProtection(openDatabase(dbPath()));
    const att =
      (s: number, t: number, r = s * 100 + t) =>
      () =>
        p.checkAndRecordAttestation({ pubkey: pubkey(1), sourceEpoch: s, targetEpoch: t, signingRoot: root(r % 256) });
    expect(reason(att(2, 3))).toBeUndefined();
    expect(reason(att(2, 3))).toBeUndefined();
    expect(reason(att(2, 3, 7))).toBe("DOUBLE_VOTE");
    expect(reason(att(4, 7))).toBeUndefined();
    expect(reason(att(5, 6))).toBe("SURROUNDED_VOTE");
    expect(reason(att(3, 8))).toBe("SURROUNDING_VOTE");
    expect(reason(att(6, 5))).toBe("SOURCE_AFTER_TARGET");
    expect(reason(att(1, 2))).toBe("BELOW_LOW_WATERMARK");
    expect(reason(att(7, 8))).toBeUndefined();
  });

  it("a slot's batch: one commit, each item judged as if alone and after the ones before it", () => {
    const path = dbPath();
    const p = new SlashingProtection(openDatabase(path));
    p.checkAndRecordAttestation({ pubkey: pubkey(1), sourceEpoch: 2, targetEpoch: 5, signingRoot: root(1) });
    const a = (key: number, source: number, target: number, r: number) => ({
      pubkey: pubkey(key),
      sourceEpoch: source,
      targetEpoch: target,
      signingRoot: root(r),
    });
    const verdicts = p.checkAndRecordAttestations([
      a(1, 2, 5, 1), // identical to the history: fine
      a(1, 2, 5, 9), // double vote against the history
      a(2, 3, 4, 1), // new validator
      a(2, 3, 4, 2), // double vote against the item before it in this batch
      a(3, 1, 8, 1),
      a(3, 2, 7, 1), // surrounded by the one before it
    ]);
    expect(verdicts.map((v) => v?.reason ?? null)).toEqual([
      null,
      "DOUBLE_VOTE",
      null,
      "DOUBLE_VOTE",
      null,
      "SURROUNDED_VOTE",
    ]);
    // Refused items left no record; accepted ones are durable (a fresh connection sees them).
    const again = new SlashingProtection(openDatabase(path));
    expect(reason(() => again.checkAndRecordAttestation(a(2, 3, 4, 2)))).toBe("DOUBLE_VOTE");
    expect(reason(() => again.checkAndRecordAttestation(a(3, 2, 7, 1)))).toBe("SURROUNDED_VOTE");
    expect(reason(() => again.checkAndRecordAttestation(a(3, 1, 8, 1)))).toBeUndefined();
  });

  it("property: every verdict is the reference model's, and the accepted history never holds a slashable pair", () => {
    // Three validators, small epoch ranges and few roots, so double votes, surrounds and watermarks all occur.
    const attempt = fc.record({ key: fc.nat(2), s: fc.nat(20), t: fc.nat(20), r: fc.nat(3) });
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 60 }), (attempts) => {
        const p = new SlashingProtection(openDatabase(":memory:"));
        const model = new Map<number, Vote[]>();
        const accepted: (Vote & { key: number })[] = [];
        for (const a of attempts) {
          const expected = referenceVerdict(model.get(a.key) ?? [], a);
          const got = reason(() =>
            p.checkAndRecordAttestation({
              pubkey: pubkey(a.key + 1),
              sourceEpoch: a.s,
              targetEpoch: a.t,
              signingRoot: root(a.r),
            }),
          );
          expect(got, `attempt ${JSON.stringify(a)} after ${JSON.stringify(model.get(a.key) ?? [])}`).toBe(expected);
          if (expected === undefined) {
            model.set(a.key, [...(model.get(a.key) ?? []), a]);
            accepted.push(a);
          }
        }
        // Whatever the model says, nothing accepted may be slashable (the model could share a bug with the code).
        for (const v1 of accepted) {
          for (const v2 of accepted) {
            if (v1.key !== v2.key) continue;
            if (v1.t === v2.t) expect([v1.s, v1.r]).toEqual([v2.s, v2.r]);
            expect(v1.s < v2.s && v2.t < v1.t).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("property: block verdicts are the reference model's", () => {
    const attempt = fc.record({ key: fc.nat(1), slot: fc.nat(12), r: fc.nat(2) });
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 40 }), (attempts) => {
        const p = new SlashingProtection(openDatabase(":memory:"));
        const model = new Map<number, { slot: number; r: number }[]>();
        for (const a of attempts) {
          const history = model.get(a.key) ?? [];
          const same = history.find((b) => b.slot === a.slot);
          const expected = same
            ? same.r === a.r
              ? undefined
              : "DOUBLE_BLOCK"
            : history.some((b) => b.slot >= a.slot)
              ? "BLOCK_SLOT_NOT_INCREASING"
              : undefined;
          const got = reason(() =>
            p.checkAndRecordBlock({ pubkey: pubkey(a.key + 1), slot: a.slot, signingRoot: root(a.r) }),
          );
          expect(got, `block ${JSON.stringify(a)} after ${JSON.stringify(history)}`).toBe(expected);
          if (expected === undefined && !same) model.set(a.key, [...history, a]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a record survives the process being killed right after it returned", async () => {
    const path = dbPath();
    const script = `
      const { openDatabase } = await import(${JSON.stringify(new URL("../src/store/database.ts", import.meta.url).href)});
      const { SlashingProtection } = await import(${JSON.stringify(new URL("../src/signer/slashing-protection.ts", import.meta.url).href)});
      const p = new SlashingProtection(openDatabase(${JSON.stringify(path)}));
      p.checkAndRecordAttestation({ pubkey: new Uint8Array(48).fill(1), sourceEpoch: 5, targetEpoch: 6, signingRoot: new Uint8Array(32).fill(9) });
      process.stdout.write("recorded\\n");
      setInterval(() => {}, 1000);`;
    await new Promise<void>((resolve, reject) => {
      const child = execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
      child.stdout!.on("data", (d: Buffer) => {
        if (String(d).includes("recorded")) child.kill("SIGKILL");
      });
      child.on("exit", (_code, signal) =>
        signal === "SIGKILL" ? resolve() : reject(new Error(`child exited ${_code}`)),
      );
    });
    const p = new SlashingProtection(openDatabase(path));
    const conflicting = () =>
      p.checkAndRecordAttestation({ pubkey: pubkey(1), sourceEpoch: 5, targetEpoch: 6, signingRoot: root(8) });
    expect(reason(conflicting)).toBe("DOUBLE_VOTE");
  });
});

describe("EIP-3076 interchange", () => {
  it("export → import into a new node keeps every refusal", () => {
    const a = new SlashingProtection(openDatabase(dbPath()));
    a.checkAndRecordBlock({ pubkey: pubkey(1), slot: 100, signingRoot: root(1) });
    a.checkAndRecordAttestation({ pubkey: pubkey(1), sourceEpoch: 3, targetEpoch: 4, signingRoot: root(2) });
    a.checkAndRecordAttestation({ pubkey: pubkey(2), sourceEpoch: 10, targetEpoch: 12, signingRoot: root(3) });
    const file = exportInterchange(a.database, GVR);
    expect(file.metadata).toEqual({ interchange_format_version: "5", genesis_validators_root: GVR });
    expect(file.data).toHaveLength(2);

    const b = new SlashingProtection(openDatabase(dbPath()));
    expect(importInterchange(b.database, JSON.stringify(file), GVR)).toEqual({ validators: 2 });
    expect(reason(() => b.checkAndRecordBlock({ pubkey: pubkey(1), slot: 100, signingRoot: root(9) }))).toBe(
      "DOUBLE_BLOCK",
    );
    expect(reason(() => b.checkAndRecordBlock({ pubkey: pubkey(1), slot: 100, signingRoot: root(1) }))).toBeUndefined();
    expect(
      reason(() =>
        b.checkAndRecordAttestation({ pubkey: pubkey(2), sourceEpoch: 9, targetEpoch: 13, signingRoot: root(4) }),
      ),
    ).toBe("SURROUNDING_VOTE");
    expect(exportInterchange(b.database, GVR)).toEqual(file);
  });

  it("histories without signing roots act as low watermarks", () => {
    const p = new SlashingProtection(openDatabase(dbPath()));
    const file = {
      metadata: { interchange_format_version: "5", genesis_validators_root: GVR },
      data: [
        {
          pubkey: `0x${"01".repeat(48)}`,
          signed_blocks: [{ slot: "50" }],
          signed_attestations: [{ source_epoch: "7", target_epoch: "8" }],
        },
      ],
    };
    importInterchange(p.database, JSON.stringify(file), GVR);
    expect(reason(() => p.checkAndRecordBlock({ pubkey: pubkey(1), slot: 50, signingRoot: root(1) }))).toBe(
      "DOUBLE_BLOCK",
    );
    expect(
      reason(() =>
        p.checkAndRecordAttestation({ pubkey: pubkey(1), sourceEpoch: 7, targetEpoch: 8, signingRoot: root(1) }),
      ),
    ).toBe("DOUBLE_VOTE");
    expect(
      reason(() =>
        p.checkAndRecordAttestation({ pubkey: pubkey(1), sourceEpoch: 6, targetEpoch: 9, signingRoot: root(1) }),
      ),
    ).toBe("SURROUNDING_VOTE");
    expect(
      reason(() =>
        p.checkAndRecordAttestation({ pubkey: pubkey(1), sourceEpoch: 8, targetEpoch: 9, signingRoot: root(1) }),
      ),
    ).toBeUndefined();
  });

  it("refuses another chain's file and malformed files, importing nothing", () => {
    const p = new SlashingProtection(openDatabase(dbPath()));
    const other = {
      metadata: { interchange_format_version: "5", genesis_validators_root: `0x${"cd".repeat(32)}` },
      data: [],
    };
    expect(() => importInterchange(p.database, JSON.stringify(other), GVR)).toThrow(/another chain/);
    expect(() => importInterchange(p.database, "nope", GVR)).toThrow(InterchangeError);
    const bad = {
      metadata: { interchange_format_version: "5", genesis_validators_root: GVR },
      data: [
        { pubkey: `0x${"01".repeat(48)}`, signed_blocks: [{ slot: "1" }, { slot: "-2" }], signed_attestations: [] },
      ],
    };
    expect(() => importInterchange(p.database, JSON.stringify(bad), GVR)).toThrow(/slot/);
    expect(exportInterchange(p.database, GVR).data).toEqual([]);
  });
});

interface Vote {
  readonly s: number;
  readonly t: number;
  readonly r: number;
}

/**
 * EIP-3076's attestation rules written out over a plain list of one validator's signed votes, independently of the
 * SQL: the reason the first failing rule gives, or undefined to sign. The order of the checks fixes which reason a
 * vote breaking two rules gets, and is the order the node documents.
 */
function referenceVerdict(history: readonly Vote[], v: Vote): string | undefined {
  if (v.s > v.t) return "SOURCE_AFTER_TARGET";
  const sameTarget = history.find((h) => h.t === v.t);
  if (sameTarget) return sameTarget.s === v.s && sameTarget.r === v.r ? undefined : "DOUBLE_VOTE";
  if (history.some((h) => h.s < v.s && v.t < h.t)) return "SURROUNDED_VOTE";
  if (history.some((h) => v.s < h.s && h.t < v.t)) return "SURROUNDING_VOTE";
  if (history.length > 0) {
    const lowSource = Math.min(...history.map((h) => h.s));
    const lowTarget = Math.min(...history.map((h) => h.t));
    if (v.s < lowSource || v.t <= lowTarget) return "BELOW_LOW_WATERMARK";
  }
  return undefined;
}
