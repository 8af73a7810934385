/**
 * Node-only BLS through @chainsafe/blst (native code). Never imported by the sdk's root entry, so the browser
 * bundle does not pull it: import it as `@cohort/sdk/bls/native`.
 */
import * as blst from "@chainsafe/blst";
import { zeroize } from "../bytes.js";
import { InvalidArgumentError } from "../errors.js";
import type { SplitGroup } from "../shamir/split.js";
import type { BlsBackend } from "./backend.js";
import { SECRET_KEY_LENGTH } from "./constants.js";

function secretKey(bytes: Uint8Array): blst.SecretKey {
  if (bytes.length !== SECRET_KEY_LENGTH) throw new InvalidArgumentError("a BLS secret key is 32 bytes");
  try {
    return blst.SecretKey.fromBytes(bytes);
  } catch {
    throw new InvalidArgumentError("the BLS secret key is not a non-zero scalar below the curve order");
  }
}

function publicKeyOf(bytes: Uint8Array): Uint8Array {
  return secretKey(bytes).toPublicKey().toBytes();
}

/**
 * Feldman check Σⱼ Cⱼ·indexʲ = share public key, by Horner's rule: acc ← acc·index + Cⱼ. The binding has no
 * scalar multiplication, but multiplying by a small index is adding `index` copies, and one aggregation call
 * adds them all. An independent computation from the share's own public key, so a wrong share cannot pass.
 */
function shareMatchesCommitments(commitments: readonly Uint8Array[], index: number, sharePublicKey: Uint8Array) {
  if (commitments.length === 0 || !Number.isInteger(index) || index < 1 || index > 255) return false;
  try {
    const points = commitments.map((c) => blst.PublicKey.fromBytes(c, true));
    let acc = points[points.length - 1]!;
    for (let j = points.length - 2; j >= 0; j--) {
      acc = blst.aggregatePublicKeys([...Array<blst.PublicKey>(index).fill(acc), points[j]!]);
    }
    const expected = acc.toBytes();
    return expected.length === sharePublicKey.length && expected.every((b, i) => b === sharePublicKey[i]);
  } catch {
    return false;
  }
}

const splitGroup: SplitGroup = {
  publicKeyOf(secret) {
    const bytes = secret.serialize();
    try {
      return publicKeyOf(bytes);
    } finally {
      zeroize(bytes);
    }
  },
  shareMatchesCommitments: async (commitments, index, sharePublicKey) =>
    shareMatchesCommitments(commitments, index, sharePublicKey),
};

export const nativeBls: BlsBackend = {
  publicKeyOf: async (bytes) => publicKeyOf(bytes),
  sign: async (bytes, message) => secretKey(bytes).sign(message).toBytes(),
  splitGroup,
};
