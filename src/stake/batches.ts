import { BaseError, ContractFunctionRevertedError } from "viem";

/**
 * A batch may take at most this share of a block (1/2): a transaction near the whole block gas limit is only included
 * in an otherwise empty block, which on a busy network can take long, and wallets may add their own margin.
 */
export const BLOCK_SHARE = 2n;

/** The largest estimate whose sent gas (`withHeadroom(estimate)`, what useTx sends) fits a batch's share of a block. */
export function batchGasCap(blockGasLimit: bigint, withHeadroom: (estimate: bigint) => bigint): bigint {
  const allowed = blockGasLimit / BLOCK_SHARE;
  // Binary search instead of inverting the formula, so the headroom rule keeps a single home (useTx).
  let lo = 0n;
  let hi = allowed;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (withHeadroom(mid) <= allowed) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

export class BatchTooLargeError extends Error {
  override name = "BatchTooLargeError";
}

/** A contract refusal names an error or gives a reason; an out-of-gas estimate does neither. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return revert instanceof ContractFunctionRevertedError && Boolean(revert.data?.errorName || revert.reason);
}

/**
 * The largest batch of at most `max` validators, trying `start` first, whose estimated gas is at most `cap`. Each size
 * is estimated on the chain. Gas grows about linearly with the batch (a BLS ownership check, a payload and an event per
 * validator over a fixed part), so the next size tried is in proportion to the room left, between the largest size
 * known to fit and the smallest known not to: a few estimates per batch. An estimate that fails without a contract
 * error (out of gas under the node's own cap) counts as not fitting and halves the size; a contract refusal is not
 * about size and is thrown at once.
 */
export async function fitBatch({
  max,
  start = max,
  cap,
  estimate,
}: {
  max: number;
  start?: number;
  cap: bigint;
  estimate: (size: number) => Promise<bigint>;
}): Promise<{ size: number; gas: bigint }> {
  let size = Math.max(1, Math.min(start, max));
  let fit: { size: number; gas: bigint } | undefined;
  let tooBig = max + 1;
  for (;;) {
    let gas: bigint | undefined;
    let failure: unknown;
    try {
      gas = await estimate(size);
    } catch (error) {
      if (isRefusal(error)) throw error;
      failure = error;
    }
    if (gas !== undefined && gas <= cap) {
      fit = { size, gas };
      if (size + 1 >= tooBig) return fit;
      size = Math.min(tooBig - 1, Math.max(size + 1, proportional(size, cap, gas)));
      continue;
    }
    tooBig = size;
    if (size === 1) {
      if (gas === undefined) throw failure;
      throw new BatchTooLargeError(
        `One validator's registration needs ${gas} gas, more than the ${cap} a transaction may use in this network's blocks; ask the network's operators to check the block gas limit.`,
      );
    }
    const floor = fit?.size ?? 0;
    if (fit && floor + 1 >= tooBig) return fit;
    const next = gas === undefined ? Math.ceil(size / 2) : proportional(size, cap, gas);
    size = Math.max(floor + 1, Math.min(tooBig - 1, next));
  }
}

const proportional = (size: number, cap: bigint, gas: bigint) => Number((BigInt(size) * cap) / gas);
