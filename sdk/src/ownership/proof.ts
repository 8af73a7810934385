import { type Address, encodePacked, getAddress, hexToBytes, keccak256 } from "viem";
import { sign, verify } from "../bls/engine.js";

export const OWNERSHIP_TAG = "cohort/ownership/v1";

export interface OwnershipContext {
  chainId: bigint;
  registry: Address;
  owner: Address;
  nonce: bigint;
}

/**
 * keccak256(abi.encodePacked("cohort/ownership/v1", uint256 chainId, address registry, address owner, uint256 nonce)).
 * Binding chain, registry and the owner's nonce means a proof can neither be reused by another owner nor replayed.
 */
export function ownershipMessage(context: OwnershipContext): Uint8Array {
  return hexToBytes(
    keccak256(
      encodePacked(
        ["string", "uint256", "address", "address", "uint256"],
        [OWNERSHIP_TAG, context.chainId, getAddress(context.registry), getAddress(context.owner), context.nonce],
      ),
    ),
  );
}

export function signOwnership(validatorSecretKey: Uint8Array, context: OwnershipContext): Promise<Uint8Array> {
  return sign(validatorSecretKey, ownershipMessage(context));
}

export function verifyOwnership(
  validatorPublicKey: Uint8Array,
  signature: Uint8Array,
  context: OwnershipContext,
): Promise<boolean> {
  return verify(validatorPublicKey, ownershipMessage(context), signature);
}
