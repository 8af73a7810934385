import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { cohortRegistryAbi } from "@cohort/sdk";
import { createPublicClient, createWalletClient, http, type LocalAccount } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, DEVNET_COMMITTEES, startCluster } from "../../../scripts/devnet/cluster.js";
import { registerGenesisValidators } from "../../../scripts/devnet/genesis-validators.js";
import type { DevnetNode } from "../../../scripts/devnet/nodes.js";
import type { NodeStatus } from "../../src/api/status.js";
import {
  attestationInclusion,
  blockBody,
  canonicalSlots,
  clockSlot,
  collectCommittees,
  countInclusion,
  epochOf,
  finalizedEpoch,
  headSlot,
  knowsValidator,
  SLOTS_PER_EPOCH,
  syncParticipation,
  untilSlot,
} from "./chain-blocks.js";

// npm start's system as processes: anvil + contracts, a real Lodestar 1.5.1 dev chain (validators 0..3 inside
// Lodestar, half the stake), genesis validators 4..7 registered to three overlapping committees of six operators
// (DEVNET_COMMITTEES), and one `cohort-node` process per operator. Everything about duties is counted from the beacon
// chain's own blocks; the nodes' /status and /metrics are read only for what they serve and what they count as missed.
//
// The mini-pool flow (pool deposits, initiator bond, DKG, oracle reports) is not tested here: the pool contracts'
// rework (1 ETH pre-deposit + out-of-committee verification, oracle quorum ≥ 5 and ≥ 2/3, per-validator reports) is
// owned by the pool E2E.

const MNEMONIC = "test test test test test test test test test test test junk";
/** cluster.ts GENESIS_OWNER_ACCOUNT: the owner of the genesis distributed validators. */
const GENESIS_OWNER = mnemonicToAccount(MNEMONIC, { addressIndex: 9 });
const DV = [4, 5, 6, 7];
const LODESTAR_OWN = [0, 1, 2, 3];
/** Operator killed in (b): a member of committees {1,2,3,4} (validators 4, 5) and {1,2,5,6} (validator 7). */
const VICTIM = 1;
const DOWN_EPOCHS = 5;
/** Honest floor for this loaded 2-core machine; the goal is 99.5%. */
const FLOOR = 0.9;
/** (c): validator 5 leaves committee {1,2,3,4}; interop validator 8 (not in the beacon genesis) joins a new one. */
const REMOVED = 5;
const ADDED_INDEX = 8;
const ADDED_COMMITTEE = [2, 3, 5, 6];
/** Epochs over which sync-committee participation and fee recipients are counted in (a2). */
const SYNC_EPOCHS = 3;

let cluster: Cluster;
let pubkeyOf: Map<number, string>;
let stopWatch: (() => void) | undefined;
const deaths: string[] = [];

beforeAll(async () => {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "cohort-cluster-"));
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  cluster = await startCluster({ dir, rpcPort: 0, beaconPort: 0, p2pBasePort: base, apiBasePort: base + 500 });
  await cluster.waitHealthy(120_000);
  // validatorPublicKeys is in DEVNET_COMMITTEES order; checked against the beacon chain's own registry below.
  const indices = DEVNET_COMMITTEES.flatMap((c) => c.indices);
  pubkeyOf = new Map(indices.map((v, i) => [v, cluster.validatorPublicKeys[i]!]));
  console.log(`cluster up in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}, 300_000);

afterAll(async () => {
  stopWatch?.();
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function status(node: DevnetNode): Promise<NodeStatus | undefined> {
  try {
    const res = await fetch(`${node.apiUrl}/status`);
    return res.ok ? ((await res.json()) as NodeStatus) : undefined;
  } catch {
    return undefined;
  }
}

async function metric(node: DevnetNode, name: string): Promise<number> {
  const text = await (await fetch(`${node.apiUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(" ").at(-1));
  }
  return sum;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/**
 * The running process of a node, from the kernel: the pid that listens on the node's API port (cross-checked with its
 * pid file when there is one) and that process's start time, so a new process is told apart even on a reused pid.
 */
