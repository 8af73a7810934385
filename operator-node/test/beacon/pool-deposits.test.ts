import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { cohortMiniPoolsAbi, cohortOracleAbi, cohortPoolAbi, depositContractAbi } from "@cohort/sdk";
import {
  type Account,
  type Address,
  createPublicClient,
  createWalletClient,
  decodeFunctionData,
  type Hex,
  http,
  parseEther,
  parseEventLogs,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../../scripts/devnet/cluster.js";
import type { NodeStatus } from "../../src/api/status.js";
import {
  attestationInclusion,
  canonicalSlots,
  clockSlot,
  committeesOf,
  countInclusion,
  epochOf,
  SLOTS_PER_EPOCH,
  untilSlot,
} from "./chain-blocks.js";

// A mini-pool funded on anvil becomes a validator of the real Lodestar 1.5.1 chain that follows anvil's deposit
// contract (scripts/devnet/cluster.ts): the devnet's six `cohort-node` processes run the DKG, the pool pre-deposits
// 1 ETH, the key is verified, the pool's 31 ETH follow, the beacon chain votes both deposits in, the validator
// activates and its committee's attestations are included, and the nodes' oracle report carries its balance and its
// withdrawals as the beacon chain has them.
//
// Two mini-pools, because the oracle's quorum is at least five serving operators (PoolConfig.oracleQuorum) and a
// committee is four: A over operators 1..4 (the one followed here) and B over 5, 6, 1, 2. Verification is by
// governance: it needs a quorum of serving operators outside the committee, at least five, and a six-operator devnet
// has two outside any committee; the contract's verifyByGovernance refuses whenever that quorum could exist. The test
// checks on the beacon chain what the nodes' vote would (the key with the pool's credentials) before governance
// verifies. Chain parameters: those of npm start (2 s slots, 8-slot epochs, eth1 follow distance 64 at 1 s blocks;
// Lodestar 1.5.1 takes no preset overrides, so eth1 voting periods stay 4 epochs).

const MNEMONIC = "test test test test test test test test test test test junk";
const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
/** anvil accounts 1..6 own operators 1..6 (chain.ts); 0 is governance. */
const owner = (operatorId: number) => account(operatorId);
const DEPOSITORS = [7, 8, 9];
const A = [1n, 2n, 3n, 4n] as const;
const B = [5n, 6n, 1n, 2n] as const;
/** MiniPoolState (PoolTypes.sol). */
const READY = 1;
const ACTIVE = 2;
const PENDING_VERIFICATION = 6;
const GWEI = 10n ** 9n;
const FAR_FUTURE = "18446744073709551615";

let cluster: Cluster;
let stopWatch: (() => void) | undefined;
const deaths: string[] = [];
const started = Date.now();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "cohort-pool-deposits-"));
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  cluster = await startCluster({
    dir,
    rpcPort: 0,
    beaconPort: 0,
    p2pBasePort: base,
    apiBasePort: base + 500,
    log: (line) => console.log(`[cluster] ${line}`),
  });
  stopWatch = cluster.watch((d) => deaths.push(`${d.name} ${d.cause}: ${d.lastLines.join(" | ")}`));
  await cluster.waitHealthy(120_000);
  console.log(`cluster up in ${s(Date.now() - started)}`);
}, 300_000);

afterAll(async () => {
  stopWatch?.();
  await cluster?.stop();
});

const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => `load ${loadavg()[0]!.toFixed(1)}`;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (deaths.length > 0) throw new Error(`while waiting for ${what}: ${deaths.join("; ")}`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${s(timeoutMs)} waiting for ${what}`);
    await sleep(everyMs);
  }
}

interface BeaconValidator {
  index: string;
  balance: string;
  status: string;
  validator: { withdrawal_credentials: string; activation_epoch: string; activation_eligibility_epoch: string };
}

async function beaconValidator(pubkey: Hex, state: string | number = "head"): Promise<BeaconValidator | undefined> {
  const res = await fetch(`${cluster.beacon.url}/eth/v1/beacon/states/${state}/validators?id=${pubkey}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`beacon validators ${pubkey} at ${state}: HTTP ${res.status}`);
  return ((await res.json()) as { data: BeaconValidator[] }).data[0];
}

