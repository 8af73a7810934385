import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildKeyshares,
  cohortRegistryAbi,
  cohortTokenAbi,
  generateEncryptionKeyPair,
  openShare,
  publicKeyOf,
  randomScalar,
  signIdentityProof,
} from "@cohort/sdk";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createTestClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  zeroAddress,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Anvil, startAnvil } from "../../contracts/deploy/anvil.js";
import { type Deployment, deployCohort } from "../../contracts/deploy/deploy.js";
import { ChainSync, type ChainSyncConfig } from "../src/chain/sync.js";
import { ChainState } from "../src/store/chain-state.js";
import { openDatabase, writeCheckpoint } from "../src/store/database.js";

// Real anvil, real contracts: the contracts build (part of `npm run build`) must have run.
const MNEMONIC = "test test test test test test test test test test test junk";
const [governance, owner, stranger] = [0, 1, 2].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
const TOKEN = 10n ** 18n;

let anvil: Anvil;
let deployment: Deployment;
let client: ReturnType<typeof createPublicClient>;
let testClient: ReturnType<typeof createTestClient>;
const operators: { id: bigint; encryptionKey: Uint8Array; encryptionSecret: Uint8Array }[] = [];

async function send(
  account: typeof owner,
  address: Address,
  abi: typeof cohortRegistryAbi | typeof cohortTokenAbi,
  functionName: string,
  args: readonly unknown[],
) {
  const wallet = createWalletClient({ account: account!, transport: http(anvil.rpcUrl) });
  // biome-ignore lint/suspicious/noExplicitAny: checked by viem against the ABI at run time
  const hash = await wallet.writeContract({ address, abi, functionName, args, chain: null } as any);
  const receipt = await client.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

async function registerValidator(
  from: typeof owner,
  keyshares: Awaited<ReturnType<typeof buildKeyshares>>,
  amount = 10n * TOKEN,
) {
  await send(from, deployment.registry, cohortRegistryAbi, "registerValidator", [
    keyshares.publicKey,
    keyshares.operatorIds.map(BigInt),
    keyshares.payload,
    BigInt(keyshares.nonce),
    amount,
  ]);
}

async function keysharesFor(
  signer: typeof owner,
  nonce: bigint,
  ids = operators.slice(0, 4),
  secretKey = randomScalar(),
) {
  return buildKeyshares({
    secretKey,
    publicKey: await publicKeyOf(secretKey),
    operators: ids,
    owner: signer!.address,
    nonce,
    chainId: BigInt(deployment.chainId),
    registry: deployment.registry,
  });
}

function newSync(dbFile: string, operatorIndex: number, overrides: Partial<ChainSyncConfig> = {}) {
  const state = new ChainState(openDatabase(dbFile));
  const op = operators[operatorIndex]!;
  const sync = new ChainSync(state, {
    client,
    registry: deployment.registry,
    chainId: BigInt(deployment.chainId),
    operatorId: op.id,
    encryptionSecret: op.encryptionSecret,
    confirmations: 2,
    deployBlock: deployment.blockNumber,
    ...overrides,
  });
  return { state, sync };
}

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 });
  client = createPublicClient({ transport: http(anvil.rpcUrl) });
  testClient = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
  deployment = await deployCohort({
    rpcUrl: anvil.rpcUrl,
    account: governance!,
    // Collateral = runway × (4 operator fees + network fee) = 10 × 5000 wei: small, so a test can run a committee dry.
    params: { minCollateral: 1000n, liquidationRunway: 10n, networkFee: 1000n },
  });
  for (let i = 0; i < 5; i++) {
    const pair = await generateEncryptionKeyPair();
    const identitySecret = secp256k1.utils.randomSecretKey();
    const identity = secp256k1.getPublicKey(identitySecret, true);
    const context = { chainId: BigInt(deployment.chainId), registry: deployment.registry, owner: owner!.address };
    const receipt = await send(owner, deployment.registry, cohortRegistryAbi, "registerOperator", [
      bytesToHex(identity),
      bytesToHex(pair.publicKey),
      `operator ${i + 1}`,
      1000n,
      [],
      bytesToHex(signIdentityProof(identitySecret, context)),
    ]);
    expect(receipt.logs.length).toBeGreaterThan(0);
    operators.push({ id: BigInt(i + 1), encryptionKey: pair.publicKey, encryptionSecret: pair.secretKey });
  }
  for (const who of [owner, stranger]) {
    await send(governance, deployment.token, cohortTokenAbi, "mint", [who!.address, 1000n * TOKEN]);
    await send(who, deployment.token, cohortTokenAbi, "approve", [deployment.registry, 1000n * TOKEN]);
  }
}, 60_000);

afterAll(async () => {
  await anvil?.stop();
});