function processOf(node: DevnetNode): { pid: number; startTicks: string } {
  const apiPort = Number(new URL(node.apiUrl).port);
  const pid = listeners().find((l) => l.port === apiPort)?.pid;
  if (pid === undefined) throw new Error(`nothing listens on operator ${node.operatorId}'s API port ${apiPort}`);
  if (existsSync(node.pidFile)) expect(Number(readFileSync(node.pidFile, "utf8").trim())).toBe(pid);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Field 22 (starttime); fields are counted after the command name's closing parenthesis (field 2).
  const startTicks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
  return { pid, startTicks };
}

/** Listening TCP sockets with their process, from the kernel's socket table (`ss`), not from the nodes. */
function listeners(): { port: number; pid: number }[] {
  const out = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" });
  const rows: { port: number; pid: number }[] = [];
  for (const line of out.split("\n")) {
    const pid = /pid=(\d+),/.exec(line)?.[1];
    const local = line.trim().split(/\s+/)[3];
    if (pid && local) rows.push({ port: Number(local.slice(local.lastIndexOf(":") + 1)), pid: Number(pid) });
  }
  return rows;
}

/** TCP ports process `pid` listens on. */
function listenPorts(pid: number): number[] {
  return [
    ...new Set(
      listeners()
        .filter((l) => l.pid === pid)
        .map((l) => l.port),
    ),
  ].sort((a, b) => a - b);
}

/** Validator indices operator `id` serves, from DEVNET_COMMITTEES (plus `extra` committees). */
function servedBy(id: number, committees = DEVNET_COMMITTEES): number[] {
  return committees.filter((c) => c.operators.includes(id)).flatMap((c) => c.indices);
}

