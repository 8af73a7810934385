import { formatUnits } from "viem";

/** Average post-merge slot time; fees are charged per block, so a year is ~2.63 M blocks. */
export const BLOCKS_PER_YEAR = 2_629_800n; // 365.25 d × 86 400 s / 12 s

export function feePerYear(feePerBlock: bigint): bigint {
  return feePerBlock * BLOCKS_PER_YEAR;
}

/**
 * A token amount for people: 4 significant digits below 1 (per-block fees are tiny), 4 decimals above, rounded,
 * never in exponent notation. Display only; never feed it back into a transaction.
 */
export function formatToken(amount: bigint, decimals: number): string {
  const value = Number(formatUnits(amount, decimals));
  const options: Intl.NumberFormatOptions =
    value !== 0 && Math.abs(value) < 1
      ? { maximumSignificantDigits: 4, maximumFractionDigits: 20 }
      : { maximumFractionDigits: 4 };
  return new Intl.NumberFormat("en-US", options).format(value);
}

export function shortHex(hex: string, chars = 6): string {
  return hex.length <= 2 + chars * 2 ? hex : `${hex.slice(0, 2 + chars)}…${hex.slice(-chars)}`;
}
