/** A deployed Cohort on the shared anvil, with typed helpers to send transactions and assert custom-error reverts. */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  type Address,
  BaseError,
  bytesToHex,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type TransactionReceipt,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { expect, inject } from "vitest";
import { cohortRegistryAbi, cohortTokenAbi } from "../../sdk/src/abi/index.js";
import { type IdentityContext, signIdentityProof } from "../../sdk/src/ownership/identity.js";
import type { CohortConfig, PoolConfig } from "../deploy/config.js";
import { type Deployment, deployCohort } from "../deploy/deploy.js";
import { useRegistry } from "./payload.js";

/** Anvil's default accounts (public test mnemonic); used only on local chains. */
const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

export const TOKEN = 10n ** 18n;

export const testConfig: CohortConfig = {
  networkFee: 1_000n,
  maxOperatorFee: 1_000_000n,
  maxFeeIncreaseBps: 1_000n,
  feeDeclareTimelock: 3_600n,
  feeExecutionWindow: 600n,
  liquidationRunway: 100n,
  minCollateral: 100_000n,
  maxValidatorsPerOperator: 50n,
};

export type RegistryFunction = Extract<(typeof cohortRegistryAbi)[number], { type: "function" }>["name"];
export type Actor = ReturnType<typeof mnemonicToAccount>;

// biome-ignore lint/suspicious/noExplicitAny: args are checked by viem against the ABI at run time
type Args = readonly any[];

export interface Cohort {
  rpcUrl: string;
  client: PublicClient;
  testClient: TestClient<"anvil">;
  deployment: Deployment;
  accounts: Actor[];
  governance: Actor;
  send(actor: Actor, functionName: RegistryFunction, args: Args): Promise<TransactionReceipt>;
  sendToken(actor: Actor, functionName: "approve" | "mint" | "transfer", args: Args): Promise<TransactionReceipt>;
  expectRevert(
    actor: Actor,
    functionName: RegistryFunction,
    args: Args,
    errorName: string,
    errorArgs?: readonly unknown[],
  ): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: results are typed by the caller
  read<T = any>(functionName: RegistryFunction, args?: Args, blockNumber?: bigint): Promise<T>;
  balanceOf(address: Address, blockNumber?: bigint): Promise<bigint>;
  fund(actors: Actor[], amount: bigint): Promise<void>;
  mine(blocks: number): Promise<void>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  blockNumber(): Promise<bigint>;
}

