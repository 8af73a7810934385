/** The exchange rate over time, from `ExchangeRateUpdated(epoch, totalAssets, totalShares)` logs. */
export interface RatePoint {
  epoch: bigint;
  /** ETH per cETH as a float, for drawing only (amounts are shown from the exact bigint values). */
  rate: number;
}

const WAD = 10n ** 18n;

/** ETH per share at 1e-18 precision (assets × 1e18 / shares), 1 for an empty pool as the contract reports. */
export function rateOf(totalAssets: bigint, totalShares: bigint): number {
  if (totalShares === 0n) return 1;
  return Number((totalAssets * WAD) / totalShares) / 1e18;
}

/** Points in epoch order; a later log for the same epoch replaces the earlier one. */
export function ratePoints(logs: { epoch: bigint; totalAssets: bigint; totalShares: bigint }[]): RatePoint[] {
  const byEpoch = new Map<bigint, RatePoint>();
  for (const l of logs) byEpoch.set(l.epoch, { epoch: l.epoch, rate: rateOf(l.totalAssets, l.totalShares) });
  return [...byEpoch.values()].sort((a, b) => (a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0));
}

/**
 * An SVG polyline for the points in a `width` × `height` box with `pad` inside. The y range spans at least ±0.1%
 * around the points so a flat history draws as a flat line, not as noise blown up to the full height.
 */
export function chartPath(points: RatePoint[], width: number, height: number, pad = 4): string {
  if (points.length === 0) return "";
  const rates = points.map((p) => p.rate);
  let lo = Math.min(...rates);
  let hi = Math.max(...rates);
  const minSpan = Math.max(hi, 1) * 0.002;
  if (hi - lo < minSpan) {
    const mid = (hi + lo) / 2;
    lo = mid - minSpan / 2;
    hi = mid + minSpan / 2;
  }
  const x = (i: number) => (points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1));
  const y = (r: number) => height - pad - ((r - lo) / (hi - lo)) * (height - 2 * pad);
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.rate).toFixed(1)}`).join(" ");
}
