import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PublicKey, Signature, verify } from "@chainsafe/blst";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Beacon, startBeacon } from "../../../scripts/beacon/launch.js";
import type { NodeEvent } from "../../src/app/attester.js";
import type { SingleCommitteeNode } from "../../src/app/node.js";
import { type BeaconChain, connectBeacon, slotAt, slotStartMs } from "../../src/duties/beacon.js";
import { voluntaryExitSigningRoot } from "../../src/duties/exit.js";
import { jsonLogger } from "../../src/log.js";
import type { CommitteeValidator } from "../../src/sigagg/threshold-sigagg.js";
import type { Db } from "../../src/store/database.js";
import { DV_INDICES, interopCommittee, startInteropMember } from "./interop-committee.js";

// A real Lodestar dev chain (Capella from genesis, minimal preset, 2-second slots, SHARD_COMMITTEE_PERIOD 0 so a fresh validator
// may exit) runs validators 0..3; 4..7 are distributed validators of a 3-of-4 committee of operator nodes in this
// process. Member 3 is never started (f = 1): every duty below completes with exactly the threshold.
const RUNNING = [0, 1, 2];
const EXITING = 7;
const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

let beacon: Beacon;
let chain: BeaconChain;
const validators: CommitteeValidator[] = [];
const dbs: Db[] = [];
const nodes = new Map<number, SingleCommitteeNode>();
const events: NodeEvent[][] = [[], [], [], []];
let firstSlot = 0;

async function get<T>(path: string): Promise<T | undefined> {
  const res = await fetch(chain.url + path);
  return res.ok ? ((await res.json()) as T) : undefined;
}

type Header = { root: string; canonical: boolean; header: { message: { slot: string; proposer_index: string } } };

