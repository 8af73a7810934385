/**
 * Where each validator the node serves has its blocks pay execution rewards: the one rule, for both kinds of
 * validator. A staker's validator pays what its owner chose in the registry (`setFeeRecipient`, followed from
 * FeeRecipientUpdated into ChainState), by default the owner. A mini-pool validator is not in the registry: it pays
 * the pool contract, which holds all pooled ETH and whose address its withdrawal credentials name.
 */
import { cohortMiniPoolsAbi } from "@cohort/sdk";
import { type Address, hexToBytes, type PublicClient } from "viem";
import type { ChainState } from "../store/chain-state.js";

export interface FeeRecipientSources {
  readonly registry: Pick<ChainState, "feeRecipientOf">;
  /** The pool contract and the keys of our mini-pool validators (hex, 0x-prefixed, lower case). */
  readonly miniPools?: { readonly pool: Address; readonly keys: ReadonlySet<string> };
}

/** A validator's fee recipient, or undefined for a key neither source knows. */
export function feeRecipientOf(sources: FeeRecipientSources, publicKey: Uint8Array): Address | undefined {
  if (sources.miniPools?.keys.has(hex(publicKey))) return sources.miniPools.pool;
  return sources.registry.feeRecipientOf(publicKey);
}

/** The fee recipients of `validators` (those either source knows), as the node stages them. */
export function feeRecipientsOf(
  sources: FeeRecipientSources,
  validators: readonly { readonly publicKey: Uint8Array }[],
): { publicKey: Uint8Array; feeRecipient: Uint8Array }[] {
  return validators.flatMap((v) => {
    const address = feeRecipientOf(sources, v.publicKey);
    return address ? [{ publicKey: v.publicKey, feeRecipient: hexToBytes(address) }] : [];
  });
}

/** The pool contract mini-pool validators pay: `CohortMiniPools.pool()` (immutable, read once). */
export async function miniPoolsPool(client: Pick<PublicClient, "readContract">, miniPools: Address): Promise<Address> {
  return client.readContract({ address: miniPools, abi: cohortMiniPoolsAbi, functionName: "pool" });
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