export async function setupCohort(
  params: Partial<CohortConfig> = testConfig,
  poolParams: Partial<PoolConfig> = {},
): Promise<Cohort> {
  const rpcUrl = inject("rpcUrl");
  const transport = http(rpcUrl);
  // Batching lets the many parallel reads of the property test share one HTTP round trip.
  const client = createPublicClient({ transport: http(rpcUrl, { batch: { wait: 0 } }), pollingInterval: 20 });
  const testClient = createTestClient({ mode: "anvil", transport });
  const accounts: Actor[] = Array.from({ length: 10 }, (_, i) =>
    mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }),
  );
  const [governance] = accounts as [Actor];
  const deployment: Deployment = await deployCohort({ rpcUrl, account: governance, params, poolParams });
  useRegistry(BigInt(deployment.chainId), deployment.registry);
  const wallets = new Map(accounts.map((a) => [a.address, createWalletClient({ account: a, transport })]));

  const walletOf = (actor: Actor) => wallets.get(actor.address)!;

  async function send(actor: Actor, functionName: RegistryFunction, args: Args): Promise<TransactionReceipt> {
    const { request } = await client.simulateContract({
      address: deployment.registry,
      abi: cohortRegistryAbi,
      functionName,
      args,
      account: actor,
      // Evaluate as the next block, where the transaction will land (block.number matters for fee accrual).
      blockTag: "pending",
      // biome-ignore lint/suspicious/noExplicitAny: the union over all function names is too wide for viem's inference
    } as any);
    const hash = await walletOf(actor).writeContract(request);
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  async function sendToken(actor: Actor, functionName: "approve" | "mint" | "transfer", args: Args) {
    const { request } = await client.simulateContract({
      address: deployment.token,
      abi: cohortTokenAbi,
      functionName,
      args,
      account: actor,
      // biome-ignore lint/suspicious/noExplicitAny: see send()
    } as any);
    const hash = await walletOf(actor).writeContract(request);
    return client.waitForTransactionReceipt({ hash });
  }

  /** Asserts the call reverts with the custom error `errorName` (and `args`, when given) without sending it. */
  // Token errors (allowance, balance) surface through the registry's transferFrom, so decode them too.
  const revertAbi = [...cohortRegistryAbi, ...cohortTokenAbi.filter((item) => item.type === "error")];

  async function expectRevert(
    actor: Actor,
    functionName: RegistryFunction,
    args: Args,
    errorName: string,
    errorArgs?: readonly unknown[],
  ): Promise<void> {
    const error = await client
      .simulateContract({
        address: deployment.registry,
        abi: revertAbi,
        functionName,
        args,
        account: actor,
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
    expect(data?.errorName).toBe(errorName);
    if (errorArgs) expect(data?.args).toEqual(errorArgs);
  }

  // biome-ignore lint/suspicious/noExplicitAny: see send()
  async function read<T = any>(functionName: RegistryFunction, args: Args = [], blockNumber?: bigint): Promise<T> {
    return client.readContract({
      address: deployment.registry,
      abi: cohortRegistryAbi,
      functionName,
      args,
      blockNumber,
      // biome-ignore lint/suspicious/noExplicitAny: see send()
    } as any) as Promise<T>;
  }

  async function balanceOf(address: Address, blockNumber?: bigint): Promise<bigint> {
    return client.readContract({
      address: deployment.token,
      abi: cohortTokenAbi,
      functionName: "balanceOf",
      args: [address],
      blockNumber,
    });
  }

  /** Mints `amount` to each actor and approves the registry for all of it. */
  async function fund(actors: Actor[], amount: bigint): Promise<void> {
    for (const actor of actors) {
      await sendToken(governance, "mint", [actor.address, amount]);
      await sendToken(actor, "approve", [deployment.registry, 2n ** 256n - 1n]);
    }
  }

  const mine = (blocks: number) => testClient.mine({ blocks });
  const snapshot = () => testClient.snapshot();
  const revert = async (id: Hex) => {
    await testClient.revert({ id });
  };
  const blockNumber = () => client.getBlockNumber({ cacheTime: 0 });

  return {
    rpcUrl,
    client,
    testClient,
    deployment,
    accounts,
    governance,
    send,
    sendToken,
    expectRevert,
    read,
    balanceOf,
    fund,
    mine,
    snapshot,
    revert,
    blockNumber,
  };
}

let identityCounter = 0;
/** Secret of every identity key `identityKey()` handed out, so a test can prove possession for any owner. */
const identitySecrets = new Map<Hex, Uint8Array>();

/** A fresh compressed secp256k1 identity key (with the given prefix, when asked). */
export function identityKey(prefix?: "02" | "03"): Hex {
  for (;;) {
    const secret = secp256k1.utils.randomSecretKey();
    const key = bytesToHex(secp256k1.getPublicKey(secret, true));
    if (prefix && !key.startsWith(`0x${prefix}`)) continue;
    identitySecrets.set(key, secret);
    return key;
  }
}

/** The identity key's proof of possession for registrations sent by `owner` to this deployment. */
export function identityProof(cohort: Cohort, owner: Actor, key: Hex): Hex {
  const { chainId, registry } = cohort.deployment;
  return identityProofIn(key, { chainId: BigInt(chainId), registry, owner: owner.address });
}

/** The proof for `key` in any context (tests of proofs made for another chain, registry or owner). */
export function identityProofIn(key: Hex, context: IdentityContext): Hex {
  const secret = identitySecrets.get(key);
  if (!secret) throw new Error(`no secret for identity key ${key}: make it with identityKey()`);
  return bytesToHex(signIdentityProof(secret, context));
}

export function encryptionKey(): Hex {
  identityCounter += 1;
  return `0x${(0xeeeen * 10n ** 20n + BigInt(identityCounter)).toString(16).padStart(64, "0")}`;
}

/** A config change through the governance timelock: propose, let CONFIG_TIMELOCK pass, execute. */
export async function changeConfig(cohort: Cohort, config: CohortConfig): Promise<TransactionReceipt> {
  await cohort.send(cohort.governance, "proposeConfig", [config]);
  const timelock = await cohort.read<bigint>("CONFIG_TIMELOCK");
  await cohort.testClient.increaseTime({ seconds: Number(timelock) });
  return cohort.send(cohort.governance, "executeConfig", []);
}

/** Registers `count` operators owned by `owner` (fee `fee`) and returns their ids. */
export async function registerOperators(cohort: Cohort, owner: Actor, count: number, fee = 10n): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const key = identityKey();
    await cohort.send(owner, "registerOperator", [
      key,
      encryptionKey(),
      `operator ${i}`,
      fee,
      [],
      identityProof(cohort, owner, key),
    ]);
    ids.push(await cohort.read<bigint>("operatorCount"));
  }
  return ids;
}
