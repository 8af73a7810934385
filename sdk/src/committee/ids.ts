/**
 * Four different things are called a "committee id"; each has its own name here and is defined nowhere else.
 *
 * - `registryCommitteeId(owner, ids)`: the registry's account key, keccak256(abi.encodePacked(owner, uint64[] ids))
 *   (CohortRegistry.committeeId). One operator set has one account per owner.
 * - `consensusCommitteeId(identityKeys)`: sha256 of the members' identity keys in share order; the 32 bytes every
 *   consensus instance id starts with, so votes of one committee never count in another.
 * - `operatorSetKey(ids)`: "1-2-3-4", the operator set as a readable map key (a node's committee plan, the dapp's
 *   grouping). Owner-independent: two owners with the same operators share it.
 */
import { type Address, encodePacked, type Hex, keccak256, sha256 } from "viem";
import { InvalidArgumentError } from "../errors.js";

const ascending = (ids: readonly bigint[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The registry's committee account id for `owner`, exactly as CohortRegistry.committeeId computes it. */
export function registryCommitteeId(owner: Address, operatorIds: readonly bigint[]): Hex {
  return keccak256(encodePacked(["address", "uint64[]"], [owner, [...operatorIds]]));
}

/** The operator set as "1-2-3-4" (ids ascending, whatever order they come in). */
export function operatorSetKey(operatorIds: readonly bigint[]): string {
  return ascending(operatorIds).join("-");
}

/** The 32-byte id consensus instances carry: sha256(identityKey[0] ‖ … ‖ identityKey[n−1]), members in share order. */
export function consensusCommitteeId(identityKeys: readonly Uint8Array[]): Uint8Array {
  if (identityKeys.length === 0)
    throw new InvalidArgumentError("a consensus committee needs its members' identity keys");
  const all = new Uint8Array(identityKeys.reduce((sum, k) => sum + k.length, 0));
  let at = 0;
  for (const key of identityKeys) {
    all.set(key, at);
    at += key.length;
  }
  return sha256(all, "bytes");
}
