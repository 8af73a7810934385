import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { ssz } from "@lodestar/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Beacon, startBeacon } from "../../../scripts/beacon/launch.js";
import type { NodeStatus } from "../../src/api/status.js";
import type { NodeEvent } from "../../src/app/attester.js";
import type { SingleCommitteeNode } from "../../src/app/node.js";
import { type BeaconChain, connectBeacon, slotAt, slotStartMs } from "../../src/duties/beacon.js";
import type { CommitteeValidator } from "../../src/sigagg/threshold-sigagg.js";
import type { Db } from "../../src/store/database.js";
import { syncParticipation } from "./chain-blocks.js";
import { DV_INDICES, interopCommittee, startInteropMember } from "./interop-committee.js";

// A real Lodestar dev chain (Capella from genesis, minimal preset, 2-second slots) runs validators 0..3; validators 4..7 are distributed
// validators of a 3-of-4 committee of operator nodes in this process, each with its own libp2p node, consensus
// engine, SQLite slashing database and share signer. Member 3 is never started (f = 1).
const RUNNING = [0, 1, 2];
/** Epochs counted: attestations, aggregates and sync-committee bits. */
const SYNC_EPOCHS = 3;
const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

let beacon: Beacon;
let chain: BeaconChain;
const validators: CommitteeValidator[] = [];
const dbs: Db[] = [];
const nodes = new Map<number, SingleCommitteeNode>();
const events: NodeEvent[][] = [[], [], [], []];

/** Data roots of the attestations found in blocks from `fromSlot` to the head. */
async function includedRoots(fromSlot: number): Promise<Set<string>> {
  const roots = new Set<string>();
  const header = (await (await fetch(`${chain.url}/eth/v1/beacon/headers/head`)).json()) as {
    data: { header: { message: { slot: string } } };
  };
  const head = Number(header.data.header.message.slot);
  for (let slot = fromSlot; slot <= head; slot++) {
    const res = await fetch(`${chain.url}/eth/v1/beacon/blocks/${slot}`);
    if (!res.ok) continue;
    const block = ssz.phase0.SignedBeaconBlock.fromJson(((await res.json()) as { data: unknown }).data);
    for (const att of block.message.body.attestations) {
      roots.add(hex(ssz.phase0.AttestationData.hashTreeRoot(att.data)));
    }
  }
  return roots;
}

/** The slashing database must hold exactly what the node reported signing, one root per (validator, target). */
function expectDbMatchesSigned(member: number): void {
  const rows = dbs[member]!.prepare(
    "SELECT pubkey, target_epoch, signing_root FROM signed_attestations ORDER BY pubkey, target_epoch",
  ).all() as { pubkey: Uint8Array; target_epoch: number; signing_root: Uint8Array }[];
  const inDb = rows.map((r) => `${hex(r.pubkey)}/${r.target_epoch}/${hex(r.signing_root)}`).sort();
  const signed = events[member]!.flatMap((e) =>
    e.type === "signed" ? [`${e.validator}/${e.targetEpoch}/${e.signingRoot}`] : [],
  ).sort();
  expect(inDb).toEqual(signed);
  const targets = rows.map((r) => `${hex(r.pubkey)}/${r.target_epoch}`);
  expect(new Set(targets).size).toBe(targets.length);
}

