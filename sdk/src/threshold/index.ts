import { sign, verify } from "../bls/engine.js";

export { CombineError, type CombineOptions, combinePartialSignatures, type PartialSignature } from "./combine.js";

/** σᵢ = skᵢ·H(m) with the Ethereum DST: a partial signature is an ordinary BLS signature by the share key. */
export function partialSign(shareSecret: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  return sign(shareSecret, message);
}

export function verifyPartial(sharePublicKey: Uint8Array, message: Uint8Array, partial: Uint8Array): Promise<boolean> {
  return verify(sharePublicKey, message, partial);
}
