import { type Address, bytesToHex, getAddress, hexToBytes } from "viem";
import { isValidPublicKey } from "../bls/engine.js";
import { equalBytes } from "../bytes.js";
import { assertCommittee } from "../committee/size.js";
import { CohortError } from "../errors.js";
import { verifyOwnership } from "../ownership/proof.js";
import { verifyShareAgainstCommitments } from "../shamir/split.js";
import type { ValidatorKeyshares } from "./file.js";
import { decodePayload, type KeysharesPayload } from "./payload.js";

/** A registration as the chain sees it: the transaction's arguments plus its payload. */
export interface Registration {
  publicKey: Uint8Array;
  owner: Address;
  nonce: bigint;
  chainId: bigint;
  registry: Address;
  operatorIds: readonly bigint[];
  payload: Uint8Array;
}

export class KeysharesVerificationError extends CohortError {
  override name = "KeysharesVerificationError";
}

/**
 * Every check that needs no secret: the payload's shape, C₀ = the validator key, each share public key against
 * the Feldman commitments, and the ownership proof for (chain, registry, owner, nonce). Operators run it before
 * touching their share; stakers run it before paying for a registration.
 */
export async function verifyRegistration(r: Registration): Promise<KeysharesPayload> {
  assertCommittee(r.operatorIds);
  const payload = decodePayload(r.payload);
  const fail = (code: string, message: string): never => {
    throw new KeysharesVerificationError(code, message);
  };
  if (payload.committeeSize !== r.operatorIds.length) {
    fail(
      "COMMITTEE_MISMATCH",
      `the payload is for ${payload.committeeSize} operators, the committee has ${r.operatorIds.length}`,
    );
  }
  if (!(await isValidPublicKey(r.publicKey))) fail("BAD_PUBLIC_KEY", "the validator public key is not a valid BLS key");
  if (!equalBytes(payload.commitments[0]!, r.publicKey)) {
    fail("COMMITMENT_MISMATCH", "the first commitment is not the validator public key");
  }
  for (let i = 0; i < payload.sharePublicKeys.length; i++) {
    if (!(await verifyShareAgainstCommitments(payload.commitments, i + 1, payload.sharePublicKeys[i]!))) {
      fail(
        "SHARE_KEY_MISMATCH",
        `share public key ${i + 1} (operator ${r.operatorIds[i]}) does not match the commitments`,
      );
    }
  }
  const context = { chainId: r.chainId, registry: getAddress(r.registry), owner: getAddress(r.owner), nonce: r.nonce };
  if (!(await verifyOwnership(r.publicKey, payload.ownershipSignature, context))) {
    fail(
      "BAD_OWNERSHIP_PROOF",
      "the proof of ownership is not signed by the validator key for this owner, nonce and chain",
    );
  }
  return payload;
}

/** The registration a keyshares file entry describes: what the chain will see once it is submitted. */
export function registrationOf(v: ValidatorKeyshares): Registration {
  return {
    publicKey: hexToBytes(v.publicKey),
    owner: v.owner,
    nonce: BigInt(v.nonce),
    chainId: BigInt(v.chainId),
    registry: v.registry,
    operatorIds: v.operatorIds.map(BigInt),
    payload: hexToBytes(v.payload),
  };
}

/** The file's fields must be exactly what its payload encodes, then the payload must verify. */
export async function verifyValidatorKeyshares(v: ValidatorKeyshares): Promise<KeysharesPayload> {
  const payload = await verifyRegistration(registrationOf(v));
  const same = (a: Uint8Array[], b: string[]) => a.length === b.length && a.every((x, i) => bytesToHex(x) === b[i]);
  const matches =
    payload.threshold === v.threshold &&
    bytesToHex(payload.ownershipSignature) === v.ownershipSignature &&
    same(payload.commitments, v.commitments) &&
    same(payload.sharePublicKeys, v.sharePublicKeys) &&
    same(
      payload.encryptedShares.map((e) => e.enc),
      v.encryptedShares.map((e) => e.enc),
    ) &&
    same(
      payload.encryptedShares.map((e) => e.ciphertext),
      v.encryptedShares.map((e) => e.ciphertext),
    );
  if (!matches) {
    throw new KeysharesVerificationError("PAYLOAD_FIELDS_MISMATCH", "the payload bytes do not match the file's fields");
  }
  return payload;
}
