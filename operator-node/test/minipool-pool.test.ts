/**
 * The node's pool duties against the real contracts on a real anvil, with a real HTTP server standing in for the
 * beacon node's answer to the one query the credential check makes (GET states/head/validators?id=…): not a beacon
 * node, just what one answers for the keys it knows.
 *   - Before its verification vote, a node checks that the pre-deposited key is on the beacon chain with the pool's
 *     withdrawal credentials; a key a front-runner deposited first (other credentials) gets no vote, nor does one
 *     the chain does not show yet (until it does).
 *   - A member of a mini-pool whose exit was requested on-chain hands its key to the node's voluntary-exit duty, once,
 *     again after a failure, again after a restart (the request predates the checkpoint), and no more once Exited.
 *   - A funded validator whose 31 ETH top-up still waits in the beacon chain's pending deposits is reported at 32 ETH,
 *     not at the 1 ETH its balance shows (which the contract would book as 31 ETH lost); so is one whose top-up is
 *     not in the beacon state at all yet (before Electra: eth1 data voting), until a block carries it.
 * The same server answers the report's queries at a slot (states/{slot}/validators, states/{slot}/pending_deposits)
 * and serves a chain of blocks by root from its head: genesis, the bodies a test put at some slots, and an empty head
 * at slot 1,000,000 (the other slots are empty). A lookup by slot always answers 404, as Lodestar does for a block it
 * is moving into its archive: the report must walk the chain by parent roots.
 */

import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cohortMiniPoolsAbi,
  cohortOracleAbi,
  cohortPoolAbi,
  cohortRegistryAbi,
  generateEncryptionKeyPair,
  signIdentityProof,
} from "@cohort/sdk";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  type Abi,
  type Account,
  type Address,
  bytesToHex,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Anvil, startAnvil } from "../../contracts/deploy/anvil.js";
import { type Deployment, deployCohort } from "../../contracts/deploy/deploy.js";
import type { BeaconChain } from "../src/duties/beacon.js";
import type { LogFields, Logger } from "../src/log.js";
import { type MiniPoolExit, MiniPoolService } from "../src/pool/minipools.js";
import { OracleReporter } from "../src/pool/oracle.js";
import { openDatabase } from "../src/store/database.js";
import { MiniPoolStore } from "../src/store/minipools.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;
const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
const governance = account(0);
const staker = account(12);

let anvil: Anvil;
let deployment: Deployment;
let client: PublicClient;
let testClient: ReturnType<typeof createTestClient>;
interface Op {
  id: bigint;
  owner: Account;
  identity: Account;
  identitySecret: Uint8Array;
}
const ops: Op[] = [];

