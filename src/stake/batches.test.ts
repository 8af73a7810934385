import { cohortRegistryAbi } from "@cohort/sdk/abi/index";
import { BaseError, ContractFunctionRevertedError, encodeErrorResult } from "viem";
import { describe, expect, it } from "vitest";
import { withGasHeadroom } from "../tx/useTx";
import { BatchTooLargeError, batchGasCap, fitBatch } from "./batches";

/** Gas of a bulk registration of k validators: a fixed part plus a BLS ownership check, payload and event each. */
const linear = (k: number) => 60_000n + 480_000n * BigInt(k);

function fitsHalfABlock(gas: () => bigint, blockGasLimit: bigint): boolean {
  try {
    return withGasHeadroom(gas()) <= blockGasLimit / 2n;
  } catch {
    return false;
  }
}

/** Sizes every batch of `total` validators the way useBatchRegistration does, checking each against the block. */
async function plan(total: number, blockGasLimit: bigint, gasOf: (k: number) => bigint) {
  const cap = batchGasCap(blockGasLimit, withGasHeadroom);
  const sizes: number[] = [];
  const estimated: number[] = [];
  let left = total;
  let last = total;
  while (left > 0) {
    const { size, gas } = await fitBatch({
      max: left,
      start: last,
      cap,
      estimate: async (k) => {
        estimated.push(k);
        return gasOf(k);
      },
    });
    expect(gas).toBe(gasOf(size));
    // What useTx sends takes at most half a block, and one more validator would not have fit: batches are full.
    expect(withGasHeadroom(gas)).toBeLessThanOrEqual(blockGasLimit / 2n);
    if (size < left) expect(fitsHalfABlock(() => gasOf(size + 1), blockGasLimit)).toBe(false);
    sizes.push(size);
    left -= size;
    last = size;
  }
  return { sizes, estimated };
}

describe("batch sizes under the block gas limit", () => {
  it("the cap is the largest estimate whose sent gas fits half a block", () => {
    for (const limit of [30_000_000n, 36_000_000n, 1_234_567n, 2n]) {
      const cap = batchGasCap(limit, withGasHeadroom);
      expect(withGasHeadroom(cap)).toBeLessThanOrEqual(limit / 2n);
      expect(withGasHeadroom(cap + 1n)).toBeGreaterThan(limit / 2n);
    }
  });

  it("splits 100 validators into full batches that each fit a 30M-gas block", async () => {
    const { sizes } = await plan(100, 30_000_000n, linear);
    // cap 12M → 24 validators (11.58M); 25 would need 12.06M.
    expect(sizes).toEqual([24, 24, 24, 24, 4]);
  });

  it("sends everything at once when it fits, with one estimate", async () => {
    const { sizes, estimated } = await plan(3, 30_000_000n, linear);
    expect(sizes).toEqual([3]);
    expect(estimated).toEqual([3]);
  });

  it("follows a small block gas limit down to batches of two", async () => {
    // 2 validators = 1.02M gas → 1.275M sent ≤ 1.4M (half of 2.8M); 3 would send 1.875M.
    const { sizes } = await plan(5, 2_800_000n, linear);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it("still fills batches when gas grows faster than linearly", async () => {
    const { sizes } = await plan(60, 30_000_000n, (k) => linear(k) + 20_000n * BigInt(k * k));
    // 15 validators: 60k + 7.2M + 4.5M = 11.76M ≤ 12M; 16 would need 12.86M.
    expect(sizes).toEqual([15, 15, 15, 15]);
  });

  it("halves a batch whose estimate runs out of gas under the node's cap", async () => {
    const outOfGas = new BaseError("gas required exceeds allowance (30000000)");
    const { sizes } = await plan(40, 30_000_000n, (k) => {
      if (k > 8) throw outOfGas;
      return linear(k);
    });
    expect(sizes).toEqual([8, 8, 8, 8, 8]);
  });

  it("throws a contract refusal at once instead of shrinking", async () => {
    const data = encodeErrorResult({ abi: cohortRegistryAbi, errorName: "InvalidNonce", args: [5n, 7n] });
    const refusal = new ContractFunctionRevertedError({
      abi: cohortRegistryAbi,
      data,
      functionName: "bulkRegisterValidators",
    });
    const estimated: number[] = [];
    await expect(
      fitBatch({
        max: 10,
        cap: 12_000_000n,
        estimate: async (k) => {
          estimated.push(k);
          throw refusal;
        },
      }),
    ).rejects.toBe(refusal);
    expect(estimated).toEqual([10]);
  });

  it("says so when a single validator does not fit a block", async () => {
    await expect(fitBatch({ max: 3, cap: 400_000n, estimate: async (k) => linear(k) })).rejects.toThrow(
      new BatchTooLargeError(
        "One validator's registration needs 540000 gas, more than the 400000 a transaction may use in this network's blocks; ask the network's operators to check the block gas limit.",
      ),
    );
  });
});
