import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { ssz } from "@lodestar/types";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Beacon, startBeacon } from "../../../scripts/beacon/launch.js";
import type { NodeEvent } from "../../src/app/attester.js";
import { type SingleCommitteeNode, startOperatorNode } from "../../src/app/node.js";
import { type BeaconChain, connectBeacon, slotAt, slotStartMs } from "../../src/duties/beacon.js";
import type { CommitteeValidator } from "../../src/sigagg/threshold-sigagg.js";
import { ShareSigner } from "../../src/signer/share-signer.js";
import { SlashingProtection } from "../../src/signer/slashing-protection.js";
import { ConsensusStateStore } from "../../src/store/consensus-state.js";
import { openDatabase } from "../../src/store/database.js";
import type { ChildNodeConfig, FromChild } from "../support/node-child.js";
import { DV_INDICES, identityOf, interopCommittee } from "./interop-committee.js";

// A real Lodestar dev chain runs validators 0..3 (50% of the stake: it cannot finalize alone); validators 4..7 are
// distributed validators of a 3-of-4 committee. Members 0..2 run in this process; member 3 runs in a child process
// that the test SIGKILLs (no graceful step of any kind) and starts again on the same SQLite file.
const CHILD = 3;
const identity = identityOf("restart");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));
const childScript = fileURLToPath(new URL("../support/node-child.ts", import.meta.url));

let dir: string;
let beacon: Beacon;
let chain: BeaconChain;
let committee: Uint8Array[];
const validators: CommitteeValidator[] = [];
const perMember: { validatorPublicKey: Uint8Array; secret: Uint8Array }[][] = [[], [], [], []];
const dbPaths = [0, 1, 2, 3].map((m) => () => join(dir, `node-${m}.sqlite`));
const nodes = new Map<number, SingleCommitteeNode>();
/** Every event of every member; the child's carry the life (1, 2, …) they came from. */
const events: { member: number; life: number; e: NodeEvent }[] = [];
let child: { proc: ChildProcess; life: number; addrs: string[] } | undefined;
let lives = 0;

