import { Link } from "react-router";
import { PrivateBadge, RemovedBadge, VerifiedBadge } from "./Badges";
import type { OperatorQuery, SortKey } from "./filter";
import { feePerYear, formatToken } from "./format";
import type { FeeToken, OperatorRow } from "./useOperators";

interface Props {
  rows: OperatorRow[];
  token: FeeToken | undefined;
  query: OperatorQuery;
  update: (patch: Partial<OperatorQuery>) => void;
}

function SortHeader({
  label,
  k,
  query,
  update,
  numeric,
}: { label: string; k: SortKey; numeric?: boolean } & Omit<Props, "rows" | "token">) {
  const active = query.sort === k;
  const next = active && query.dir === "asc" ? "desc" : "asc";
  return (
    <th
      scope="col"
      aria-sort={active ? (query.dir === "asc" ? "ascending" : "descending") : "none"}
      className={`px-4 py-3 font-medium ${numeric ? "text-right" : "text-left"}`}
    >
      <button
        type="button"
        onClick={() => update({ sort: k, dir: next })}
        className="inline-flex items-center gap-1 hover:text-slate-900"
      >
        {label}
        <span aria-hidden="true" className={active ? "text-teal-700" : "text-slate-300"}>
          {active && query.dir === "desc" ? "▼" : "▲"}
        </span>
      </button>
    </th>
  );
}

export function OperatorsTable({ rows, token, query, update }: Props) {
  const fmt = (v: bigint) => (token ? `${formatToken(v, token.decimals)} ${token.symbol}` : "…");
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-sm">
        <thead className="border-b border-slate-200 bg-slate-50 text-slate-600">
          <tr>
            <SortHeader label="ID" k="id" query={query} update={update} />
            <SortHeader label="Name" k="name" query={query} update={update} />
            <SortHeader label="Fee / block" k="fee" query={query} update={update} numeric />
            <th scope="col" className="px-4 py-3 text-right font-medium">
              Fee / year
            </th>
            <SortHeader label="Validators" k="validators" query={query} update={update} numeric />
            <th scope="col" className="px-4 py-3 text-right font-medium">
              Performance
            </th>
            <th scope="col" className="px-4 py-3 text-left font-medium">
              Access
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.length === 0 && (
            <tr>
              <td colSpan={7} className="px-4 py-8 text-center text-slate-500">
                No operator matches these filters.
              </td>
            </tr>
          )}
          {rows.map((op) => (
            <tr key={op.id.toString()} className="hover:bg-slate-50" data-testid="operator-row">
              <td className="px-4 py-3 tabular-nums text-slate-500">{op.id.toString()}</td>
              <td className="px-4 py-3">
                <span className="flex flex-wrap items-center gap-2">
                  <Link
                    to={`/operators/${op.id}`}
                    className="font-medium text-slate-900 hover:text-teal-700 hover:underline"
                  >
                    {op.name}
                  </Link>
                  {op.verified && <VerifiedBadge />}
                  {!op.active && <RemovedBadge />}
                </span>
              </td>
              <td className="px-4 py-3 text-right tabular-nums">{fmt(op.fee)}</td>
              <td className="px-4 py-3 text-right tabular-nums">{fmt(feePerYear(op.fee))}</td>
              <td className="px-4 py-3 text-right tabular-nums">{op.validatorCount}</td>
              <td className="px-4 py-3 text-right tabular-nums" data-testid="operator-performance">
                {op.performance ? (
                  <span title={`average participation over ${op.performance.reports} oracle report(s)`}>
                    {formatBps(op.performance.averageBps)}
                  </span>
                ) : (
                  <span className="text-slate-400" title="no oracle report names this operator yet">
                    —
                  </span>
                )}
              </td>
              <td className="px-4 py-3">
                {op.privateMode ? <PrivateBadge /> : <span className="text-slate-500">Public</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="border-t border-slate-100 px-4 py-2 text-xs text-slate-500">
        Fees are charged per validator per block; a year is counted as 2,629,800 blocks of 12 seconds. Performance is
        the average participation the pool oracle recorded for the operator's mini-pools.
      </p>
    </div>
  );
}

/** 9950 → "99.5%". */
const formatBps = (bps: number) => `${(bps / 100).toFixed(bps % 100 === 0 ? 0 : 1)}%`;