describe("block proposals, aggregation with consensus and a voluntary exit: 3 of 4 operator nodes", () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-proposer-"));
    beacon = await startBeacon({ dataDir: join(dir, "beacon"), params: { SHARD_COMMITTEE_PERIOD: 0 } });
    chain = await connectBeacon(beacon.url);
    const c = await interopCommittee("proposer");
    validators.push(...c.validators);
    for (const member of RUNNING) {
      const { node, db } = await startInteropMember(c, member, {
        dir,
        beaconUrl: beacon.url,
        onEvent: (e) => events[member]!.push(e),
        ...(process.env["COHORT_TEST_LOG"] ? { log: jsonLogger(`member-${member}`) } : {}),
        ...(member === 0 ? { api: { port: 0 } } : {}),
      });
      dbs[member] = db;
      nodes.set(member, node);
    }
    for (const [a, na] of nodes) for (const [b, nb] of nodes) if (a !== b) na.setPeerAddrs(b, nb.listenAddrs());
    // Count duties from the first slot after the committee is connected: before that no threshold can form.
    while ([...nodes.values()].some((n) => n.p2p.connectedMembers() < RUNNING.length - 1)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    firstSlot = slotAt(chain, Date.now()) + 1;
  }, 90_000);

  afterAll(async () => {
    for (const node of nodes.values()) await node.stop().catch(() => {});
    for (const db of dbs) db?.close();
    await beacon?.stop();
  });

  it("validators 4..7 propose threshold-signed blocks that become canonical; aggregates are decided and published", async () => {
    // Two whole epochs: with 8 validators and 8 slots an epoch, ours hold about half the proposer slots.
    const lastSlot = firstSlot + 2 * SLOTS_PER_EPOCH;
    await sleepUntil(slotStartMs(chain, lastSlot + 1));

    const ourCanonical = new Map<number, string>();
    for (let slot = firstSlot; slot <= lastSlot; slot++) {
      const h = await get<{ data: Header[] }>(`/eth/v1/beacon/headers?slot=${slot}`);
      for (const header of h?.data ?? []) {
        const proposer = Number(header.header.message.proposer_index);
        if (header.canonical && DV_INDICES.includes(proposer)) ourCanonical.set(slot, header.root.replace(/^0x/, ""));
      }
    }
    for (const member of RUNNING) {
      const proposed = events[member]!.flatMap((e) =>
        e.type === "proposed" && e.slot >= firstSlot && e.slot <= lastSlot ? [e] : [],
      );
      const duties = events[member]!.flatMap((e) =>
        e.type === "proposal-duty" && e.slot >= firstSlot && e.slot <= lastSlot ? [e.slot] : [],
      );
      // Every block a member published is the canonical block of its slot, with the same root. A duty whose
      // consensus ran out of time (the dead member led too many views) is a missed slot, not a wrong block: most
      // duties must still end in a block.
      for (const p of proposed) expect(ourCanonical.get(p.slot), `member ${member} slot ${p.slot}`).toBe(p.blockRoot);
      expect(duties.length).toBeGreaterThan(0);
      expect(proposed.length).toBeGreaterThanOrEqual(Math.ceil(duties.length / 2));
      // Slashing protection recorded a block for each published one, and only at our duty slots.
      const rows = dbs[member]!.prepare("SELECT slot FROM signed_blocks WHERE slot >= ? AND slot <= ?").all(
        firstSlot,
        lastSlot,
      ) as { slot: number }[];
      const signedSlots = rows.map((r) => r.slot);
      for (const p of proposed) expect(signedSlots).toContain(p.slot);
      for (const slot of signedSlots) expect(duties).toContain(slot);
      expect(events[member]!.some((e) => e.type === "refused")).toBe(false);
    }
    expect(ourCanonical.size).toBeGreaterThan(0);

    // Committees of one validator here: each of ours aggregates. The list is decided once per slot; every decided
    // aggregator's aggregate-and-proof is then threshold-signed and published.
    const decided = RUNNING.flatMap((m) =>
      events[m]!.flatMap((e) =>
        e.type === "aggregates-decided" && e.slot >= firstSlot && e.slot <= lastSlot ? [e] : [],
      ),
    );
    expect(decided.length).toBeGreaterThan(0);
    const aggregated = new Set(
      RUNNING.flatMap((m) =>
        events[m]!.flatMap((e) =>
          e.type === "aggregated" && e.slot >= firstSlot ? [`${e.slot}/${e.validatorIndex}`] : [],
        ),
      ),
    );
    for (const d of decided) for (const v of d.aggregators) expect(aggregated).toContain(`${d.slot}/${v}`);
    expect(new Set(decided.flatMap((d) => d.aggregators)).size).toBeGreaterThanOrEqual(3);

    const metrics = await (await fetch(`${nodes.get(0)!.apiUrl!}/metrics`)).text();
    const count = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(metrics)?.[1] ?? "NaN");
    expect(count("cohort_blocks_proposed_total")).toBe(events[0]!.filter((e) => e.type === "proposed").length);
  }, 120_000);

  it("an exit request reaches consensus, is threshold-signed, verifies against the validator key and is accepted", async () => {
    const pubkey = validators[DV_INDICES.indexOf(EXITING)]!.publicKey;
    const results = await Promise.all(RUNNING.map((m) => nodes.get(m)!.requestExit(pubkey)));
    const [signed] = results;
    for (const r of results) expect(r).toEqual(signed);
    expect(signed!.message.validatorIndex).toBe(EXITING);
    const root = voluntaryExitSigningRoot(chain.config, signed!.message, slotAt(chain, Date.now()));
    expect(verify(root, PublicKey.fromBytes(pubkey), Signature.fromBytes(signed!.signature))).toBe(true);

    const pool = await get<{ data: { message: { validator_index: string } }[] }>("/eth/v1/beacon/pool/voluntary_exits");
    const inPool = pool?.data.some((e) => Number(e.message.validator_index) === EXITING) ?? false;
    // Either still in the pool or already included: then the validator is exiting.
    const state = await get<{ data: { status: string; validator: { exit_epoch: string } } }>(
      `/eth/v1/beacon/states/head/validators/${EXITING}`,
    );
    const exiting = state !== undefined && BigInt(state.data.validator.exit_epoch) < 2n ** 63n;
    expect(inPool || exiting).toBe(true);
    for (const m of RUNNING) expect(events[m]!.filter((e) => e.type === "exited")).toHaveLength(1);

    // Followed through on the beacon chain: exit epoch = inclusion epoch + 1 + MAX_SEED_LOOKAHEAD (4), so about six
    // epochs (~100 s on this chain) until the validator is `exited_unslashed`.
    const t0 = Date.now();
    const statuses: string[] = [];
    for (;;) {
      const v = await get<{ data: { status: string } }>(`/eth/v1/beacon/states/head/validators/${EXITING}`);
      const s = v?.data.status ?? "unknown";
      if (statuses.at(-1) !== s) statuses.push(s);
      if (s.startsWith("exited") || Date.now() - t0 > 200_000) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    console.log(`validator ${EXITING}: ${statuses.join(" → ")} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    expect(statuses.at(-1)).toBe("exited_unslashed");
  }, 260_000);
});
