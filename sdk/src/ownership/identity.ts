import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, encodePacked, getAddress, hexToBytes, keccak256 } from "viem";
import { InvalidArgumentError } from "../errors.js";

export const IDENTITY_TAG = "cohort/identity/v1";
export const IDENTITY_PROOF_LENGTH = 65;

export interface IdentityContext {
  chainId: bigint;
  registry: Address;
  /** The account that sends registerOperator (msg.sender) and will own the operator. */
  owner: Address;
}

/**
 * keccak256(abi.encodePacked("cohort/identity/v1", uint256 chainId, address registry, address owner)), the digest
 * CohortRegistry.registerOperator recovers the identity proof against. Binding the owner is what defeats squatting:
 * a proof copied from the mempool only registers the key for the account the node signed it for.
 */
export function identityProofDigest(context: IdentityContext): Uint8Array {
  return hexToBytes(
    keccak256(
      encodePacked(
        ["string", "uint256", "address", "address"],
        [IDENTITY_TAG, context.chainId, getAddress(context.registry), getAddress(context.owner)],
      ),
    ),
  );
}

/**
 * The identity key's proof of possession: a 65-byte secp256k1 signature r ‖ s ‖ v (v = 27 or 28, low s) over the raw
 * digest, as `ecrecover` takes it. Deterministic (RFC 6979), so the same key and context always give the same bytes.
 */
export function signIdentityProof(identitySecret: Uint8Array, context: IdentityContext): Uint8Array {
  if (identitySecret.length !== 32) throw new InvalidArgumentError("An identity secret key is 32 bytes.");
  const recovered = secp256k1.sign(identityProofDigest(context), identitySecret, {
    prehash: false,
    format: "recovered",
  });
  const proof = new Uint8Array(IDENTITY_PROOF_LENGTH);
  proof.set(recovered.subarray(1), 0);
  proof[64] = 27 + recovered[0]!;
  return proof;
}

/** True when `proof` is the identity key's signature for this context (what the registry checks on-chain). */
export function verifyIdentityProof(identityKey: Uint8Array, proof: Uint8Array, context: IdentityContext): boolean {
  if (proof.length !== IDENTITY_PROOF_LENGTH) return false;
  const v = proof[64]!;
  if (v !== 27 && v !== 28) return false;
  const recovered = new Uint8Array(IDENTITY_PROOF_LENGTH);
  recovered[0] = v - 27;
  recovered.set(proof.subarray(0, 64), 1);
  try {
    const point = secp256k1.recoverPublicKey(recovered, identityProofDigest(context), { prehash: false });
    const key = secp256k1.Point.fromBytes(identityKey);
    return secp256k1.Point.fromBytes(point).equals(key);
  } catch {
    return false;
  }
}
