import { COMMITTEE_SIZES, thresholdOf } from "@cohort/sdk/committee/size";
import { VerifiedBadge } from "../operators/Badges";
import { feePerYear, formatToken } from "../operators/format";
import type { FeeToken, OperatorRow } from "../operators/useOperators";

interface Props {
  operators: OperatorRow[];
  token: FeeToken | undefined;
  size: number;
  onSize: (n: number) => void;
  selected: bigint[];
  onSelected: (ids: bigint[]) => void;
}

/**
 * Choose n = 3f+1 operators. Removed operators are not offered; private ones are shown but cannot be chosen here
 * (the allow-list check per owner is not built into this picker yet).
 */
export function CommitteePicker({ operators, token, size, onSize, selected, onSelected }: Props) {
  const choosable = operators.filter((o) => o.active);
  const toggle = (id: bigint, on: boolean) =>
    onSelected(on ? [...selected, id].sort((a, b) => (a < b ? -1 : 1)) : selected.filter((x) => x !== id));
  const fmt = (v: bigint) => (token ? `${formatToken(v, token.decimals)} ${token.symbol}` : "…");
  const total = operators.filter((o) => selected.includes(o.id)).reduce((sum, o) => sum + o.fee, 0n);
  return (
    <div>
      <div className="mb-3 flex flex-wrap items-center gap-4">
        <label className="text-sm font-medium text-slate-700" htmlFor="committee-size">
          Committee size
        </label>
        <select
          id="committee-size"
          value={size}
          onChange={(e) => {
            onSize(Number(e.target.value));
            onSelected([]);
          }}
          className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
        >
          {COMMITTEE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n} operators ({thresholdOf(n)} must sign)
            </option>
          ))}
        </select>
        <span className="text-sm text-slate-500" aria-live="polite" data-testid="committee-count">
          {selected.length} of {size} chosen · operator fees {fmt(feePerYear(total))} per validator per year
        </span>
      </div>
      <ul
        aria-label="Operators to choose from"
        className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white"
      >
        {choosable.map((op) => {
          const checked = selected.includes(op.id);
          const full = !checked && selected.length >= size;
          const disabled = op.privateMode || full;
          return (
            <li key={op.id.toString()} className="flex items-center gap-3 px-4 py-2.5">
              <input
                id={`pick-${op.id}`}
                type="checkbox"
                className="h-4 w-4 accent-teal-700"
                checked={checked}
                disabled={disabled}
                onChange={(e) => toggle(op.id, e.target.checked)}
              />
              <label htmlFor={`pick-${op.id}`} className="flex flex-1 flex-wrap items-center gap-2 text-sm">
                <span className="tabular-nums text-slate-400">#{op.id.toString()}</span>
                <span className="font-medium text-slate-900">{op.name}</span>
                {op.verified && <VerifiedBadge />}
                {op.privateMode && <span className="text-xs text-amber-800">private: allow-listed owners only</span>}
              </label>
              <span className="text-sm tabular-nums text-slate-600">{fmt(feePerYear(op.fee))} / year</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