async function status(apiUrl: string): Promise<NodeStatus | undefined> {
  const res = await fetch(`${apiUrl}/status`).catch(() => undefined);
  return res?.ok ? ((await res.json()) as NodeStatus) : undefined;
}

describe("pool deposits reach the beacon chain", () => {
  it("a pool-funded mini-pool becomes a validator, activates, attests, and the oracle reports its beacon balance", async () => {
    const d = cluster.deployment;
    const url = cluster.beacon.url;
    const client = createPublicClient({ transport: http(d.rpcUrl), pollingInterval: 100 });
    // biome-ignore lint/suspicious/noExplicitAny: each call names its ABI and function; viem checks them at run time
    const send = async (from: Account, request: any) => {
      const { request: prepared } = await client.simulateContract({ ...request, account: from });
      const hash = await createWalletClient({ account: from, transport: http(d.rpcUrl) }).writeContract(prepared);
      const receipt = await client.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
      return receipt;
    };
    const miniPool = (id: bigint) =>
      client.readContract({ address: d.miniPools, abi: cohortMiniPoolsAbi, functionName: "miniPool", args: [id] });
    const credentials = await client.readContract({
      address: d.miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "withdrawalCredentials",
    });
    /** The block time (ms) of the deposit-contract deposit of `amount` for `pubkey`. */
    const depositTime = async (pubkey: Hex, amountGwei: bigint) => {
      const logs = await client.getContractEvents({
        address: d.depositContract,
        abi: depositContractAbi,
        eventName: "DepositEvent",
        fromBlock: 0n,
      });
      const log = logs.find(
        (l) => l.args.pubkey === pubkey && Buffer.from(l.args.amount!.slice(2), "hex").readBigUInt64LE() === amountGwei,
      );
      expect(log, `a ${amountGwei} gwei deposit for ${pubkey}`).toBeDefined();
      return Number((await client.getBlock({ blockNumber: log!.blockNumber })).timestamp) * 1000;
    };
    const timeline: string[] = [];
    const mark = (line: string) => {
      timeline.push(line);
      console.log(`${s(Date.now() - started)}: ${line}`);
    };

    // Operators 2, 3, 4 and 6 (and 1, 2 for B) take mini-pool work; an initiator names only operators that opted in.
    for (const id of [1, 2, 3, 4, 6]) {
      await send(owner(id), {
        address: d.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "setAcceptsMiniPools",
        args: [BigInt(id), true],
      });
    }
    const stake28 = async () => {
      for (const [who, eth] of [
        [DEPOSITORS[0]!, "10"],
        [DEPOSITORS[1]!, "10"],
        [DEPOSITORS[2]!, "8"],
      ] as const) {
        await send(account(who), {
          address: d.pool,
          abi: cohortPoolAbi,
          functionName: "deposit",
          value: parseEther(eth),
        });
      }
    };
    await stake28();
    expect(await client.readContract({ address: d.pool, abi: cohortPoolAbi, functionName: "freeEth" })).toBe(
      parseEther("28"),
    );

    // Each initiator bonds 4 ETH; the four members' nodes see the event, run the DKG and confirm, and the fourth
    // confirmation pre-deposits 1 ETH of the bond.
    const create = async (operators: readonly bigint[]) => {
      const receipt = await send(owner(Number(operators[0])), {
        address: d.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "createMiniPool",
        args: [operators],
        value: parseEther("4"),
      });
      const [created] = parseEventLogs({ abi: cohortMiniPoolsAbi, logs: receipt.logs, eventName: "MiniPoolCreated" });
      return created!.args.id;
    };
    const t0 = Date.now();
    const idA = await create(A);
    const idB = await create(B);
    const [preA, preB] = await Promise.all(
      [idA, idB].map((id) =>
        until(
          `mini-pool ${id}'s DKG and pre-deposit`,
          async () => {
            const m = await miniPool(id);
            return m.state === PENDING_VERIFICATION ? m : undefined;
          },
          240_000,
        ),
      ),
    );
    const pubkeyA = preA!.validatorPubkey as Hex;
    const pubkeyB = preB!.validatorPubkey as Hex;
    mark(`DKG + pre-deposit ${s(Date.now() - t0)}`);

    // The 1 ETH pre-deposits reach the beacon chain: the keys exist there with the pool's credentials.
    const seenPre = await Promise.all(
      [pubkeyA, pubkeyB].map(async (pubkey) => {
        const sent = await depositTime(pubkey, GWEI);
        const v = await until(
          `the pre-deposit of ${pubkey.slice(0, 12)}… on the beacon chain`,
          () => beaconValidator(pubkey),
          480_000,
          2000,
        );
        return { v, after: Date.now() - sent };
      }),
    );
    for (const { v } of seenPre) {
      expect(v.validator.withdrawal_credentials).toBe(credentials);
      expect(BigInt(v.balance)).toBe(GWEI);
      expect(v.status).toBe("pending_initialized");
    }
    mark(`pre-deposit → seen ${seenPre.map((p) => s(p.after)).join(" / ")}`);

    // Verification: the outside quorum cannot exist here, so the contract lets governance verify (it refuses while
    // the quorum is reachable). Governance has checked what the nodes would: the key, with the pool's credentials.
    for (const id of [idA, idB]) {
      const quorum = await client.readContract({
        address: d.oracle,
        abi: cohortOracleAbi,
        functionName: "verificationQuorum",
        args: [id],
      });
      const serving = await client.readContract({
        address: d.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "servingOperators",
      });
      console.log(`mini-pool ${id}: outside verifiers ≤ ${serving} serving operators, verification quorum ${quorum}`);
      expect(quorum).toBeGreaterThanOrEqual(5n);
      await send(account(0), {
        address: d.oracle,
        abi: cohortOracleAbi,
        functionName: "verifyByGovernance",
        args: [id],
      });
      expect((await miniPool(id)).state).toBe(READY);
    }

    // The pool's 31 ETH: A with the first 28 ETH of stake, B with 28 more.
    await send(account(DEPOSITORS[0]!), { address: d.miniPools, abi: cohortMiniPoolsAbi, functionName: "fundNext" });
    await stake28();
    await send(account(DEPOSITORS[1]!), { address: d.miniPools, abi: cohortMiniPoolsAbi, functionName: "fundNext" });
    expect((await miniPool(idA)).state).toBe(ACTIVE);
    expect((await miniPool(idB)).state).toBe(ACTIVE);
    const toppedUp = await depositTime(pubkeyA, 31n * GWEI);

    const full = await until(
      "A's 31 ETH top-up on the beacon chain",
      async () => {
        const v = await beaconValidator(pubkeyA);
        return v && BigInt(v.balance) >= 32n * GWEI ? v : undefined;
      },
      480_000,
      2000,
    );
    const indexA = Number(full.index);
    mark(`top-up → seen ${s(Date.now() - toppedUp)} (index ${indexA})`);

    // Activation needs eligibility (the next epoch's processing) and its finalization, then the seed lookahead.
    const queued = await until(
      "A's activation epoch",
      async () => {
        const v = await beaconValidator(pubkeyA);
        return v && v.validator.activation_epoch !== FAR_FUTURE ? v : undefined;
      },
      300_000,
      2000,
    );
    const activationEpoch = Number(queued.validator.activation_epoch);
    // The chain's committees of A's first three active epochs, read while each is current.
    const committees = committeesFrom(url, activationEpoch, 3);
    committees.catch(() => {}); // awaited below, where a failure fails the test

    await until(
      "A active",
      async () => ((await beaconValidator(pubkeyA))?.status === "active_ongoing" ? true : undefined),
      (activationEpoch - epochOf(await clockSlot(url)) + 2) * SLOTS_PER_EPOCH * 2000 + 60_000,
    );
    mark(`top-up → active ${s(Date.now() - toppedUp)} (epoch ${activationEpoch})`);

    // Served by its committee, with its index resolved by each member without a restart: members submit its
    // attestations (their /status lists the index), and nobody else serves it.
    for (const node of cluster.nodes) {
      const member = A.includes(BigInt(node.operatorId) as (typeof A)[number]);
      const st = await until(
        `operator ${node.operatorId}'s status`,
        async () => {
          const x = await status(node.apiUrl);
          if (!x) return undefined;
          if (!member) return x;
          return x.recentDuties.some((r) => r.submittedIndices.includes(indexA)) ? x : undefined;
        },
        6 * SLOTS_PER_EPOCH * 2000,
      );
      expect(st.validators.includes(pubkeyA), `operator ${node.operatorId} serves A`).toBe(member);
      if (member) {
        // Resolved by the running process when the beacon chain first showed the key (its pre-deposit).
        const found = (await readFile(node.logFile, "utf8"))
          .split("\n")
          .filter((l) => l.includes("validators found on the beacon chain"))
          .map((l) => JSON.parse(l) as { indices: number[] })
          .find((l) => l.indices.includes(indexA));
        expect(found, `operator ${node.operatorId} logged A's index`).toBeDefined();
      }
    }

    // Its attestations in the chain's blocks, over its first three active epochs.
    const from = activationEpoch * SLOTS_PER_EPOCH;
    const to = from + 3 * SLOTS_PER_EPOCH;
    await untilSlot(url, to + SLOTS_PER_EPOCH);
    const inclusion = countInclusion(
      await attestationInclusion(url, await committees, new Set([indexA]), from, to, to + SLOTS_PER_EPOCH),
      await canonicalSlots(url, from, to),
    );
    console.log(
      `A (index ${indexA}) attestations included ${inclusion.included}/${inclusion.duties} over epochs ` +
        `${activationEpoch}..${activationEpoch + 2} (not included: ${inclusion.missing.join(" ") || "none"}); ${load()}`,
    );
    expect(inclusion.duties).toBeGreaterThanOrEqual(2);
    expect(inclusion.included / inclusion.duties).toBeGreaterThanOrEqual(2 / 3);

    // The oracle: the next report accepted for an epoch by which A has earned rewards (attestations of its activation
    // epoch are rewarded at the end of the next one, then swept) carries A's balance at that epoch's first slot and
    // the withdrawals to the pool since the previous accepted report, as the beacon chain has them (the devnet
    // credits those withdrawals on anvil, so the pool has received them).
    const accepted = await until(
      "an accepted oracle report after A's activation",
      async () => {
        const logs = await client.getContractEvents({
          address: d.oracle,
          abi: cohortOracleAbi,
          eventName: "ReportAccepted",
          fromBlock: 0n,
        });
        const sorted = logs.sort((a, b) => Number(a.args.epoch! - b.args.epoch!));
        const i = sorted.findIndex((l) => Number(l.args.epoch) >= activationEpoch + 3);
        return i < 0 ? undefined : { log: sorted[i]!, previous: i > 0 ? Number(sorted[i - 1]!.args.epoch) : 0 };
      },
      180_000,
      2000,
    );
    const epoch = Number(accepted.log.args.epoch);
    const votes = await client.getContractEvents({
      address: d.oracle,
      abi: cohortOracleAbi,
      eventName: "ReportSubmitted",
      args: { epoch: BigInt(epoch) },
      fromBlock: 0n,
    });
    // The accepted report is the one with the quorum of identical votes (a node that built its report before the
    // previous one was accepted may have voted for another).
    const byHash = new Map<Hex, typeof votes>();
    for (const v of votes) byHash.set(v.args.reportHash!, [...(byHash.get(v.args.reportHash!) ?? []), v]);
    const quorumVotes = [...byHash.values()].sort((a, b) => b.length - a.length)[0]!;
    expect(quorumVotes.length).toBeGreaterThanOrEqual(5);
    const tx = await client.getTransaction({ hash: quorumVotes[0]!.transactionHash });
    const { args } = decodeFunctionData({ abi: cohortOracleAbi, data: tx.input });
    const report = args![0] as {
      miniPoolIds: readonly bigint[];
      balancesGwei: readonly bigint[];
      withdrawnGwei: readonly bigint[];
    };
    const at = report.miniPoolIds.indexOf(idA);
    expect(at, "A is in the report").toBeGreaterThanOrEqual(0);
    const slot = epoch * SLOTS_PER_EPOCH;
    const onChain = await beaconValidator(pubkeyA, slot);
    expect(onChain?.index).toBe(String(indexA));
    expect(report.balancesGwei[at]).toBe(BigInt(onChain!.balance));
    const withdrawn = await withdrawalsOf(url, indexA, credentials as Hex, accepted.previous * SLOTS_PER_EPOCH, slot);
    if (report.withdrawnGwei[at] !== withdrawn) {
      // Diagnostics: every withdrawal of the last five epochs, and all votes of the epoch.
      const all: string[] = [];
      for (let x = slot - 5 * SLOTS_PER_EPOCH; x <= slot; x++) {
        const res = await fetch(`${url}/eth/v2/beacon/blocks/${x}`);
        if (!res.ok) {
          all.push(`${x}:${res.status}`);
          continue;
        }
        const b = (await res.json()) as {
          data: { message: { slot: string; body: { execution_payload: { withdrawals: unknown[] } } } };
        };
        all.push(`${x}/${b.data.message.slot}:${JSON.stringify(b.data.message.body.execution_payload.withdrawals)}`);
      }
      console.log(`withdrawals by slot: ${all.join(" ")}`);
      for (const v of votes) {
        const t = await client.getTransaction({ hash: v.transactionHash });
        console.log(
          `vote of ${v.args.operatorId} (${v.args.reportHash}):`,
          JSON.stringify(decodeFunctionData({ abi: cohortOracleAbi, data: t.input }).args, (_k, x) =>
            typeof x === "bigint" ? String(x) : x,
          ),
        );
      }
      const accepts = await client.getContractEvents({
        address: d.oracle,
        abi: cohortOracleAbi,
        eventName: "ReportAccepted",
        fromBlock: 0n,
      });
      console.log(`accepted: ${accepts.map((a) => `${a.args.epoch}@${a.blockNumber}`).join(" ")}`);
    }
    expect(
      report.withdrawnGwei[at],
      `withdrawn in the blocks of slots (${accepted.previous * SLOTS_PER_EPOCH}, ${slot}]`,
    ).toBe(withdrawn);
    // Rewards were earned and swept to the pool: the pool received them on anvil.
    expect(withdrawn).toBeGreaterThan(0n);
    expect(cluster.withdrawals.credited().get(d.pool.toLowerCase()) ?? 0n).toBeGreaterThanOrEqual(withdrawn * GWEI);
    expect(await client.readContract({ address: d.oracle, abi: cohortOracleAbi, functionName: "lossPending" })).toBe(
      false,
    );
    console.log(
      `oracle report for epoch ${epoch} accepted (${quorumVotes.length} of ${votes.length} votes): A balance ${onChain!.balance} gwei at slot ` +
        `${slot}, withdrawn since epoch ${accepted.previous} ${withdrawn} gwei; total ${accepted.log.args.totalBalance} wei`,
    );
    console.log(`timings: ${timeline.join("; ")}; test ${s(Date.now() - started)}; ${load()}`);
    expect(deaths).toEqual([]);
  }, 2_400_000);
});

