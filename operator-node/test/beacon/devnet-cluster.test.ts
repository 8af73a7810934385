import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cohortMiniPoolsAbi, cohortOracleAbi, cohortPoolAbi, depositContractAbi, verify } from "@cohort/sdk";
import { depositSigningRoot } from "@cohort/sdk/deposit/deposit";
import {
  type Account,
  createPublicClient,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  parseEther,
  parseEventLogs,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../../scripts/devnet/cluster.js";
import type { NodeStatus } from "../../src/api/status.js";

// What `npm start` runs, as processes: anvil + contracts, a real Lodestar dev chain (validators 0..3 inside
// Lodestar), genesis validators 4..7 registered through the split path to operators 1..4, and four
// `cohort-node start` processes that learn their committee, shares and peers from the registry alone.
// Lodestar's own validators are half the stake, so the chain finalizes only if our distributed validators attest.

const MNEMONIC = "test test test test test test test test test test test junk";
let cluster: Cluster;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cohort-cluster-"));
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  cluster = await startCluster({ dir, rpcPort: 0, beaconPort: 0, p2pBasePort: base, apiBasePort: base + 500 });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

async function status(apiUrl: string): Promise<NodeStatus | undefined> {
  try {
    const res = await fetch(`${apiUrl}/status`);
    return res.ok ? ((await res.json()) as NodeStatus) : undefined;
  } catch {
    return undefined;
  }
}

async function finalizedEpoch(): Promise<number> {
  const res = await fetch(`${cluster.beacon.url}/eth/v1/beacon/states/head/finality_checkpoints`);
  const body = (await res.json()) as { data: { finalized: { epoch: string } } };
  return Number(body.data.finalized.epoch);
}

async function headSlot(): Promise<number> {
  const res = await fetch(`${cluster.beacon.url}/eth/v1/beacon/headers/head`);
  return Number(((await res.json()) as { data: { header: { message: { slot: string } } } }).data.header.message.slot);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Validator indices whose attestations a node reports submitted at slots ≥ `from`. */
async function submittedSince(apiUrl: string, from: number): Promise<Set<number>> {
  const s = await status(apiUrl);
  return new Set((s?.recentDuties ?? []).filter((d) => d.slot >= from).flatMap((d) => d.submittedIndices));
}

describe("the devnet cluster (npm start's system)", () => {
  it("nodes learn their committee and the four validators from the registry, attest, and the chain finalizes", async () => {
    const deployment = JSON.parse(await readFile(join(dir, "deployment.json"), "utf8"));
    expect(Object.keys(deployment.nodeApis)).toEqual(["1", "2", "3", "4"]);
    const expected = [...cluster.validatorPublicKeys].sort();
    for (const node of cluster.nodes) {
      const s = await until(`node ${node.operatorId}'s status`, () => status(node.apiUrl), 60_000);
      expect([...s.validators].sort()).toEqual(expected);
    }
    const start = await headSlot();
    await until(
      "attestations of validators 4..7 submitted",
      async () => {
        const seen = new Set<number>();
        for (const n of cluster.nodes) for (const i of await submittedSince(n.apiUrl, start)) seen.add(i);
        return [4, 5, 6, 7].every((i) => seen.has(i)) ? true : undefined;
      },
      90_000,
    );
    // Finality needs > 2/3 of the stake: Lodestar's four validators alone are half of it.
    const finalized = await until(
      "finality with the distributed validators",
      async () => {
        const e = await finalizedEpoch();
        return e >= 2 ? e : undefined;
      },
      150_000,
    );
    expect(finalized).toBeGreaterThanOrEqual(2);
  }, 400_000);

  it("mini-pool: deposits of 28 ETH in pieces, an initiator's 4 ETH, the four nodes' DKG, 32 ETH into the deposit contract, and oracle reports", async () => {
    const d = cluster.deployment;
    const client = createPublicClient({ transport: http(d.rpcUrl), pollingInterval: 100 });
    // biome-ignore lint/suspicious/noExplicitAny: each call names its ABI and function; viem checks them at run time
    const send = async (account: Account, request: any) => {
      const { request: prepared } = await client.simulateContract({ ...request, account });
      const hash = await createWalletClient({ account, transport: http(d.rpcUrl) }).writeContract(prepared);
      const receipt = await client.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
      return receipt;
    };
    const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
    const rate = () => client.readContract({ address: d.pool, abi: cohortPoolAbi, functionName: "exchangeRate" });

    // 28 ETH from three depositors, in pieces of at least 0.1 ETH.
    const pieces: [number, string][] = [
      [5, "10"],
      [6, "9.9"],
      [7, "0.1"],
      [5, "4"],
      [6, "3.9"],
      [7, "0.1"],
    ];
    for (const [who, eth] of pieces) {
      await send(account(who), {
        address: d.pool,
        abi: cohortPoolAbi,
        functionName: "deposit",
        value: parseEther(eth),
      });
    }
    expect(await client.readContract({ address: d.pool, abi: cohortPoolAbi, functionName: "freeEth" })).toBe(
      parseEther("28"),
    );

    // Operator 1's owner (account 1) initiates with 4 ETH and operators 2..4.
    const created = await send(account(1), {
      address: d.miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "createMiniPool",
      args: [[1n, 2n, 3n, 4n]],
      value: parseEther("4"),
    });
    const [event] = parseEventLogs({ abi: cohortMiniPoolsAbi, logs: created.logs, eventName: "MiniPoolCreated" });
    const id = event!.args.id;
    const miniPool = () =>
      client.readContract({ address: d.miniPools, abi: cohortMiniPoolsAbi, functionName: "miniPool", args: [id] });

    // The nodes see the event, run the DKG among themselves and each confirm from its identity address.
    const ready = await until(
      "the DKG confirmed by all four nodes",
      async () => {
        const m = await miniPool();
        return m.state === 1 ? m : undefined; // Ready
      },
      180_000,
    );
    const confirmations = await client.getContractEvents({
      address: d.miniPools,
      abi: cohortMiniPoolsAbi,
      eventName: "DkgConfirmed",
      args: { id },
      fromBlock: 0n,
    });
    expect(confirmations.map((c) => c.args.operatorId).sort()).toEqual([1n, 2n, 3n, 4n]);

    // Anyone funds it: 32 ETH into the official deposit contract, signed for the key nobody holds.
    const before = await client.getBalance({ address: d.depositContract });
    const funded = await send(account(8), { address: d.miniPools, abi: cohortMiniPoolsAbi, functionName: "fundNext" });
    expect((await client.getBalance({ address: d.depositContract })) - before).toBe(parseEther("32"));
    const [deposit] = parseEventLogs({ abi: depositContractAbi, logs: funded.logs, eventName: "DepositEvent" });
    const pubkey = hexToBytes(deposit!.args.pubkey);
    expect(deposit!.args.pubkey).toBe(ready.validatorPubkey);
    const message = {
      publicKey: pubkey,
      withdrawalCredentials: hexToBytes(deposit!.args.withdrawal_credentials),
      amountGwei: 32_000_000_000n,
    };
    const spec = (await (await fetch(`${cluster.beacon.url}/eth/v1/config/spec`)).json()) as {
      data: Record<string, string>;
    };
    const forkVersion = hexToBytes(spec.data.GENESIS_FORK_VERSION as Hex);
    expect(await verify(pubkey, depositSigningRoot(message, forkVersion), hexToBytes(deposit!.args.signature))).toBe(
      true,
    );
    // Credentials point at the pool system itself.
    expect(deposit!.args.withdrawal_credentials).toBe(
      await client.readContract({
        address: d.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "withdrawalCredentials",
      }),
    );

    // Each node now serves the new validator like any other.
    for (const node of cluster.nodes) {
      await until(
        `node ${node.operatorId} serving the DKG validator`,
        async () => ((await status(node.apiUrl))?.validators.includes(ready.validatorPubkey) ? true : undefined),
        60_000,
      );
    }

    // The nodes' own oracle reports reach quorum. This beacon chain never sees the deposit (the EVM chain and the
    // beacon chain are not linked here), so they report the validator at its 32 ETH deposit: the rate holds.
    const oracle = await client.readContract({ address: d.miniPools, abi: cohortMiniPoolsAbi, functionName: "oracle" });
    const rateBefore = await rate();
    const accepted = await until(
      "a quorum of the nodes' oracle reports",
      async () => {
        const logs = await client.getContractEvents({
          address: oracle,
          abi: cohortOracleAbi,
          eventName: "ReportAccepted",
          fromBlock: 0n,
        });
        return logs[0];
      },
      120_000,
    );
    expect(accepted.args.totalBalance).toBe(parseEther("32"));
    expect(await rate()).toBe(rateBefore);

    // Rewards, as a linked beacon chain would show them: three members report 32.32 ETH for a later epoch from their
    // identity addresses (a stand-in for the balance the beacon chain cannot give here). The rate moves up.
    const epoch =
      (await client.readContract({ address: oracle, abi: cohortOracleAbi, functionName: "lastEpoch" })) + 1000n;
    for (const op of d.operators.slice(0, 3)) {
      const keys = JSON.parse(await readFile(op.keyFile, "utf8")) as { identitySecretKey: Hex };
      await send(privateKeyToAccount(keys.identitySecretKey), {
        address: oracle,
        abi: cohortOracleAbi,
        functionName: "submitReport",
        args: [epoch, parseEther("32.32"), [1n, 2n, 3n, 4n], [10_000, 10_000, 10_000, 10_000]],
      });
    }
    expect(await rate()).toBeGreaterThan(rateBefore);
  }, 600_000);

  it("with one node killed (SIGKILL), the other three still get every validator's attestation included", async () => {
    const victim = cluster.nodes[3]!;
    await victim.kill();
    const from = (await headSlot()) + 2;
    const before = await finalizedEpoch();
    await until(
      "attestations of validators 4..7 from the three remaining nodes",
      async () => {
        const seen = new Set<number>();
        for (const n of cluster.nodes.slice(0, 3)) for (const i of await submittedSince(n.apiUrl, from)) seen.add(i);
        return [4, 5, 6, 7].every((i) => seen.has(i)) ? true : undefined;
      },
      60_000,
    );
    // And they count: finality keeps advancing without the fourth node.
    await until(
      "finality to advance with one node down",
      async () => ((await finalizedEpoch()) > before ? true : undefined),
      150_000,
    );
    expect(await status(victim.apiUrl)).toBeUndefined();
  }, 300_000);
});
