/**
 * The pool system on the shared anvil: operators with real secp256k1 identity keys (whose addresses the mini-pools
 * contract derives on-chain), typed send/read/revert helpers for the pool, mini-pools and oracle, and DKG results made
 * of a real BLS key and deposit signature with the deposit data root computed by the sdk.
 */
import { randomBytes } from "node:crypto";
import { ETH_BLS_DST } from "@cohort/sdk";
import {
  depositDataRoot,
  depositSigningRoot,
  executionWithdrawalCredentials,
  GENESIS_FORK_VERSIONS,
} from "@cohort/sdk/deposit/deposit";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  bytesToHex,
  ContractFunctionRevertedError,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  type TransactionReceipt,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { expect } from "vitest";
import {
  cohortMiniPoolsAbi,
  cohortOracleAbi,
  cohortPoolAbi,
  cohortRegistryAbi,
  depositContractAbi,
} from "../../sdk/src/abi/index.js";
import { signIdentityProof } from "../../sdk/src/ownership/identity.js";
import type { PoolConfig } from "../deploy/config.js";
import { type Cohort, encryptionKey, setupCohort, testConfig } from "./harness.js";

export const ETHER = 10n ** 18n;
const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

const ABIS = {
  pool: cohortPoolAbi,
  miniPools: cohortMiniPoolsAbi,
  oracle: cohortOracleAbi,
  deposit: depositContractAbi,
} as const;
export type PoolContract = keyof typeof ABIS;

// Errors raised by a contract a call passes through (pool under mini-pools, registry under the oracle) decode too.
const ALL_ERRORS = [cohortPoolAbi, cohortMiniPoolsAbi, cohortOracleAbi, cohortRegistryAbi].flatMap((abi) =>
  abi.filter((item) => item.type === "error"),
);

// biome-ignore lint/suspicious/noExplicitAny: args are checked by viem against the ABI at run time
type Args = readonly any[];

export interface PoolOperator {
  id: bigint;
  owner: Account;
  /** The node's identity account: its secret key is the registered secp256k1 identity key. */
  identity: Account;
}

export interface DkgResult {
  pubkey: Hex;
  signature: Hex;
  root: Hex;
}

export interface PoolSystem {
  cohort: Cohort;
  addresses: Record<PoolContract, Address>;
  operators: PoolOperator[];
  /** Extra funded accounts for stakers (anvil mnemonic indices 10+). */
  stakers: Account[];
  send(
    actor: Account,
    contract: PoolContract,
    functionName: string,
    args?: Args,
    value?: bigint,
  ): Promise<TransactionReceipt>;
  expectRevert(
    actor: Account,
    contract: PoolContract,
    functionName: string,
    args: Args,
    errorName: string,
    /** The error's arguments, all of them; omit only for an error that has none. */
    errorArgs?: readonly unknown[],
    value?: bigint,
  ): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: results are typed by the caller
  read<T = any>(contract: PoolContract, functionName: string, args?: Args): Promise<T>;
  ethBalance(address: Address): Promise<bigint>;
  dkgResult(): DkgResult;
  /**
   * createMiniPool by members[0]'s owner, then all four confirmations of a fresh DKG result: the pre-deposit is made
   * and the mini-pool waits for verification.
   */
  readyMiniPool(members: PoolOperator[]): Promise<{ id: bigint; result: DkgResult }>;
  /**
   * Verification of a pre-deposited key: votes of eligible reporters outside its committee up to the quorum, or
   * governance's while no quorum can form (bootstrap).
   */
  verify(id: bigint): Promise<void>;
  /** readyMiniPool, verify and fundNext (the pool must have the ETH free). */
  fundedMiniPool(members: PoolOperator[]): Promise<{ id: bigint; result: DkgResult }>;
  /** Moves the chain's clock (and so the oracle's beacon epoch) forward by `epochs` epochs. */
  advanceEpochs(epochs: bigint): Promise<void>;
  /** The oracle's beacon epoch by the chain clock. */
  currentEpoch(): Promise<bigint>;
}

/** One validator's line of an oracle report. */
export interface ValidatorReport {
  id: bigint;
  balanceGwei: bigint;
  withdrawnGwei?: bigint;
}