/** The beacon node's view: withdrawal credentials and balance (gwei) by lower-case 0x pubkey; deposits not applied. */
const beaconKeys = new Map<string, Hex>();
const beaconBalances = new Map<string, bigint>();
const pendingDeposits: { pubkey: Hex; amount: bigint }[] = [];
/** activation_eligibility_epoch by lower-case 0x pubkey; unset means far future (not eligible). */
const beaconEligibility = new Map<string, string>();
/** Block bodies by slot; the others are empty slots. */
const blockBodies = new Map<number, unknown>();
/** Slots whose state the stand-in does not have (404). */
const missingStates = new Set<number>();
const HEAD_SLOT = 1_000_000;
const rootOf = (slot: number) => `0x${slot.toString(16).padStart(64, "0")}`;
/** The stand-in chain: genesis, the slots with a body, the head. */
function blockAt(id: string): { slot: string; parent_root: string; body: unknown } | undefined {
  const slots = [0, ...[...blockBodies.keys()].sort((a, b) => a - b), HEAD_SLOT];
  const slot = id === "head" ? HEAD_SLOT : /^0x[0-9a-f]{64}$/.test(id) ? Number.parseInt(id.slice(2), 16) : undefined;
  if (slot === undefined || !slots.includes(slot)) return undefined;
  const parent = slots.filter((x) => x < slot).at(-1) ?? 0;
  return { slot: String(slot), parent_root: rootOf(parent), body: blockBodies.get(slot) ?? {} };
}
const json = (res: import("node:http").ServerResponse, body: unknown) =>
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: body }));
const server = createServer((req, res) => {
  const url = new URL(req.url!, "http://x");
  const validators = /^\/eth\/v1\/beacon\/states\/([^/]+)\/validators$/.exec(url.pathname);
  if (validators && missingStates.has(Number(validators[1]))) {
    res.writeHead(404).end();
    return;
  }
  if (validators) {
    // As Lodestar 1.5.1: one key per `id` parameter; "id=a,b" is a single id no validator has.
    const ids = url.searchParams.getAll("id");
    const known = ids.filter((id) => beaconKeys.has(id.toLowerCase()));
    json(
      res,
      known.map((id, i) => ({
        index: String(100 + i),
        balance: String(beaconBalances.get(id.toLowerCase()) ?? GWEI),
        status: "pending_queued",
        validator: {
          pubkey: id,
          withdrawal_credentials: beaconKeys.get(id.toLowerCase()),
          activation_eligibility_epoch: beaconEligibility.get(id.toLowerCase()) ?? "18446744073709551615",
        },
      })),
    );
    return;
  }
  if (/^\/eth\/v1\/beacon\/states\/\d+\/pending_deposits$/.test(url.pathname)) {
    json(
      res,
      pendingDeposits.map((d) => ({
        pubkey: d.pubkey,
        amount: String(d.amount),
        withdrawal_credentials: "0x",
        slot: "1",
      })),
    );
    return;
  }
  const block = /^\/eth\/v2\/beacon\/blocks\/(\w+)$/.exec(url.pathname);
  const found = block && blockAt(block[1]!);
  if (found) return json(res, { message: found });
  res.writeHead(404).end();
});
let beaconUrl: string;

async function send(
  from: Account,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
  value?: bigint,
) {
  const wallet = createWalletClient({ account: from, transport: http(anvil.rpcUrl) });
  // biome-ignore lint/suspicious/noExplicitAny: checked by viem against the ABI at run time
  const hash = await wallet.writeContract({ address, abi, functionName, args, value, chain: null } as any);
  const receipt = await client.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}
// biome-ignore lint/suspicious/noExplicitAny: results are typed by the caller
const read = <T = any>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
  client.readContract({ address, abi, functionName, args }) as Promise<T>;
const miniPools = (from: Account, fn: string, args: readonly unknown[], value?: bigint) =>
  send(from, deployment.miniPools, cohortMiniPoolsAbi as Abi, fn, args, value);
const readMiniPools = <T>(fn: string, args: readonly unknown[] = []) =>
  read<T>(deployment.miniPools, cohortMiniPoolsAbi as Abi, fn, args);
const readOracle = <T>(fn: string, args: readonly unknown[] = []) =>
  read<T>(deployment.oracle, cohortOracleAbi as Abi, fn, args);

/**
 * A mini-pool of `committee` past its DKG: all four confirm a key, so the contract pre-deposits 1 ETH of the bond
 * for it to the pool's credentials. The key is random bytes: the contracts check its length and the deposit root,
 * not the point (the beacon chain would).
 */
async function preDeposited(committee: Op[]): Promise<{ id: bigint; pubkey: Hex }> {
  const id = await readMiniPools<bigint>("miniPoolCount");
  await miniPools(committee[0]!.owner, "createMiniPool", [committee.map((o) => o.id)], 4n * ETHER);
  const pubkey = bytesToHex(crypto.getRandomValues(new Uint8Array(48)));
  const signature = bytesToHex(crypto.getRandomValues(new Uint8Array(96)));
  const root = await readMiniPools<Hex>("depositDataRoot", [pubkey, signature]);
  for (const m of committee) await miniPools(m.identity, "confirmDkg", [id, pubkey, signature, root]);
  expect((await readMiniPools<{ state: number }>("miniPool", [id])).state).toBe(6); // PendingVerification
  return { id, pubkey };
}

