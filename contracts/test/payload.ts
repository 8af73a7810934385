/**
 * Test fixture: keyshares payloads with the v1 shape the registry checks (sizes, header, commitments[0] == public key)
 * and, from `signedPayload`, a real ownership signature (the registry verifies it with the BLS precompiles); shares and
 * commitments are random bytes, which the contract cannot tell apart. The real codec lives in the sdk. Signatures are
 * made with @noble/curves, an implementation independent of the contract's.
 */
import { randomBytes } from "node:crypto";
import { ETH_BLS_DST, ownershipMessage } from "@cohort/sdk";
import { thresholdOf } from "@cohort/sdk/committee/size";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { type Address, bytesToHex, type Hex, hexToBytes } from "viem";

const L = bls12_381.longSignatures;
/** Secret of every key `randomPublicKey()` handed out, so a test can sign ownership for it. */
const validatorSecrets = new Map<Hex, Uint8Array>();
let registry: { chainId: bigint; registry: Address } | undefined;

/** The deployment ownership proofs are made for; the harness sets it when it deploys. */
export function useRegistry(chainId: bigint, address: Address): void {
  registry = { chainId, registry: address };
}

export const payloadLength = (n: number): number => 6 + 96 + 48 * thresholdOf(n) + 48 * n + 80 * n;

/** A fresh validator key (a real compressed G1 point); its secret stays here for `signedPayload`. */
export function randomPublicKey(): Hex {
  const secret = bls12_381.utils.randomSecretKey();
  const publicKey = bytesToHex(L.getPublicKey(secret).toBytes());
  validatorSecrets.set(publicKey, secret);
  return publicKey;
}

/** The key's BLS signature of ownershipMessage(chain, registry, owner, nonce), as the sdk's builder makes it. */
export function ownershipSignature(publicKey: Hex, owner: Address, nonce: bigint): Uint8Array {
  const secret = validatorSecrets.get(publicKey);
  if (!secret) throw new Error(`no secret for ${publicKey}: make it with randomPublicKey()`);
  if (!registry) throw new Error("useRegistry() first (setupCohort does it)");
  const message = ownershipMessage({ ...registry, owner, nonce });
  return L.Signature.toBytes(L.sign(L.hash(message, ETH_BLS_DST), secret));
}

/** A payload the registry accepts from `owner` with `nonce`: the right shape and the key's ownership signature. */
export function signedPayload(publicKey: Hex, n: number, owner: { address: Address }, nonce: bigint): Hex {
  const bytes = hexToBytes(fakePayload(publicKey, n));
  bytes.set(ownershipSignature(publicKey, owner.address, nonce), 6);
  return bytesToHex(bytes);
}

/** Right shape, random ownership signature: what a squatter copying a public key can produce. */
export function fakePayload(publicKey: Hex, n: number): Hex {
  const t = thresholdOf(n);
  const bytes = new Uint8Array(randomBytes(payloadLength(n)));
  bytes.set([0x43, 0x4b, 0x53, 0x01, n, t], 0);
  bytes.set(hexToBytes(publicKey), 102);
  return bytesToHex(bytes);
}

/** Copy of `payload` with byte `index` set to `value`. */
export function patchByte(payload: Hex, index: number, value: number): Hex {
  const bytes = hexToBytes(payload);
  bytes[index] = value;
  return bytesToHex(bytes);
}