/** An oracle report as the contract takes it (ids ascending, operators ascending). */
export function oracleReport(
  epoch: bigint,
  validators: ValidatorReport[],
  operators: { id: bigint; bps?: number }[] = [],
) {
  const sortedValidators = [...validators].sort((a, b) => (a.id < b.id ? -1 : 1));
  const sortedOperators = [...operators].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    epoch,
    miniPoolIds: sortedValidators.map((v) => v.id),
    balancesGwei: sortedValidators.map((v) => v.balanceGwei),
    withdrawnGwei: sortedValidators.map((v) => v.withdrawnGwei ?? 0n),
    operatorIds: sortedOperators.map((o) => o.id),
    participationBps: sortedOperators.map((o) => o.bps ?? 10_000),
  };
}

export const GWEI = 10n ** 9n;

const defaultTestPoolParams: Partial<PoolConfig> = {};

export async function setupPoolSystem(
  operatorCount = 6,
  poolParams: Partial<PoolConfig> = defaultTestPoolParams,
  stakerCount = 6,
): Promise<PoolSystem> {
  const cohort = await setupCohort(testConfig, poolParams);
  const { client, testClient, deployment } = cohort;
  const transport = http(cohort.rpcUrl);
  const addresses: Record<PoolContract, Address> = {
    pool: deployment.pool,
    miniPools: deployment.miniPools,
    oracle: deployment.oracle,
    deposit: deployment.depositContract,
  };

  const operators: PoolOperator[] = [];
  const identityContext = { chainId: BigInt(deployment.chainId), registry: deployment.registry };
  for (let i = 0; i < operatorCount; i++) {
    const owner = cohort.accounts[1 + (i % 9)]!;
    const secret = secp256k1.utils.randomSecretKey();
    const identity = privateKeyToAccount(bytesToHex(secret));
    await cohort.send(owner, "registerOperator", [
      bytesToHex(secp256k1.getPublicKey(secret, true)),
      encryptionKey(),
      `pool operator ${i}`,
      10n,
      [],
      bytesToHex(signIdentityProof(secret, { ...identityContext, owner: owner.address })),
    ]);
    // Nodes pay gas from their identity address.
    await testClient.setBalance({ address: identity.address, value: 10n * ETHER });
    operators.push({ id: await cohort.read<bigint>("operatorCount"), owner, identity });
  }
  // Every operator here takes mini-pool work (opt-in is off by default).
  for (const op of operators) {
    await send(op.owner, "miniPools", "setAcceptsMiniPools", [op.id, true]);
  }

  const stakers: Account[] = [];
  for (let i = 0; i < stakerCount; i++) {
    const staker = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 10 + i });
    await testClient.setBalance({ address: staker.address, value: 10_000n * ETHER });
    stakers.push(staker);
  }

  async function send(actor: Account, contract: PoolContract, functionName: string, args: Args = [], value?: bigint) {
    const { request } = await client.simulateContract({
      address: addresses[contract],
      abi: [...ABIS[contract], ...ALL_ERRORS] as Abi,
      functionName,
      args,
      account: actor,
      value,
      blockTag: "pending",
      // biome-ignore lint/suspicious/noExplicitAny: the union over all contracts is too wide for viem's inference
    } as any);
    const hash = await createWalletClient({ account: actor, transport }).writeContract(request);
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  async function expectRevert(
    actor: Account,
    contract: PoolContract,
    functionName: string,
    args: Args,
    errorName: string,
    errorArgs?: readonly unknown[],
    value?: bigint,
  ) {
    const error = await client
      .simulateContract({
        address: addresses[contract],
        abi: [...ABIS[contract], ...ALL_ERRORS] as Abi,
        functionName,
        args,
        account: actor,
        value,
        blockTag: "pending",
        // biome-ignore lint/suspicious/noExplicitAny: see send()
      } as any)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error, `${functionName} should revert with ${errorName}`).toBeInstanceOf(BaseError);
    const reverted = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
    expect(reverted, String(error)).toBeInstanceOf(ContractFunctionRevertedError);
    const data = (reverted as ContractFunctionRevertedError).data;
    expect(data?.errorName, String(error)).toBe(errorName);
    // Exact: an error with arguments must be given them, and one without is checked to have none.
    expect(data?.args ?? [], `${errorName} arguments`).toEqual(errorArgs ?? []);
  }

  // biome-ignore lint/suspicious/noExplicitAny: see PoolSystem.read
  async function read<T = any>(contract: PoolContract, functionName: string, args: Args = []): Promise<T> {
    return client.readContract({
      address: addresses[contract],
      abi: ABIS[contract] as Abi,
      functionName,
      args,
    }) as Promise<T>;
  }

  const ethBalance = (address: Address) => client.getBalance({ address });

  function dkgResult(): DkgResult {
    return makeDkgResult(addresses.pool);
  }

  async function verify(id: bigint) {
    const quorum = await read<bigint>("oracle", "verificationQuorum", [id]);
    const eligible =
      (await read<bigint>("miniPools", "servingOperators")) - (await read<bigint>("miniPools", "servingMembers", [id]));
    if (eligible < quorum) {
      await send(cohort.governance, "oracle", "verifyByGovernance", [id]);
      return;
    }
    let votes = 0n;
    for (const op of operators) {
      if (votes >= quorum) break;
      if ((await read<bigint>("miniPools", "activeMiniPoolsOf", [op.id])) === 0n) continue;
      if (await read<boolean>("miniPools", "isMember", [id, op.id])) continue;
      await send(op.identity, "oracle", "verifyValidator", [id]);
      votes += 1n;
    }
    expect(await read<{ state: number }>("miniPools", "miniPool", [id]).then((m) => m.state)).toBe(1);
  }

  async function fundedMiniPool(members: PoolOperator[]) {
    const ready = await readyMiniPool(members);
    await verify(ready.id);
    await send(stakers[0] ?? cohort.governance, "miniPools", "fundNext", []);
    return ready;
  }

  const secondsPerEpoch = (): Promise<bigint> => read<bigint>("oracle", "secondsPerEpoch");
  async function advanceEpochs(epochs: bigint) {
    await testClient.increaseTime({ seconds: Number(epochs * (await secondsPerEpoch())) });
    await testClient.mine({ blocks: 1 });
  }
  const currentEpoch = () => read<bigint>("oracle", "currentEpoch");

  async function readyMiniPool(members: PoolOperator[]) {
    const bond = await read<bigint>("pool", "initiatorBond");
    const ids = members.map((m) => m.id);
    const id = await read<bigint>("miniPools", "miniPoolCount");
    await send(members[0]!.owner, "miniPools", "createMiniPool", [ids], bond);
    const result = dkgResult();
    for (const member of members) {
      await send(member.identity, "miniPools", "confirmDkg", [id, result.pubkey, result.signature, result.root]);
    }
    return { id, result };
  }

  return {
    cohort,
    addresses,
    operators,
    stakers,
    send,
    expectRevert,
    read,
    ethBalance,
    dkgResult,
    readyMiniPool,
    verify,
    fundedMiniPool,
    advanceEpochs,
    currentEpoch,
  };
}