/** Verified by governance (no outside quorum exists yet) and topped up with 28 ETH of stake. */
async function fund(id: bigint) {
  await send(governance, deployment.oracle, cohortOracleAbi as Abi, "verifyByGovernance", [id]);
  await send(staker, deployment.pool, cohortPoolAbi as Abi, "deposit", [], 28n * ETHER);
  await miniPools(staker, "fundNext", []);
  expect((await readMiniPools<{ state: number }>("miniPool", [id])).state).toBe(2); // Active
}

function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const log: Logger = {
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
    error: (message, fields) => lines.push({ level: "error", message, fields }),
  };
  return { log, lines };
}

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  beaconUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  anvil = await startAnvil({ port: 0 });
  client = createPublicClient({ transport: http(anvil.rpcUrl) });
  testClient = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
  deployment = await deployCohort({ rpcUrl: anvil.rpcUrl, account: governance });
  await testClient.setBalance({ address: staker.address, value: 1_000n * ETHER });
  for (let i = 0; i < 8; i++) {
    const owner = account(1 + i);
    const identitySecret = secp256k1.utils.randomSecretKey();
    const identity = privateKeyToAccount(bytesToHex(identitySecret));
    const context = { chainId: BigInt(deployment.chainId), registry: deployment.registry, owner: owner.address };
    await send(owner, deployment.registry, cohortRegistryAbi as Abi, "registerOperator", [
      bytesToHex(secp256k1.getPublicKey(identitySecret, true)),
      bytesToHex((await generateEncryptionKeyPair()).publicKey),
      `pool operator ${i + 1}`,
      10n,
      [],
      bytesToHex(signIdentityProof(identitySecret, context)),
    ]);
    const id = BigInt(i + 1);
    await miniPools(owner, "setAcceptsMiniPools", [id, true]);
    // Nodes pay gas from their identity address.
    await testClient.setBalance({ address: identity.address, value: 10n * ETHER });
    ops.push({ id, owner, identity, identitySecret });
  }
}, 120_000);

afterAll(async () => {
  await anvil?.stop();
  await new Promise<void>((r) => server.close(() => r()));
});

let committeeA: { id: bigint; pubkey: Hex };

describe("verification vote: the pre-deposited key must carry the pool's credentials on the beacon chain", () => {
  it("votes for a key with the pool's credentials, refuses one with other credentials, waits for an unknown one", async () => {
    // Operator 1 serves a funded mini-pool (so it may vote) and is not on the committee of the keys it checks.
    committeeA = await preDeposited(ops.slice(0, 4));
    await fund(committeeA.id);
    const honest = await preDeposited(ops.slice(4, 8));
    const frontRun = await preDeposited(ops.slice(4, 8));
    const late = await preDeposited(ops.slice(4, 8));
    const poolCredentials = await read<Hex>(deployment.pool, cohortPoolAbi as Abi, "withdrawalCredentials");
    // The front-runner's own deposit came first, so the beacon chain fixed its 0x01 address for that key.
    const attacker = ops[4]!.owner.address.slice(2).toLowerCase();
    const foreign = `0x01${"00".repeat(11)}${attacker}` as Hex;
    beaconKeys.set(honest.pubkey, poolCredentials);
    beaconKeys.set(frontRun.pubkey, foreign);

    const { log, lines } = recordingLogger();
    const reporter = new OracleReporter({
      client,
      rpcUrl: anvil.rpcUrl,
      miniPools: deployment.miniPools,
      operatorId: ops[0]!.id,
      account: ops[0]!.identity,
      // Genesis now: the first report is not due yet, so the tick only verifies.
      beacon: { url: beaconUrl, genesisTime: Math.floor(Date.now() / 1000), secondsPerSlot: 12 } as BeaconChain,
      periodEpochs: 225,
      log,
    });
    expect(await reporter.tick()).toBeUndefined();
    const voted = (id: bigint) => readOracle<boolean>("hasVerified", [id, ops[0]!.id]);
    expect(await voted(honest.id)).toBe(true);
    expect(await readOracle<bigint>("verificationVotes", [honest.id])).toBe(1n);
    expect(await voted(frontRun.id)).toBe(false);
    expect(await voted(late.id)).toBe(false);
    const refusal = lines.find((l) => l.level === "warn" && l.fields?.miniPool === frontRun.id);
    expect(refusal?.fields?.seen).toBe(foreign);

    // The late key's pre-deposit is processed: the next poll votes for it, and still not for the front-run one.
    beaconKeys.set(late.pubkey, poolCredentials);
    await reporter.tick();
    expect(await voted(late.id)).toBe(true);
    expect(await voted(frontRun.id)).toBe(false);
    expect(await readOracle<bigint>("verificationVotes", [frontRun.id])).toBe(0n);
  });
});

