import { hexToBytes } from "viem";
import { zeroize } from "../bytes.js";
import { shareIndexOfOperator } from "../committee/size.js";
import { decryptShare } from "../encryption/hpke.js";
import { verifySecretShare } from "../shamir/split.js";
import { KeysharesVerificationError, type Registration, verifyRegistration } from "./verify.js";

export interface OpenedShare {
  /** 1-based share index of this operator. */
  index: number;
  /** 32-byte share secret: keep it encrypted at rest and zeroize the plain copy after use. */
  secret: Uint8Array;
  sharePublicKey: Uint8Array;
  threshold: number;
  /** Every share public key of the committee, in share-index order (to verify peers' partial signatures). */
  sharePublicKeys: Uint8Array[];
}

/**
 * An operator's view of a registration: verify it, decrypt its own share, and prove that share against the
 * commitments. Any failure is a typed error and no secret is returned, so a node can log the reason and move on.
 */
export async function openShare(
  registration: Registration,
  operatorId: bigint,
  encryptionSecretKey: Uint8Array,
): Promise<OpenedShare> {
  const payload = await verifyRegistration(registration);
  const index = shareIndexOfOperator(registration.operatorIds, operatorId);
  const secret = await decryptShare(encryptionSecretKey, payload.encryptedShares[index - 1]!, {
    chainId: registration.chainId,
    registry: hexToBytes(registration.registry),
    validatorPublicKey: registration.publicKey,
    operatorId,
  });
  const sharePublicKey = payload.sharePublicKeys[index - 1]!;
  if (!(await verifySecretShare(payload.commitments, index, secret, sharePublicKey))) {
    zeroize(secret);
    throw new KeysharesVerificationError(
      "SHARE_MISMATCH",
      `the decrypted share ${index} does not match its public key`,
    );
  }
  return { index, secret, sharePublicKey, threshold: payload.threshold, sharePublicKeys: payload.sharePublicKeys };
}