describe("chain sync against a real EVM", () => {
  it("applies confirmed registrations only, opens its own share, and resumes from its checkpoint", async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), "cohort-sync-")), "node.sqlite");
    const committee = operators.slice(0, 4);
    const keyshares = await keysharesFor(owner, 0n, committee);
    await registerValidator(owner, keyshares);

    const first = newSync(dbFile, 1);
    await first.sync.syncToHead();
    const publicKey = Uint8Array.from(Buffer.from(keyshares.publicKey.slice(2), "hex"));
    expect(first.state.validator(publicKey), "not yet confirmed").toBeUndefined();
    expect(first.state.operator(1n)?.name).toBe("operator 1");

    await testClient.mine({ blocks: 2 });
    await first.sync.syncToHead();
    const tracked = first.state.validator(publicKey)!;
    expect(tracked).toMatchObject({ status: "active", shareIndex: 2, refusal: null, operatorIds: [1n, 2n, 3n, 4n] });
    // At rest the share is only the on-chain ciphertext; the node's X25519 key opens it.
    const share = await openShare(
      { ...tracked, chainId: BigInt(deployment.chainId), registry: deployment.registry },
      2n,
      operators[1]!.encryptionSecret,
    );
    expect(share.index).toBe(2);
    first.state.db.close();

    // A restart resumes from the checkpoint and sees the removal.
    await send(owner, deployment.registry, cohortRegistryAbi, "removeValidator", [
      keyshares.publicKey,
      [1n, 2n, 3n, 4n],
    ]);
    await testClient.mine({ blocks: 2 });
    const second = newSync(dbFile, 1);
    const checkpoint = second.state.checkpoint()!;
    const applied = await second.sync.syncToHead();
    expect(applied).toBe(1);
    expect(second.state.checkpoint()! > checkpoint).toBe(true);
    expect(second.state.validator(publicKey)?.status).toBe("removed");
  });

  it("refuses, with a reason and without crashing, a payload it cannot verify", async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), "cohort-sync-")), "node.sqlite");
    // Share public keys 1 and 2 swapped: the registry checks shape and ownership proof (both fine) and accepts it;
    // the node finds the shares do not match the commitments. (A payload with a bad ownership proof no longer reaches
    // the chain: the registry verifies it.)
    const nonce = (await client.readContract({
      address: deployment.registry,
      abi: cohortRegistryAbi,
      functionName: "nonces",
      args: [owner!.address],
    })) as bigint;
    const good = await keysharesFor(owner, nonce);
    const bytes = Buffer.from(good.payload.slice(2), "hex");
    const shareKeys = 6 + 96 + 3 * 48;
    const first = Buffer.from(bytes.subarray(shareKeys, shareKeys + 48));
    bytes.copy(bytes, shareKeys, shareKeys + 48, shareKeys + 96);
    first.copy(bytes, shareKeys + 48);
    const stolen = { ...good, payload: `0x${bytes.toString("hex")}` as Hex };
    await registerValidator(owner, stolen);
    await testClient.mine({ blocks: 2 });
    const { state, sync } = newSync(dbFile, 0);
    await sync.syncToHead();
    const tracked = state.validator(Uint8Array.from(Buffer.from(stolen.publicKey.slice(2), "hex")))!;
    expect(tracked.status).toBe("refused");
    expect(tracked.shareIndex).toBeNull();
    expect(tracked.refusal).toMatch(/SHARE_KEY_MISMATCH/);
  });

  it("tracks exit requests, liquidation, reactivation and a move to a committee without this node", async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), "cohort-sync-")), "node.sqlite");
    // Committee 2..5, untouched by the other tests, so its account holds only what this test deposits.
    const ids = [2n, 3n, 4n, 5n];
    const nonce = (await client.readContract({
      address: deployment.registry,
      abi: cohortRegistryAbi,
      functionName: "nonces",
      args: [owner!.address],
    })) as bigint;
    // Kept to sign the move's ownership proof: the registry verifies it.
    const validatorSecret = randomScalar();
    const keyshares = await keysharesFor(owner, nonce, operators.slice(1, 5), validatorSecret.slice());
    await registerValidator(owner, keyshares, 60_000n);
    const publicKey = Uint8Array.from(Buffer.from(keyshares.publicKey.slice(2), "hex"));
    const { state, sync } = newSync(dbFile, 4, { confirmations: 0 });
    const status = async () => {
      await sync.syncToHead();
      return state.validator(publicKey)?.status;
    };
    expect(await status()).toBe("active");
    await send(owner, deployment.registry, cohortRegistryAbi, "exitValidator", [keyshares.publicKey, ids]);
    expect(await status()).toBe("exit_requested");

    await testClient.mine({ blocks: 5 });
    await send(stranger, deployment.registry, cohortRegistryAbi, "liquidate", [owner!.address, ids]);
    expect(await status()).toBe("liquidated");
    await send(owner, deployment.registry, cohortRegistryAbi, "reactivate", [ids, 20n * TOKEN]);
    expect(await status()).toBe("active");

    const next = (await client.readContract({
      address: deployment.registry,
      abi: cohortRegistryAbi,
      functionName: "nonces",
      args: [owner!.address],
    })) as bigint;
    const moved = (await keysharesFor(owner, next, operators.slice(0, 4), validatorSecret)).payload;
    await send(owner, deployment.registry, cohortRegistryAbi, "moveValidator", [
      keyshares.publicKey,
      ids,
      [1n, 2n, 3n, 4n],
      moved,
      next,
      10n * TOKEN,
    ]);
    expect(await status()).toBe("moved");
  });

  it("follows each validator's fee recipient: the owner by default, the owner's choice, a reset, a move, a removal", async () => {
    // The stranger owns this validator, so its committee accounts are untouched by the other tests.
    const nonceOf = async () =>
      (await client.readContract({
        address: deployment.registry,
        abi: cohortRegistryAbi,
        functionName: "nonces",
        args: [stranger!.address],
      })) as bigint;
    const validatorSecret = randomScalar();
    const keyshares = await keysharesFor(stranger, await nonceOf(), operators.slice(0, 4), validatorSecret.slice());
    await registerValidator(stranger, keyshares);
    const publicKey = Uint8Array.from(Buffer.from(keyshares.publicKey.slice(2), "hex"));
    const dir = mkdtempSync(join(tmpdir(), "cohort-sync-"));
    // Operator 1 serves it from the start; operator 5 only once it moves to 2..5.
    const one = newSync(join(dir, "one.sqlite"), 0, { confirmations: 0 });
    const five = newSync(join(dir, "five.sqlite"), 4, { confirmations: 0 });
    const feeRecipient = async (node = one) => {
      await node.sync.syncToHead();
      const address = node.state.feeRecipientOf(publicKey);
      return address && getAddress(address);
    };
    const onChain = async () =>
      client.readContract({
        address: deployment.registry,
        abi: cohortRegistryAbi,
        functionName: "feeRecipientOf",
        args: [keyshares.publicKey],
      });
    const setFeeRecipient = (address: Address) =>
      send(stranger, deployment.registry, cohortRegistryAbi, "setFeeRecipient", [keyshares.publicKey, address]);

    expect(await feeRecipient()).toBe(stranger!.address);
    await setFeeRecipient(owner!.address);
    expect(await feeRecipient()).toBe(owner!.address);
    expect(await onChain()).toBe(owner!.address);
    // address(0) resets to the owner.
    await setFeeRecipient(zeroAddress);
    expect(await feeRecipient()).toBe(stranger!.address);
    await setFeeRecipient(governance!.address);
    expect(await feeRecipient()).toBe(governance!.address);
    // Operator 5 followed the choice before the key was its own.
    expect(await feeRecipient(five)).toBeUndefined();

    // A database synced before fee recipients were followed: the migration's marker makes the sync read the past
    // blocks again for them.
    one.state.db.exec("DELETE FROM fee_recipients");
    writeCheckpoint(one.state.db, "fee_recipient_backfill_to", one.state.checkpoint()!);
    expect(getAddress(one.state.feeRecipientOf(publicKey)!)).toBe(stranger!.address);
    expect(await feeRecipient()).toBe(governance!.address);
    expect(one.state.feeRecipientBackfillTo()).toBeUndefined();

    // A move keeps the choice, and the new committee's node knows it.
    const next = await nonceOf();
    const moved = (await keysharesFor(stranger, next, operators.slice(1, 5), validatorSecret.slice())).payload;
    await send(stranger, deployment.registry, cohortRegistryAbi, "moveValidator", [
      keyshares.publicKey,
      [1n, 2n, 3n, 4n],
      [2n, 3n, 4n, 5n],
      moved,
      next,
      10n * TOKEN,
    ]);
    expect(await feeRecipient(five)).toBe(governance!.address);
    expect(five.state.validator(publicKey)?.status).toBe("active");
    expect(await onChain()).toBe(governance!.address);

    // A removal forgets it: the key registered again starts from its owner.
    await send(stranger, deployment.registry, cohortRegistryAbi, "removeValidator", [
      keyshares.publicKey,
      [2n, 3n, 4n, 5n],
    ]);
    const again = await keysharesFor(stranger, await nonceOf(), operators.slice(0, 4), validatorSecret.slice());
    await registerValidator(stranger, again);
    expect(await feeRecipient()).toBe(stranger!.address);
    expect(await feeRecipient(five)).toBe(stranger!.address);
    expect(await onChain()).toBe(stranger!.address);
  });
});