describe("distributed attestations: 3 of 4 operator nodes over libp2p and HotStuff", () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-distributed-"));
    beacon = await startBeacon({ dataDir: join(dir, "beacon") });
    chain = await connectBeacon(beacon.url);
    const c = await interopCommittee("distributed-attestation");
    validators.push(...c.validators);
    for (const member of RUNNING) {
      const { node, db } = await startInteropMember(c, member, {
        dir,
        beaconUrl: beacon.url,
        onEvent: (e) => events[member]!.push(e),
        ...(member === 0 ? { api: { port: 0 } } : {}),
      });
      dbs[member] = db;
      nodes.set(member, node);
    }
    // Ephemeral ports: addresses are exchanged once every node listens (the chain registry's job in production).
    for (const [a, na] of nodes) for (const [b, nb] of nodes) if (a !== b) na.setPeerAddrs(b, nb.listenAddrs());
  }, 90_000);

  afterAll(async () => {
    for (const node of nodes.values()) await node.stop().catch(() => {});
    for (const db of dbs) db?.close();
    await beacon?.stop();
  });

  it("validators 4..7 attest through consensus, exchanged partials and combined signatures; attestations land in blocks", async () => {
    const firstEpoch = Math.floor(Math.max(0, slotAt(chain, Date.now())) / SLOTS_PER_EPOCH) + 1;
    // Three whole epochs, plus two slots for the last attestations to be included.
    await sleepUntil(slotStartMs(chain, (firstEpoch + SYNC_EPOCHS) * SLOTS_PER_EPOCH + 2));

    const submitted = new Map<string, number>();
    for (const member of RUNNING) {
      for (const e of events[member]!) {
        if (e.type === "submitted" && e.slot >= firstEpoch * SLOTS_PER_EPOCH)
          submitted.set(e.dataRoot, e.validatorIndex);
      }
    }
    const included = new Set<number>();
    for (const root of await includedRoots(firstEpoch * SLOTS_PER_EPOCH)) {
      const index = submitted.get(root);
      if (index !== undefined) included.add(index);
    }
    expect([...included].sort()).toEqual(DV_INDICES);
    for (const member of RUNNING) {
      // Every member combines and submits (duplicates are accepted as already known), so any one of them suffices.
      const own = events[member]!.flatMap((e) =>
        e.type === "submitted" && e.slot >= firstEpoch * SLOTS_PER_EPOCH ? [e.validatorIndex] : [],
      );
      expect([...new Set(own)].sort()).toEqual(DV_INDICES);
    }
    // Committees of one validator on this chain: every validator aggregates; its aggregate-and-proof is threshold-signed.
    const aggregated = RUNNING.flatMap((m) =>
      events[m]!.flatMap((e) =>
        e.type === "aggregated" && e.slot >= firstEpoch * SLOTS_PER_EPOCH ? [e.validatorIndex] : [],
      ),
    );
    expect([...new Set(aggregated)].sort()).toEqual(DV_INDICES);
    for (const member of RUNNING) {
      expect(events[member]!.some((e) => e.type === "refused")).toBe(false);
      expectDbMatchesSigned(member);
    }

    // Member 0's API reports the same work: metrics for Prometheus, status for the dapp, health for the operator.
    const apiUrl = nodes.get(0)!.apiUrl!;
    const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
    const count = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(metrics)?.[1] ?? "NaN");
    const ownSubmissions = events[0]!.filter((e) => e.type === "submitted").length;
    expect(count("cohort_attestations_submitted_total")).toBe(ownSubmissions);
    expect(count("cohort_partials_signed_total")).toBe(events[0]!.filter((e) => e.type === "signed").length);
    const decided = events[0]!.filter((e) => e.type === "decided").length;
    expect(count("cohort_consensus_decided_total")).toBe(decided);
    expect(decided).toBeGreaterThanOrEqual(2); // at least one duty slot in each of the two epochs
    expect(count("cohort_peers_connected")).toBe(2); // members 1 and 2; member 3 never started
    const status = (await (await fetch(`${apiUrl}/status`)).json()) as NodeStatus;
    expect(status.validators).toHaveLength(DV_INDICES.length);
    expect(status.recentDuties.some((d) => d.decided && d.submittedIndices.length > 0)).toBe(true);
    expect((await fetch(`${apiUrl}/health`)).status).toBe(200);

    // Sync committee (Altair on): with 8 validators and 32 positions every validator sits in it. Each of ours must
    // have its bit set in most of the chain's blocks, counted from the blocks themselves.
    const from = firstEpoch * SLOTS_PER_EPOCH + 1;
    const participation = await syncParticipation(beacon.url, new Set(DV_INDICES), from, from + SYNC_EPOCHS * 8 - 1);
    console.log(
      `sync committee bits of validators 4..7 in blocks ${from}..: ${[...participation]
        .map(([v, [set, blocks]]) => `${v}: ${set}/${blocks}`)
        .join(", ")}`,
    );
    expect([...participation.keys()].sort()).toEqual(DV_INDICES);
    for (const [v, [set, blocks]] of participation)
      expect(set, `validator ${v}: ${set}/${blocks}`).toBeGreaterThan(blocks / 2);
  }, 150_000);
});
