/**
 * Independent reference implementations on @noble/curves (pure, auditable JS), used only by tests to check the
 * production path (herumi's WASM) against a second implementation. Slow on purpose: clarity over speed.
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { ETH_BLS_DST } from "../src/index.js";

const L = bls12_381.longSignatures;
const Fr = bls12_381.fields.Fr;

export const bigintFromBytes = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex") || "0"}`);
export const bytesFromBigint = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));

export function nobleSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return L.Signature.toBytes(L.sign(L.hash(message, ETH_BLS_DST), secretKey));
}

export function nobleVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return L.verify(signature, L.hash(message, ETH_BLS_DST), publicKey);
}

export function noblePublicKey(secretKey: Uint8Array): Uint8Array {
  return L.getPublicKey(secretKey).toBytes();
}

/** λᵢ = Πⱼ≠ᵢ xⱼ / (xⱼ − xᵢ) at x = 0. */
export function lagrangeAtZero(indices: number[]): bigint[] {
  return indices.map((i) =>
    indices.reduce((acc, j) => (j === i ? acc : Fr.mul(acc, Fr.div(BigInt(j), Fr.sub(BigInt(j), BigInt(i))))), 1n),
  );
}

export function nobleCombine(partials: { index: number; signature: Uint8Array }[]): Uint8Array {
  const lambdas = lagrangeAtZero(partials.map((p) => p.index));
  const sum = partials
    .map((p, k) => L.Signature.fromBytes(p.signature).multiply(lambdas[k]!))
    .reduce((a, b) => a.add(b));
  return L.Signature.toBytes(sum);
}

/** Interpolates share secrets back to f(0): only tests may ever do this. */
export function nobleInterpolateSecret(shares: { index: number; secret: Uint8Array }[]): bigint {
  const lambdas = lagrangeAtZero(shares.map((s) => s.index));
  return shares.reduce((acc, s, k) => Fr.add(acc, Fr.mul(lambdas[k]!, bigintFromBytes(s.secret))), 0n);
}