async function startChild(onEvent?: (e: NodeEvent) => void): Promise<void> {
  const cfg: ChildNodeConfig = {
    member: CHILD,
    identitySecret: hex(identity(CHILD)),
    committee: committee.map(hex),
    validators: validators.map((v) => ({ publicKey: hex(v.publicKey), sharePublicKeys: v.sharePublicKeys.map(hex) })),
    shares: perMember[CHILD]!.map((s) => ({ validatorPublicKey: hex(s.validatorPublicKey), secret: hex(s.secret) })),
    threshold: 3,
    beaconUrl: beacon.url,
    dbPath: dbPaths[CHILD]!(),
  };
  const configPath = join(dir, "child-config.json");
  writeFileSync(configPath, JSON.stringify(cfg), { mode: 0o600 });
  const life = ++lives;
  const proc = fork(childScript, [configPath], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, LODESTAR_PRESET: "minimal" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const addrs = await new Promise<string[]>((resolve, reject) => {
    proc.once("exit", (code) => reject(new Error(`child node exited early with ${code}`)));
    proc.on("message", (m: FromChild) => {
      if (m.type === "ready") resolve(m.addrs);
      if (m.type === "event") {
        events.push({ member: CHILD, life, e: m.event });
        onEvent?.(m.event);
      }
    });
  });
  child = { proc, life, addrs };
  // Its port is new each life: tell the others, and tell it where they are.
  for (const node of nodes.values()) node.setPeerAddrs(CHILD, addrs);
  proc.send({ type: "peers", peers: [...nodes].map(([m, node]) => [m, node.listenAddrs()]) });
}

function killChild(): Promise<void> {
  const c = child!;
  child = undefined;
  if (c.proc.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => c.proc.once("exit", () => r()));
  c.proc.kill("SIGKILL");
  return exited;
}

async function headSlot(): Promise<number> {
  const res = await fetch(`${chain.url}/eth/v1/beacon/headers/head`);
  return Number(((await res.json()) as { data: { header: { message: { slot: string } } } }).data.header.message.slot);
}

async function checkpoints(): Promise<{ justified: number; finalized: number }> {
  const res = await fetch(`${chain.url}/eth/v1/beacon/states/head/finality_checkpoints`);
  const data = ((await res.json()) as { data: Record<string, { epoch: string }> }).data;
  return { justified: Number(data["current_justified"]!.epoch), finalized: Number(data["finalized"]!.epoch) };
}

/** Per target epoch, the slots attested in blocks (one validator per committee here), ours marked with *. */
async function participation(ours: Set<string>): Promise<string> {
  const byEpoch = new Map<number, string[]>();
  const head = await headSlot();
  for (let slot = 0; slot <= head; slot++) {
    const res = await fetch(`${chain.url}/eth/v1/beacon/blocks/${slot}`);
    if (!res.ok) continue;
    const block = ssz.phase0.SignedBeaconBlock.fromJson(((await res.json()) as { data: unknown }).data);
    for (const att of block.message.body.attestations) {
      const mark = ours.has(hex(ssz.phase0.AttestationData.hashTreeRoot(att.data))) ? "*" : "";
      const list = byEpoch.get(att.data.target.epoch) ?? [];
      list.push(`${att.data.slot}${mark}`);
      byEpoch.set(att.data.target.epoch, list);
    }
  }
  return [...byEpoch]
    .map(
      ([e, l]) => `e${e}[${[...new Set(l)].sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10)).join(",")}]`,
    )
    .join(" ");
}

/** Data roots of the attestations in blocks from `fromSlot` to the head. */
async function includedRoots(fromSlot: number): Promise<Set<string>> {
  const roots = new Set<string>();
  const head = await headSlot();
  for (let slot = fromSlot; slot <= head; slot++) {
    const res = await fetch(`${chain.url}/eth/v1/beacon/blocks/${slot}`);
    if (!res.ok) continue;
    const block = ssz.phase0.SignedBeaconBlock.fromJson(((await res.json()) as { data: unknown }).data);
    for (const att of block.message.body.attestations)
      roots.add(hex(ssz.phase0.AttestationData.hashTreeRoot(att.data)));
  }
  return roots;
}

interface SignedRow {
  pubkey: string;
  target: number;
  source: number;
  root: string;
}
/** What a member's slashing database says it signed; read-only, so a live node's file is not disturbed. */
function signedRows(member: number): SignedRow[] {
  const db = new Database(dbPaths[member]!(), { readonly: true });
  try {
    const rows = db
      .prepare("SELECT pubkey, source_epoch, target_epoch, signing_root FROM signed_attestations")
      .all() as { pubkey: Uint8Array; source_epoch: number; target_epoch: number; signing_root: Uint8Array }[];
    return rows.map((r) => ({
      pubkey: hex(r.pubkey),
      target: r.target_epoch,
      source: r.source_epoch,
      root: hex(r.signing_root),
    }));
  } finally {
    db.close();
  }
}

function consensusRows(member: number): number {
  const db = new Database(dbPaths[member]!(), { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM consensus_state").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Nothing slashable anywhere: per validator and target epoch one signing root across every member (so no threshold
 * of partials over two roots can exist), no surround vote within a member's history, and each database holds exactly
 * what its node reported signing, over all its lives.
 */
function expectNothingSlashable(): void {
  const rootOf = new Map<string, string>();
  for (const member of [0, 1, 2, 3]) {
    const rows = signedRows(member);
    for (const r of rows) {
      const k = `${r.pubkey}/${r.target}`;
      expect(rootOf.get(k) ?? r.root).toBe(r.root);
      rootOf.set(k, r.root);
      for (const o of rows) {
        if (o.pubkey !== r.pubkey) continue;
        const surrounds = r.source < o.source && r.target > o.target;
        expect(surrounds).toBe(false);
      }
    }
    const reported = events
      .filter((x) => x.member === member && x.e.type === "signed")
      .map(({ e }) => (e.type === "signed" ? `${e.validator}/${e.targetEpoch}/${e.signingRoot}` : ""))
      .sort();
    expect(rows.map((r) => `${r.pubkey}/${r.target}/${r.root}`).sort()).toEqual(reported);
  }
}

describe("restarts against a real Lodestar chain: member 3 SIGKILLed right after signing, then two members down", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cohort-restart-"));
    beacon = await startBeacon({ dataDir: join(dir, "beacon") });
    chain = await connectBeacon(beacon.url);
    const fixture = await interopCommittee("restart");
    validators.push(...fixture.validators);
    for (const [k, shares] of fixture.perMember.entries()) perMember[k]!.push(...shares);
    committee = fixture.committee;
    for (const member of [0, 1, 2]) {
      const db = openDatabase(dbPaths[member]!());
      const node = await startOperatorNode({
        member,
        identitySecret: identity(member),
        committee,
        // ShareSigner zeroizes these share bytes; the child's (member 3) are never given to one here.
        signer: new ShareSigner(new SlashingProtection(db), perMember[member]!),
        safetyStore: new ConsensusStateStore(db),
        validators,
        threshold: 3,
        beaconUrl: beacon.url,
        listen: ["/ip4/127.0.0.1/tcp/0"],
        onEvent: (e) => events.push({ member, life: 1, e }),
      });
      nodes.set(member, node);
    }
    for (const [a, na] of nodes) for (const [b, nb] of nodes) if (a !== b) na.setPeerAddrs(b, nb.listenAddrs());
  }, 90_000);

  afterAll(async () => {
    if (child) await killChild();
    for (const node of nodes.values()) await node.stop().catch(() => {});
    await beacon?.stop();
  });

  it("restarted on the same file it signs nothing conflicting, catches up, and the chain finalizes with validators 4..7", async () => {
    // Life 1, killed the moment it reports a signature: the partial may or may not have left, the row is on disk.
    let killedAtSlot = -1;
    const killed = new Promise<void>((resolve) => {
      void startChild((e) => {
        // In steady state (the first epoch's attestations are noisy on a fresh dev chain), mid-duty.
        if (e.type === "signed" && killedAtSlot < 0 && e.slot >= SLOTS_PER_EPOCH) {
          killedAtSlot = e.slot;
          child!.proc.kill("SIGKILL");
          resolve();
        }
      });
    });
    await killed;
    await killChild();
    const lifeOneSigned = signedRows(CHILD);
    expect(lifeOneSigned.length).toBeGreaterThan(0); // the signature it reported is recorded
    // It voted before it signed: its consensus votes and lock are on disk too, for the restart to load.
    expect(consensusRows(CHILD)).toBeGreaterThan(0);

    await startChild();
    const restartedAt = Math.max(0, slotAt(chain, Date.now()));

    // Several epochs: finality needs > 2/3 of the stake voting for the same targets, and 0..3 hold only half.
    // Epoch 2 can first be finalized at the end of epoch 3, if epochs 2 and 3 both got > 2/3 of the votes; a few
    // epochs of slack absorb an epoch where a block or an aggregate came too late on this shared machine.
    const lastEpoch = Math.max(Math.floor(restartedAt / SLOTS_PER_EPOCH) + 5, 8);
    let finalized = 0;
    const seen: string[] = []; // slot:justified/finalized, to read a failure
    while (slotAt(chain, Date.now()) < lastEpoch * SLOTS_PER_EPOCH) {
      const c = await checkpoints();
      finalized = c.finalized;
      seen.push(`${slotAt(chain, Date.now())}:${c.justified}/${c.finalized}`);
      const caughtUp = events.some((x) => x.member === CHILD && x.life === 2 && x.e.type === "submitted");
      if (finalized >= 2 && caughtUp) break;
      await sleepUntil(slotStartMs(chain, slotAt(chain, Date.now()) + 1));
    }
    await sleepUntil(slotStartMs(chain, slotAt(chain, Date.now()) + 2)); // the last submissions land in a block
    if (finalized < 2) {
      const ours = new Set(events.flatMap((x) => (x.e.type === "submitted" ? [x.e.dataRoot] : [])));
      const trail = events.flatMap((x) =>
        x.e.type === "duty" || x.e.type === "decided" ? [`${x.member}:${x.e.type}:${x.e.slot}`] : [],
      );
      expect.fail(
        `not finalized: killed at slot ${killedAtSlot}, restarted at ${restartedAt}; slot:justified/finalized ` +
          `${seen.join(" ")}; attested in blocks ${await participation(ours)}; node events ${trail.join(" ")}`,
      );
    }

    // Caught up: its second life submits combined attestations again, and they are in blocks.
    const included = await includedRoots(restartedAt);
    const lifeTwo = events.filter((x) => x.member === CHILD && x.life === 2);
    const submittedRoots = lifeTwo.flatMap((x) => (x.e.type === "submitted" ? [x.e.dataRoot] : []));
    expect(submittedRoots.some((r) => included.has(r))).toBe(true);
    expect(lifeTwo.some((x) => x.e.type === "signed")).toBe(true);
    // Every distributed validator is included after the restart (what lets the chain finalize at all).
    const byRoot = new Map<string, number>();
    for (const x of events)
      if (x.e.type === "submitted" && x.e.slot >= restartedAt) byRoot.set(x.e.dataRoot, x.e.validatorIndex);
    const indices = new Set([...included].flatMap((r) => (byRoot.has(r) ? [byRoot.get(r)!] : [])));
    expect([...indices].sort()).toEqual(DV_INDICES);

    // Nothing it signed in life 1 is gone or contradicted in life 2; nothing slashable anywhere.
    const afterRows = signedRows(CHILD);
    for (const r of lifeOneSigned) expect(afterRows).toContainEqual(r);
    expect(events.some((x) => x.e.type === "refused")).toBe(false);
    expectNothingSlashable();
  }, 200_000);

  it("with two members killed, the other two sign nothing, and no member holds anything slashable", async () => {
    const now = Math.max(0, slotAt(chain, Date.now()));
    const killSlot = now + 1;
    await sleepUntil(slotStartMs(chain, killSlot));
    await killChild(); // abrupt
    await nodes.get(2)!.stop();
    nodes.delete(2);
    const after = killSlot + 1;
    await sleepUntil(slotStartMs(chain, after + SLOTS_PER_EPOCH + 1));
    for (const member of [0, 1]) {
      const late = events.filter((x) => x.member === member && x.e.slot >= after).map((x) => x.e);
      expect(late.filter((e) => e.type === "duty").length).toBeGreaterThan(0); // duties kept coming
      // Nothing decided, signed or submitted; every duty that came is counted as missed, with its reason.
      expect(late.filter((e) => !["duty", "proposal-duty", "missed"].includes(e.type))).toEqual([]);
      expect(late.some((e) => e.type === "missed")).toBe(true);
    }
    expectNothingSlashable();
  }, 120_000);
});
