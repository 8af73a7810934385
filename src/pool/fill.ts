/**
 * The pool's fill meter: free ETH counted toward the next validator, which needs (32 − bond) ETH from the pool.
 * Past one full validator, the meter shows how many are fundable and the remainder toward the next.
 */
export interface Fill {
  /** Validators the free ETH can fund now. */
  full: bigint;
  /** Wei toward the next one. */
  partial: bigint;
  /** partial / need, 0..1; 1 when at least one is fundable and nothing is left over. */
  fraction: number;
  need: bigint;
}

export function fillMeter(freeEth: bigint, need: bigint): Fill {
  if (need <= 0n) return { full: 0n, partial: 0n, fraction: 0, need };
  const full = freeEth / need;
  const partial = freeEth % need;
  // Basis points in integers first: wei amounts are beyond a double's exact range.
  const fraction = full > 0n && partial === 0n ? 1 : Number((partial * 10_000n) / need) / 10_000;
  return { full, partial, fraction, need };
}