describe("exit of a mini-pool validator requested on-chain", () => {
  const dbFile = join(mkdtempSync(join(tmpdir(), "cohort-minipool-exit-")), "node.db");
  const service = (log: Logger) => {
    const op = ops[0]!;
    return new MiniPoolService(new MiniPoolStore(openDatabase(dbFile)), {
      client,
      rpcUrl: anvil.rpcUrl,
      miniPools: deployment.miniPools,
      chainId: BigInt(deployment.chainId),
      operatorId: op.id,
      account: op.identity,
      identitySecret: op.identitySecret,
      encryptionSecret: new Uint8Array(32),
      encryptionPublicKey: new Uint8Array(32),
      confirmations: 0,
      deployBlock: deployment.blockNumber,
      // No ceremony runs here: the mini-pool is past its DKG by the time the service reads its events.
      identityKeyOf: () => undefined,
      dkgChannel: () => {
        throw new Error("no DKG in this test");
      },
      forkVersion: new Uint8Array(4),
      deadlineMs: 1_000,
      log,
    });
  };
  /** Calls of the node's exit duty; the answers to give, in order (true = submitted). */
  const exits: Hex[] = [];
  let answers: boolean[] = [];
  const exitDuty = async (publicKey: Uint8Array) => {
    exits.push(bytesToHex(publicKey));
    if (!(answers.shift() ?? true)) throw new Error("beacon node refused the exit");
  };
  const settle = () => new Promise((r) => setImmediate(r));
  const servesAll = (_: MiniPoolExit) => true;

  it("hands the key to the exit duty once, again after a failure or a restart, and never after Exited", async () => {
    const { log, lines } = recordingLogger();
    const first = service(log);
    await first.poll();
    expect(first.exitsDue()).toEqual([]);

    await miniPools(ops[0]!.owner, "requestExit", [committeeA.id]);
    // A change the node acts on (it re-plans and hands exits over), though no served key changed.
    expect(await first.poll()).toBe(true);
    expect(await first.poll()).toBe(false);
    const due = first.exitsDue();
    expect(due.map((e) => [e.miniPoolId, bytesToHex(e.publicKey), e.operatorIds])).toEqual([
      [committeeA.id, committeeA.pubkey, ops.slice(0, 4).map((o) => o.id)],
    ]);
    // Not run by this node right now (e.g. its committee is not planned): nothing is handed.
    first.requestExits(exitDuty, () => false);
    expect(exits).toEqual([]);
    // The first attempt fails and is handed again; a success is not.
    answers = [false, true];
    first.requestExits(exitDuty, servesAll);
    await settle();
    first.requestExits(exitDuty, servesAll);
    await settle();
    first.requestExits(exitDuty, servesAll);
    await settle();
    expect(exits).toEqual([committeeA.pubkey, committeeA.pubkey]);
    expect(lines.filter((l) => l.message.startsWith("mini-pool voluntary exit")).map((l) => l.level)).toEqual([
      "warn",
      "info",
    ]);

    // A restart: the request is older than the checkpoint, so only the start-up read of the contract finds it.
    exits.length = 0;
    const restarted = service(recordingLogger().log);
    await restarted.poll();
    restarted.requestExits(exitDuty, servesAll);
    await settle();
    expect(exits).toEqual([committeeA.pubkey]);

    // The beacon chain pays the whole balance to the pool and a quorum reports it: Exited, nothing more to do.
    const second = await preDeposited(ops.slice(4, 8));
    await fund(second.id);
    const secondsPerEpoch = await readOracle<bigint>("secondsPerEpoch");
    await testClient.increaseTime({ seconds: Number(2n * secondsPerEpoch) });
    await testClient.mine({ blocks: 1 });
    const poolBalance = await client.getBalance({ address: deployment.pool });
    await testClient.setBalance({ address: deployment.pool, value: poolBalance + 32n * ETHER });
    const report = {
      epoch: await readOracle<bigint>("currentEpoch"),
      miniPoolIds: [committeeA.id, second.id],
      balancesGwei: [0n, 32n * GWEI],
      withdrawnGwei: [32n * GWEI, 0n],
      operatorIds: [],
      participationBps: [],
    };
    expect(await readOracle<bigint>("quorum")).toBe(6n);
    for (const o of ops.slice(0, 6))
      await send(o.identity, deployment.oracle, cohortOracleAbi as Abi, "submitReport", [report]);
    expect((await readMiniPools<{ state: number }>("miniPool", [committeeA.id])).state).toBe(4); // Exited
    await restarted.poll();
    expect(restarted.exitsDue()).toEqual([]);
    exits.length = 0;
    const third = service(recordingLogger().log);
    await third.poll();
    third.requestExits(exitDuty, servesAll);
    await settle();
    expect(exits).toEqual([]);
  });
});