/** CohortMiniPools.PRE_DEPOSIT: the bond's first deposit for a new key, what a DKG's deposit signature covers. */
export const PRE_DEPOSIT_GWEI = 1_000_000_000n;

/**
 * A validator key as a DKG would output it, here made whole by one party because only the contract side is tested:
 * the pre-deposit message (1 ETH to the 0x01 credentials of `withdrawalAddress`) signed with the mainnet genesis
 * fork's deposit domain.
 */
export function makeDkgResult(withdrawalAddress: Address, amountGwei = PRE_DEPOSIT_GWEI): DkgResult {
  const L = bls12_381.longSignatures;
  const secretKey = bls12_381.utils.randomSecretKey();
  const publicKey = L.getPublicKey(secretKey).toBytes();
  const message = {
    publicKey,
    withdrawalCredentials: executionWithdrawalCredentials(withdrawalAddress),
    amountGwei,
  };
  const signingRoot = depositSigningRoot(message, hexToBytes(GENESIS_FORK_VERSIONS.mainnet));
  const signature = L.Signature.toBytes(L.sign(L.hash(signingRoot, ETH_BLS_DST), secretKey));
  secretKey.fill(0);
  return {
    pubkey: bytesToHex(publicKey),
    signature: bytesToHex(signature),
    root: bytesToHex(depositDataRoot(message, signature)),
  };
}

/** Random bytes as hex, for malformed inputs. */
export const randomHex = (length: number): Hex => bytesToHex(randomBytes(length));
