import { chartPath, type RatePoint } from "./rateHistory";

const W = 480;
const H = 120;

/** The exchange rate per accepted oracle epoch: a plain SVG line, no chart library for one series. */
export function RateChart({ points }: { points: RatePoint[] }) {
  if (points.length === 0) {
    return (
      <p className="text-sm text-slate-500" data-testid="rate-history-empty">
        No oracle report accepted yet: the rate stays 1 cETH = 1 ETH until the first one.
      </p>
    );
  }
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return (
    <figure data-testid="rate-chart" data-points={points.length}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="h-32 w-full rounded-md bg-slate-50"
        role="img"
        aria-label="Exchange rate history"
      >
        <path d={chartPath(points, W, H)} fill="none" stroke="currentColor" strokeWidth="2" className="text-teal-700" />
        {points.length === 1 && <circle cx={W / 2} cy={H / 2} r="3" className="fill-teal-700" />}
      </svg>
      <figcaption className="mt-1 flex justify-between text-xs text-slate-500 tabular-nums">
        <span>
          epoch {first.epoch.toString()}: {first.rate.toFixed(6)}
        </span>
        <span>
          epoch {last.epoch.toString()}: {last.rate.toFixed(6)} ETH per cETH
        </span>
      </figcaption>
    </figure>
  );
}