const nodeOf = (id: number) => cluster.nodes.find((n) => n.operatorId === id)!;
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
/** This machine's load: the same code misses duties when other suites load the two cores (reported beside numbers). */
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`;
const perValidator = (m: Map<number, [number, number]>) =>
  [...m]
    .sort(([a], [b]) => a - b)
    .map(([v, [i, d]]) => `${v}: ${i}/${d}`)
    .join(", ");

describe("the devnet cluster: six operator processes, three committees, a real beacon chain", () => {
  it("(a) each node serves every committee it is in from one host on its registered port; the chain finalizes", async () => {
    stopWatch = cluster.watch((d) => deaths.push(`${d.name} ${d.cause}: ${d.lastLines.join(" | ")}`));
    const url = cluster.beacon.url;
    // The public keys are the beacon chain's validators 4..7 (from its own registry).
    for (const [v, pk] of pubkeyOf) {
      const res = await fetch(`${url}/eth/v1/beacon/states/head/validators/${v}`);
      expect(((await res.json()) as { data: { validator: { pubkey: string } } }).data.validator.pubkey).toBe(pk);
    }
    const client = createPublicClient({ transport: http(cluster.deployment.rpcUrl) });
    expect(cluster.nodes.map((n) => n.operatorId)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const node of cluster.nodes) {
      const id = node.operatorId;
      const expected = servedBy(id)
        .map((v) => pubkeyOf.get(v)!)
        .sort();
      const s = await until(
        `operator ${id} serving validators ${servedBy(id).join(", ")}`,
        async () => {
          const st = await status(node);
          return st && [...st.validators].sort().join() === expected.join() ? st : undefined;
        },
        30_000,
      );
      expect([...s.validators].sort()).toEqual(expected);
      // One host: the process listens on its API port and on exactly one p2p port, the one registered on-chain.
      const [endpoint, ...more] = await client.readContract({
        address: cluster.deployment.registry,
        abi: cohortRegistryAbi,
        functionName: "operatorEndpoints",
        args: [BigInt(id)],
      });
      expect(more).toEqual([]);
      const registered = Number(endpoint!.split("/tcp/")[1]);
      const apiPort = Number(new URL(node.apiUrl).port);
      const ports = listenPorts(processOf(node).pid);
      expect(ports.filter((p) => p !== apiPort)).toEqual([registered]);
      console.log(
        `operator ${id}: serves validators ${servedBy(id).join(", ")}, listens p2p ${registered} + api ${apiPort}`,
      );
    }
    // Lodestar's validators are half the stake: finality needs the distributed validators' attestations.
    const finalized = await until(
      "finality with the distributed validators",
      async () => {
        const e = await finalizedEpoch(url);
        return e >= 2 ? e : undefined;
      },
      240_000,
    );
    console.log(`finalized epoch ${finalized} at head slot ${await headSlot(url)}`);
    expect(deaths).toEqual([]);
  }, 400_000);

  it("(a2) the distributed validators sign in the sync committee and their blocks pay their fee recipient", async () => {
    const url = cluster.beacon.url;
    const from = (await clockSlot(url)) + 1;
    const to = from + SYNC_EPOCHS * SLOTS_PER_EPOCH;
    await untilSlot(url, to + 1);
    const participation = await syncParticipation(url, new Set(DV), from, to);
    const [set, blocks] = [...participation.values()].reduce(([a, b], [x, y]) => [a + x, b + y], [0, 0]);
    console.log(
      `sync committee, slots ${from}..${to - 1}: DV bits set in ${set}/${blocks} = ${pct(set, blocks)} of (block, validator) ` +
        `pairs [${perValidator(participation)}]; ${load()}`,
    );
    // With 8 validators and 32 positions every validator sits in the committee: each must show up, mostly set.
    expect([...participation.keys()].sort()).toEqual(DV);
    for (const [v, [s, b]] of participation) expect(s, `validator ${v}: ${s}/${b}`).toBeGreaterThan(b / 2);

    // Not set on-chain here: every validator pays its owner by default (the registry's feeRecipientOf).
    const owner = GENESIS_OWNER.address.toLowerCase();
    const ours: string[] = [];
    for (let slot = from; slot < to; slot++) {
      const block = await blockBody(url, slot);
      if (block && DV.includes(block.proposer)) ours.push(`${slot}:${block.feeRecipient}`);
    }
    console.log(`blocks proposed by validators 4..7: ${ours.join(" ")}`);
    expect(ours.length).toBeGreaterThan(0);
    for (const b of ours) expect(b.split(":")[1], b).toBe(owner);
    expect(deaths).toEqual([]);
  }, 120_000);

  it(`(b) with operator ${VICTIM} killed, its committees keep attesting over ${DOWN_EPOCHS} epochs; it comes back healthy`, async () => {
    const url = cluster.beacon.url;
    const victim = nodeOf(VICTIM);
    const old = processOf(victim);
    stopWatch?.(); // this death is ours
    await victim.kill();
    expect(victim.running()).toBe(false);
    expect(await status(victim)).toBeUndefined();
    const first = epochOf(await clockSlot(url)) + 1;
    const from = first * SLOTS_PER_EPOCH;
    const to = (first + DOWN_EPOCHS) * SLOTS_PER_EPOCH;
    const committees = await collectCommittees(url, first, (e) => e >= first + DOWN_EPOCHS);
    // Still down for the whole window: nobody restarted it behind our back.
    expect(victim.running()).toBe(false);
    await untilSlot(url, to);
    victim.start();
    stopWatch = cluster.watch((d) => deaths.push(`${d.name} ${d.cause}: ${d.lastLines.join(" | ")}`));

    // Attestations of slot s may be included up to s + 32; wait for most, scan up to the head.
    await untilSlot(url, to + 2 * SLOTS_PER_EPOCH);
    const scanTo = Math.min(to + 32, (await headSlot(url)) + 1);
    const canonical = await canonicalSlots(url, from, to);
    const ours = countInclusion(await attestationInclusion(url, committees, new Set(DV), from, to, scanTo), canonical);
    const theirs = countInclusion(
      await attestationInclusion(url, committees, new Set(LODESTAR_OWN), from, to, scanTo),
      canonical,
    );
    console.log(
      `with operator ${VICTIM} down over epochs ${first}..${first + DOWN_EPOCHS - 1} (${DOWN_EPOCHS} epochs, ` +
        `slots ${from}..${to - 1}): DV attestations (validators 4..7) included ${ours.included}/${ours.duties} = ` +
        `${pct(ours.included, ours.duties)} [${perValidator(ours.byValidator)}]; ` +
        `${ours.skipped} duties at slots the chain missed itself not counted (${to - from - canonical.size} slots missed); ` +
        `not included: ${ours.missing.join(" ") || "none"}; Lodestar's own 0..3: ${theirs.included}/${theirs.duties} ` +
        `= ${pct(theirs.included, theirs.duties)}; blocks scanned to slot ${scanTo - 1}; ${load()}`,
    );
    // Each of the victim's committees kept attesting, and the validators as a whole reach the floor.
    for (const v of servedBy(VICTIM)) {
      expect.soft(ours.byValidator.get(v)?.[0] ?? 0, `validator ${v} included`).toBeGreaterThan(0);
    }
    expect.soft(ours.duties, "counted DV duties").toBeGreaterThanOrEqual(DV.length * (DOWN_EPOCHS - 1));
    expect.soft(ours.included / ours.duties, "DV inclusion share").toBeGreaterThanOrEqual(FLOOR);

    // Back: a new process on the same folder, healthy, on its registered port, serving its committees and signing.
    const fresh = await until(
      `operator ${VICTIM} healthy again`,
      async () => {
        const res = await fetch(`${victim.apiUrl}/health`).catch(() => undefined);
        return res?.ok ? processOf(victim) : undefined;
      },
      60_000,
    );
    expect(fresh.pid).not.toBe(old.pid);
    expect(listenPorts(fresh.pid).length).toBe(2);
    const s = await status(victim);
    expect([...(s?.validators ?? [])].sort()).toEqual(
      servedBy(VICTIM)
        .map((v) => pubkeyOf.get(v)!)
        .sort(),
    );
    const signed = await metric(victim, "cohort_partials_signed_total");
    await until(
      `operator ${VICTIM} signing again`,
      async () => ((await metric(victim, "cohort_partials_signed_total")) > signed ? true : undefined),
      4 * SLOTS_PER_EPOCH * 2_000,
    );
    expect(await metric(victim, "cohort_peers_connected")).toBeGreaterThanOrEqual(3);
    expect(deaths).toEqual([]);
  }, 400_000);

  it(`(c) removing validator ${REMOVED} and registering validator ${ADDED_INDEX} take effect at the next epoch, without a restart or a missed duty`, async () => {
    const url = cluster.beacon.url;
    const rpc = cluster.deployment.rpcUrl;
    const client = createPublicClient({ transport: http(rpc), pollingInterval: 100 });
    const before = new Map(cluster.nodes.map((n) => [n.operatorId, processOf(n)]));
    const missedBefore = new Map<number, number>();
    for (const n of cluster.nodes) missedBefore.set(n.operatorId, await metric(n, "cohort_duties_missed_total"));

    // Change early in an epoch, so the nodes see it well before the boundary.
    const e0 = epochOf(await clockSlot(url)) + 1;
    await untilSlot(url, e0 * SLOTS_PER_EPOCH + 1);
    const committees = collectCommittees(url, e0, (e) => e >= e0 + 4);
    const send = async (account: LocalAccount, request: Parameters<typeof client.simulateContract>[0]) => {
      const { request: prepared } = await client.simulateContract({ ...request, account });
      const hash = await createWalletClient({ account, transport: http(rpc) }).writeContract(prepared);
      expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    };
    const removedKey = pubkeyOf.get(REMOVED)! as `0x${string}`;
    const removedFrom = DEVNET_COMMITTEES.find((c) => c.indices.includes(REMOVED))!.operators;
    await send(GENESIS_OWNER, {
      address: cluster.deployment.registry,
      abi: cohortRegistryAbi,
      functionName: "removeValidator",
      args: [removedKey, removedFrom.map(BigInt)],
    });
    const [addedKey] = await registerGenesisValidators({
      rpcUrl: rpc,
      registry: cluster.deployment.registry,
      token: cluster.deployment.token,
      chainId: cluster.deployment.chainId,
      owner: GENESIS_OWNER,
      operators: ADDED_COMMITTEE.map((id) => cluster.deployment.operators.find((o) => o.id === id)!),
      indices: [ADDED_INDEX],
    });
    const changedAt = await clockSlot(url);
    const cut = epochOf(changedAt) + 1; // the boundary at which the nodes apply it
    console.log(
      `removed validator ${REMOVED}, registered validator ${ADDED_INDEX} at slot ${changedAt}; effect from epoch ${cut}`,
    );
    expect(epochOf(changedAt)).toBe(e0);

    // At the next epoch every node serves the new set: the new committee's members list validator 8 (which the beacon
    // chain does not know: no deposit), nobody lists validator 5, everything else unchanged.
    const after = [
      ...DEVNET_COMMITTEES.map((c) => ({ operators: c.operators, indices: c.indices.filter((v) => v !== REMOVED) })),
      { operators: ADDED_COMMITTEE, indices: [ADDED_INDEX] },
    ];
    const keyOf = (v: number) => (v === ADDED_INDEX ? addedKey! : pubkeyOf.get(v)!);
    await untilSlot(url, cut * SLOTS_PER_EPOCH + 1);
    for (const node of cluster.nodes) {
      const expected = servedBy(node.operatorId, after).map(keyOf).sort();
      const s = await until(
        `operator ${node.operatorId} serving ${servedBy(node.operatorId, after).join(", ")}`,
        async () => {
          const st = await status(node);
          return st && [...st.validators].sort().join() === expected.join() ? st : undefined;
        },
        SLOTS_PER_EPOCH * 2_000,
      ).catch(() => status(node));
      expect.soft([...(s?.validators ?? [])].sort(), `operator ${node.operatorId}'s validators`).toEqual(expected);
    }
    expect(await knowsValidator(url, addedKey!)).toBe(false);

    // Three epochs after the boundary, counted from the chain.
    const end = (cut + 3) * SLOTS_PER_EPOCH;
    const all = await committees;
    // Misses are counted over the same window as inclusions (a duty's miss is reported by the end of its slot), not
    // over the extra epoch waited below for the last attestations to be included.
    await untilSlot(url, end + 1);
    const missedAfter = new Map<number, number>();
    for (const n of cluster.nodes) missedAfter.set(n.operatorId, await metric(n, "cohort_duties_missed_total"));
    await untilSlot(url, end + SLOTS_PER_EPOCH);
    const scanTo = Math.min(end + 32, (await headSlot(url)) + 1);
    const from = e0 * SLOTS_PER_EPOCH;
    const inclusion = await attestationInclusion(url, all, new Set(DV), from, end, scanTo);
    const canonical = await canonicalSlots(url, from, end);
    const others = countInclusion(inclusion, canonical, (_, v) => v !== REMOVED);
    const removedAfter = countInclusion(inclusion, canonical, (s, v) => v === REMOVED && s >= cut * SLOTS_PER_EPOCH);
    const removedBefore = countInclusion(inclusion, canonical, (s, v) => v === REMOVED && s < cut * SLOTS_PER_EPOCH);
    console.log(
      `validator set change, epochs ${e0}..${cut + 2}: others (4, 6, 7) included ${others.included}/${others.duties} ` +
        `[${perValidator(others.byValidator)}] (${others.skipped} at slots the chain missed itself not counted), not included: ${others.missing.join(" ") || "none"}; validator ` +
        `${REMOVED}: ${removedBefore.included}/${removedBefore.duties} before epoch ${cut}, ` +
        `${removedAfter.included}/${removedAfter.duties} from it; missed duties per node (metrics) ` +
        `${[...missedAfter].map(([id, m]) => `${id}: ${missedBefore.get(id)}→${m}`).join(", ")}; ${load()}`,
    );
    // Validator 5's attestations stop at the boundary; the others attest throughout.
    expect.soft(removedAfter.duties, `validator ${REMOVED}'s duties after the boundary`).toBeGreaterThanOrEqual(2);
    expect.soft(removedAfter.included, `validator ${REMOVED}'s attestations after the boundary`).toBe(0);
    expect.soft(others.duties, "the others' counted duties").toBeGreaterThanOrEqual(6);
    expect.soft(others.missing, "the others' duties not included").toEqual([]);
    expect.soft(missedAfter, "cohort_duties_missed_total per node").toEqual(missedBefore);
    // No restart: the same processes, started at the same kernel tick.
    const now = new Map(cluster.nodes.map((n) => [n.operatorId, n.running() ? processOf(n) : undefined]));
    expect.soft(now, "node processes (pid, start tick)").toEqual(before);
    expect(deaths).toEqual([]);
  }, 400_000);
});
