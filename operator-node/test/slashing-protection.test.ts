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

  it("property: the accepted history never holds a slashable pair", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(20), fc.nat(20), fc.nat(3)), { maxLength: 60 }), (attempts) => {
        const p = new SlashingProtection(openDatabase(":memory:"));
        const accepted: [number, number, number][] = [];
        for (const [s, t, r] of attempts) {
          try {
            p.checkAndRecordAttestation({ pubkey: pubkey(1), sourceEpoch: s, targetEpoch: t, signingRoot: root(r) });
            accepted.push([s, t, r]);
          } catch (error) {
            if (!(error instanceof SlashableSigningError)) throw error;
          }
        }
        for (const [s1, t1, r1] of accepted) {
          for (const [s2, t2, r2] of accepted) {
            if (t1 === t2) expect(r1).toBe(r2);
            expect(s1 < s2 && t2 < t1).toBe(false);
          }
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
