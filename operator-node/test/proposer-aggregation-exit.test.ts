import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PublicKey, Signature, verify } from "@chainsafe/blst";
import { splitSecret } from "@cohort/sdk";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { interopSecretKey } from "@lodestar/state-transition";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Beacon, startBeacon } from "../../scripts/beacon/launch.js";
import type { NodeEvent } from "../src/app/attester.js";
import { type OperatorNode, startOperatorNode } from "../src/app/node.js";
import { type BeaconChain, connectBeacon, slotAt, slotStartMs } from "../src/duties/beacon.js";
import { voluntaryExitSigningRoot } from "../src/duties/exit.js";
import { jsonLogger } from "../src/log.js";
import type { CommitteeValidator } from "../src/sigagg/threshold-sigagg.js";
import { ShareSigner } from "../src/signer/share-signer.js";
import { SlashingProtection } from "../src/signer/slashing-protection.js";
import { type Db, openDatabase } from "../src/store/database.js";

// A real Lodestar dev chain (phase0, minimal preset, 2-second slots, SHARD_COMMITTEE_PERIOD 0 so a fresh validator
// may exit) runs validators 0..3; 4..7 are distributed validators of a 3-of-4 committee of operator nodes in this
// process. Member 3 is never started (f = 1): every duty below completes with exactly the threshold.
const DV_INDICES = [4, 5, 6, 7];
const N = 4;
const RUNNING = [0, 1, 2];
const EXITING = 7;
const enc = new TextEncoder();
const identity = (i: number) => sha256(enc.encode(`proposer-identity-${i}`));
const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

let beacon: Beacon;
let chain: BeaconChain;
const validators: CommitteeValidator[] = [];
const dbs: Db[] = [];
const nodes = new Map<number, OperatorNode>();
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
    const perMember: { validatorPublicKey: Uint8Array; secret: Uint8Array }[][] = [[], [], [], []];
    for (const index of DV_INDICES) {
      const sk = interopSecretKey(index);
      const secret = sk.toBytes();
      const split = await splitSecret(secret, N);
      secret.fill(0);
      const publicKey = sk.toPublicKey().toBytes();
      validators.push({ publicKey, sharePublicKeys: split.shares.map((s) => s.publicKey) });
      for (const [k, s] of split.shares.entries())
        perMember[k]!.push({ validatorPublicKey: publicKey, secret: s.secret });
    }
    const committee = Array.from({ length: N }, (_, i) => privateKeyFromRaw(identity(i)).publicKey.raw);
    for (const member of RUNNING) {
      const db = openDatabase(join(dir, `node-${member}.sqlite`));
      dbs[member] = db;
      nodes.set(
        member,
        await startOperatorNode({
          member,
          identitySecret: identity(member),
          committee,
          signer: new ShareSigner(new SlashingProtection(db), perMember[member]!),
          validators,
          threshold: 3,
          beaconUrl: beacon.url,
          listen: ["/ip4/127.0.0.1/tcp/0"],
          onEvent: (e) => events[member]!.push(e),
          ...(process.env["COHORT_TEST_LOG"] ? { log: jsonLogger(`member-${member}`) } : {}),
          ...(member === 0 ? { api: { port: 0 } } : {}),
        }),
      );
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
      const proposed = events[member]!.flatMap((e) => (e.type === "proposed" && e.slot >= firstSlot ? [e] : []));
      const duties = events[member]!.filter(
        (e) => e.type === "proposal-duty" && e.slot >= firstSlot && e.slot <= lastSlot,
      );
      expect(duties.length).toBeGreaterThan(0);
      // Every proposal duty of ours ended in a published block that is on the canonical chain, with the same root.
      for (const d of duties) {
        const p = proposed.find((e) => e.slot === d.slot);
        expect(p, `member ${member} slot ${d.slot}`).toBeDefined();
        expect(ourCanonical.get(d.slot)).toBe(p!.blockRoot);
      }
      // Slashing protection holds one block per proposed slot, recorded before signing.
      const rows = dbs[member]!.prepare("SELECT slot FROM signed_blocks WHERE slot >= ? AND slot <= ?").all(
        firstSlot,
        lastSlot,
      ) as { slot: number }[];
      expect(rows.map((r) => r.slot).sort()).toEqual(duties.map((d) => d.slot).sort());
      expect(events[member]!.some((e) => e.type === "refused")).toBe(false);
    }
    expect(ourCanonical.size).toBeGreaterThan(0);

    // Committees of one validator here: each of ours aggregates. The list is decided once per slot, then signed.
    const decided = RUNNING.map((m) =>
      events[m]!.flatMap((e) =>
        e.type === "aggregates-decided" && e.slot >= firstSlot ? [`${e.slot}:${e.aggregators}`] : [],
      ),
    );
    expect(decided[0]!.length).toBeGreaterThan(0);
    const aggregated = RUNNING.flatMap((m) =>
      events[m]!.flatMap((e) => (e.type === "aggregated" && e.slot >= firstSlot ? [e.validatorIndex] : [])),
    );
    expect([...new Set(aggregated)].sort()).toEqual(DV_INDICES);

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
  }, 60_000);
});
