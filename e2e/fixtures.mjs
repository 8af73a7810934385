// Chain-side setup for browser tests: real transactions against the test chain from anvil's unlocked accounts,
// so each test knows exactly which on-chain state it expects the page to show.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { buildKeyshares, publicKeyOf } from "@cohort/sdk";
import { cohortRegistryAbi, cohortTokenAbi } from "@cohort/sdk/abi/index";
import { signIdentityProof } from "@cohort/sdk/ownership/identity";
import { bytesToHex, createPublicClient, createWalletClient, hexToBytes, http, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { env } from "./harness.mjs";

/** The chain's unlocked accounts (anvil: ten funded test accounts; #0 deploys and governs). */
export async function unlockedAccounts() {
  return clients().publicClient.request({ method: "eth_accounts" });
}

export function clients() {
  const transport = http(env.rpcUrl);
  return { publicClient: createPublicClient({ transport }), walletClient: createWalletClient({ transport }) };
}

/** The registry address from the runner's deployment, or null (then the caller skips). */
export function registryAddress() {
  const d = env.deployment;
  return d?.registry ?? d?.contracts?.registry ?? null;
}

/** A fresh operator identity (compressed secp256k1, 33 bytes) and X25519 encryption key, as an operator node has. */
export function operatorKeys() {
  const identitySecret = `0x${randomBytes(32).toString("hex")}`;
  const account = privateKeyToAccount(identitySecret);
  const uncompressed = account.publicKey.slice(4); // drop 0x04
  const x = uncompressed.slice(0, 64);
  const yOdd = Number.parseInt(uncompressed.slice(-2), 16) & 1;
  const identityKey = `0x${yOdd ? "03" : "02"}${x}`;
  const { publicKey } = generateKeyPairSync("x25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
  return { identityKey, identitySecret, encryptionKey: `0x${raw.toString("hex")}` };
}

/** The identity key's proof of possession for a registerOperator sent by `owner` (what the node prints). */
export async function identityProofFor(registry, owner, identitySecret) {
  const chainId = BigInt(await clients().publicClient.getChainId());
  return bytesToHex(signIdentityProof(hexToBytes(identitySecret), { chainId, registry, owner }));
}

/** Sends a contract call from one of the chain's unlocked accounts and waits for a successful receipt. */
export async function send(request) {
  const { publicClient, walletClient } = clients();
  const hash = await walletClient.writeContract({ ...request, chain: null });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${request.functionName} reverted (${hash})`);
  return receipt;
}

/**
 * Registers an operator from `owner` and applies the requested flags; returns its on-chain id.
 * @param {{owner: string, name: string, fee: bigint, endpoints?: string[], verified?: boolean, privateMode?: boolean}} spec
 */
export async function registerOperator(
  registry,
  { owner, name, fee, endpoints = [], verified = false, privateMode = false },
) {
  const { identityKey, identitySecret, encryptionKey } = operatorKeys();
  const identityProof = await identityProofFor(registry, owner, identitySecret);
  const receipt = await send({
    address: registry,
    abi: cohortRegistryAbi,
    functionName: "registerOperator",
    args: [identityKey, encryptionKey, name, fee, endpoints, identityProof],
    account: owner,
  });
  const [added] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "OperatorAdded" });
  const id = added.args.operatorId;
  if (verified) {
    const governance = (await unlockedAccounts())[0];
    await send({
      address: registry,
      abi: cohortRegistryAbi,
      functionName: "setOperatorVerified",
      args: [id, true],
      account: governance,
    });
  }
  if (privateMode) {
    await send({
      address: registry,
      abi: cohortRegistryAbi,
      functionName: "setOperatorPrivacy",
      args: [id, true],
      account: owner,
    });
  }
  return { id, name, fee, verified, privateMode, owner, identityKey, encryptionKey, endpoints };
}

/** A random BLS secret key below the curve order (first byte < 0x73) and non-zero. */
export function blsSecret() {
  const sk = randomBytes(32);
  sk[0] = 0x10 + (sk[0] % 0x60);
  return new Uint8Array(sk);
}

/**
 * Registers a validator for `owner` with a fresh key into `operators` ({id, encryptionKey} as in the deployment's
 * operators), paying `amount` fee tokens, as the Stake page does; the secret is zeroized. Returns its 0x-lower-case
 * public key and the sorted committee ids.
 */
export async function registerValidator(registry, { owner, operators, amount, secretKey: given }) {
  const { publicClient } = clients();
  const read = (functionName, args = [], address = registry, abi = cohortRegistryAbi) =>
    publicClient.readContract({ address, abi, functionName, args });
  // A caller that passes its own secret keeps it (and zeroizes it when done); ours is zeroized here.
  const secretKey = given ?? blsSecret();
  const publicKey = await publicKeyOf(secretKey);
  const nonce = await read("nonces", [owner]);
  const chainId = BigInt(await publicClient.getChainId());
  const shares = await buildKeyshares({
    secretKey,
    publicKey,
    operators: operators.map((o) => ({ id: BigInt(o.id), encryptionKey: hexToBytes(o.encryptionKey) })),
    owner,
    nonce,
    chainId,
    registry,
  });
  if (!given) secretKey.fill(0);
  const token = await read("token");
  await send({
    address: token,
    abi: cohortTokenAbi,
    functionName: "approve",
    args: [registry, amount],
    account: owner,
  });
  const ids = operators.map((o) => BigInt(o.id)).sort((a, b) => (a < b ? -1 : 1));
  await send({
    address: registry,
    abi: cohortRegistryAbi,
    functionName: "registerValidator",
    args: [shares.publicKey, ids, shares.payload, nonce, amount],
    account: owner,
  });
  return { publicKey: shares.publicKey.toLowerCase(), ids };
}