/** Gwei withdrawn from validator `index` to the 0x01 credentials' address in the canonical blocks of (from, to]. */
/**
 * Committees of `count` epochs from `first`, each read while it is current (Lodestar answers only around its head);
 * a head still in the previous epoch (a late block on a loaded machine) is waited for, up to two epochs.
 */
async function committeesFrom(beaconUrl: string, first: number, count: number): Promise<Map<string, number[]>> {
  const all = new Map<string, number[]>();
  for (let e = first; e < first + count; e++) {
    await untilSlot(beaconUrl, e * SLOTS_PER_EPOCH);
    const deadline = Date.now() + 2 * SLOTS_PER_EPOCH * 2000;
    for (;;) {
      try {
        for (const [k, v] of await committeesOf(beaconUrl, e)) all.set(k, v);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`no committees of epoch ${e}: ${(error as Error).message}`);
        await sleep(1000);
      }
    }
  }
  return all;
}

async function withdrawalsOf(beaconUrl: string, index: number, credentials: Hex, from: number, to: number) {
  const address = `0x${credentials.slice(-40)}`.toLowerCase() as Address;
  let sum = 0n;
  for (let slot = from + 1; slot <= to; slot++) {
    const res = await fetch(`${beaconUrl}/eth/v2/beacon/blocks/${slot}`);
    if (res.status === 404) continue;
    const body = (await res.json()) as {
      data: {
        message: {
          slot: string;
          body: { execution_payload: { withdrawals: { validator_index: string; address: string; amount: string }[] } };
        };
      };
    };
    if (Number(body.data.message.slot) !== slot) continue;
    for (const w of body.data.message.body.execution_payload.withdrawals) {
      if (Number(w.validator_index) === index && w.address.toLowerCase() === address) sum += BigInt(w.amount);
    }
  }
  return sum;
}