describe("a funded validator's top-up still pending on the beacon chain", () => {
  it("is reported at balance + pending deposits (32 ETH), not at the 1 ETH balance", async () => {
    // One Active mini-pool from the exit test (committee 5..8); its pre-deposit is applied, its 31 ETH are queued.
    const active = await readMiniPools<bigint[]>("activeMiniPools");
    expect(active.length).toBe(1);
    const id = active[0]!;
    const { validatorPubkey, operatorIds } = await readMiniPools<{ validatorPubkey: Hex; operatorIds: bigint[] }>(
      "miniPool",
      [id],
    );
    const credentials = await read<Hex>(deployment.pool, cohortPoolAbi as Abi, "withdrawalCredentials");
    beaconKeys.set(validatorPubkey.toLowerCase(), credentials);
    beaconBalances.set(validatorPubkey.toLowerCase(), GWEI);
    pendingDeposits.push({ pubkey: validatorPubkey, amount: 31n * GWEI });
    // Someone else's pending deposit does not count for this key.
    pendingDeposits.push({ pubkey: `0x${"ab".repeat(48)}`, amount: 32n * GWEI });

    // The next epoch after the last accepted one, past by the contract's clock.
    const last = await readOracle<bigint>("lastEpoch");
    const secondsPerEpoch = await readOracle<bigint>("secondsPerEpoch");
    await testClient.increaseTime({ seconds: Number(2n * secondsPerEpoch) });
    await testClient.mine({ blocks: 1 });
    // The node's clock (minimal preset here: 8 slots of 12 s) puts the report epoch at last + 1, one period per epoch.
    const nodeEpochSeconds = 8 * 12;
    const genesisTime = Math.floor(Date.now() / 1000) - Number(last + 2n) * nodeEpochSeconds - nodeEpochSeconds / 2;
    const member = ops[Number(operatorIds[0]!) - 1]!;
    const reporter = new OracleReporter({
      client,
      rpcUrl: anvil.rpcUrl,
      miniPools: deployment.miniPools,
      operatorId: member.id,
      account: member.identity,
      beacon: { url: beaconUrl, genesisTime, secondsPerSlot: 12 } as BeaconChain,
      periodEpochs: 1,
      log: recordingLogger().log,
    });
    const report = await reporter.tick();
    expect(report).toBeDefined();
    expect(report!.epoch).toBe(last + 1n);
    expect(report!.miniPoolIds).toEqual([id]);
    expect(report!.balancesGwei).toEqual([32n * GWEI]);
    expect(report!.withdrawnGwei).toEqual([0n]);
    // Sent from the member's identity address: the contract holds its vote for exactly this report.
    const hash = await readOracle<Hex>("reportHash", [report]);
    expect(await readOracle<Hex>("reportOf", [report!.epoch, member.id])).toBe(hash);
  });
});

