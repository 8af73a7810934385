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
  FULL_DEPOSIT_GWEI,
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
    errorArgs?: readonly unknown[],
    value?: bigint,
  ): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: results are typed by the caller
  read<T = any>(contract: PoolContract, functionName: string, args?: Args): Promise<T>;
  ethBalance(address: Address): Promise<bigint>;
  dkgResult(): DkgResult;
  /** createMiniPool by operators[ids[0]]'s owner, then all four confirmations of a fresh DKG result. */
  readyMiniPool(members: PoolOperator[]): Promise<{ id: bigint; result: DkgResult }>;
}

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
    if (errorArgs) expect(data?.args).toEqual(errorArgs);
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

  return { cohort, addresses, operators, stakers, send, expectRevert, read, ethBalance, dkgResult, readyMiniPool };
}

/**
 * A validator key as a DKG would output it, here made whole by one party because only the contract side is tested:
 * the deposit message (32 ETH to the pool's 0x01 credentials) signed with the mainnet genesis fork's deposit domain.
 */
export function makeDkgResult(withdrawalAddress: Address): DkgResult {
  const L = bls12_381.longSignatures;
  const secretKey = bls12_381.utils.randomSecretKey();
  const publicKey = L.getPublicKey(secretKey).toBytes();
  const message = {
    publicKey,
    withdrawalCredentials: executionWithdrawalCredentials(withdrawalAddress),
    amountGwei: FULL_DEPOSIT_GWEI,
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