describe("a funded validator's top-up not in the beacon state yet (before Electra: in eth1 data voting)", () => {
  /** A reporter whose clock makes `epoch` the report epoch (one period per epoch), on a contract clock past it. */
  async function reporterFor(epoch: bigint, member: Op) {
    const secondsPerEpoch = await readOracle<bigint>("secondsPerEpoch");
    while ((await readOracle<bigint>("currentEpoch")) < epoch) {
      await testClient.increaseTime({ seconds: Number(secondsPerEpoch) });
      await testClient.mine({ blocks: 1 });
    }
    const nodeEpochSeconds = 8 * 12;
    const genesisTime = Math.floor(Date.now() / 1000) - Number(epoch + 1n) * nodeEpochSeconds - nodeEpochSeconds / 2;
    return new OracleReporter({
      client,
      rpcUrl: anvil.rpcUrl,
      miniPools: deployment.miniPools,
      operatorId: member.id,
      account: member.identity,
      beacon: { url: beaconUrl, genesisTime, secondsPerSlot: 12 } as BeaconChain,
      periodEpochs: 1,
      log: recordingLogger().log,
    });
  }

  it("is reported at 1 + 31 ETH until a block carries it, then at the balance alone; an eligible one is not searched", async () => {
    const [id] = await readMiniPools<bigint[]>("activeMiniPools");
    const { validatorPubkey, operatorIds } = await readMiniPools<{ validatorPubkey: Hex; operatorIds: bigint[] }>(
      "miniPool",
      [id!],
    );
    const key = validatorPubkey.toLowerCase();
    const member = ops[Number(operatorIds[0]!) - 1]!;
    // Nothing queued in the state: the pre-deposit's 1 ETH is all the chain holds for the key.
    pendingDeposits.length = 0;
    beaconBalances.set(key, GWEI);

    // No block since the funding carried the top-up: in flight.
    const first = (await readOracle<bigint>("lastEpoch")) + 2n;
    const inFlight = await (await reporterFor(first, member)).tick();
    expect(inFlight!.epoch).toBe(first);
    expect(inFlight!.balancesGwei).toEqual([32n * GWEI]);

    // A block after the funding carried a 31 ETH deposit for the key (and the chain applied it): counted once.
    const arrival = Number(first) * 8 + 3;
    blockBodies.set(arrival, { deposits: [{ data: { pubkey: validatorPubkey, amount: String(31n * GWEI) } }] });
    beaconBalances.set(key, 32n * GWEI);
    const applied = await (await reporterFor(first + 1n, member)).tick();
    expect(applied!.balancesGwei).toEqual([32n * GWEI]);

    // The same block seen but the balance still 1 ETH (the deposit applied and then lost): reported as it is.
    beaconBalances.set(key, GWEI);
    const lost = await (await reporterFor(first + 2n, member)).tick();
    expect(lost!.balancesGwei).toEqual([GWEI]);

    // Eligible for activation (needs 32 ETH): nothing in flight although no block carries the top-up. A sweep in a
    // block that a lookup by slot would miss (the stand-in answers 404 by slot) is counted: the pool received it.
    blockBodies.clear();
    beaconEligibility.set(key, "3");
    beaconBalances.set(key, 32n * GWEI);
    const pool = `0x${(await read<Hex>(deployment.pool, cohortPoolAbi as Abi, "withdrawalCredentials")).slice(-40)}`;
    blockBodies.set(Number(first + 3n) * 8 - 2, {
      execution_payload: { withdrawals: [{ validator_index: "100", address: pool, amount: "5000" }] },
    });
    await client.waitForTransactionReceipt({
      hash: await createWalletClient({ account: staker, transport: http(anvil.rpcUrl) }).sendTransaction({
        to: pool as Address,
        value: 5000n * GWEI,
        chain: null,
      }),
    });
    const reporter = await reporterFor(first + 3n, member);
    // The report's own state missing (404) is not "validator unknown, count 32 ETH": no report until it is there.
    missingStates.add(Number(first + 3n) * 8);
    await expect(reporter.tick()).rejects.toThrow(`no state at slot ${Number(first + 3n) * 8}`);
    missingStates.clear();
    const eligible = await reporter.tick();
    expect(eligible!.balancesGwei).toEqual([32n * GWEI]);
    expect(eligible!.withdrawnGwei).toEqual([5000n]);
  });
});
