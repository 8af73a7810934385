import { useOperators } from "../operators/useOperators";
import { secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { cohortMiniPoolsAbi, poolContracts } from "./contracts";
import { confirmedMembers, STATE_LABEL } from "./miniPool";
import type { MiniPool } from "./usePool";

const TONE: Record<MiniPool["state"], string> = {
  AwaitingDkg: "bg-slate-100 text-slate-700 ring-slate-200",
  Ready: "bg-amber-50 text-amber-900 ring-amber-200",
  Active: "bg-teal-50 text-teal-800 ring-teal-100",
  Failed: "bg-red-50 text-red-800 ring-red-200",
  Exited: "bg-slate-100 text-slate-600 ring-slate-200",
  Cancelled: "bg-slate-100 text-slate-600 ring-slate-200",
  PendingVerification: "bg-sky-50 text-sky-900 ring-sky-200",
  Exiting: "bg-amber-50 text-amber-900 ring-amber-200",
};

export function StateBadge({ state }: { state: MiniPool["state"] }) {
  return (
    <span
      className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${TONE[state]}`}
      data-testid="mini-pool-state"
    >
      {STATE_LABEL[state]}
    </span>
  );
}

/** Mini-pools, the ready ones first in funding order; anyone may fund the oldest once the pool holds enough. */
export function MiniPoolQueue({
  miniPools,
  readyQueue,
  fundable,
}: {
  miniPools: MiniPool[];
  readyQueue: bigint[];
  fundable: boolean;
}) {
  const operators = useOperators();
  const tx = useTx();
  const nameOf = (id: bigint) => operators.data?.find((o) => o.id === id)?.name ?? `Operator ${id}`;
  const position = (id: bigint) => readyQueue.indexOf(id);
  const ordered = [
    ...readyQueue.map((id) => miniPools.find((m) => m.id === id)).filter((m): m is MiniPool => Boolean(m)),
    ...miniPools.filter((m) => position(m.id) < 0),
  ];
  if (ordered.length === 0) {
    return (
      <p className="text-sm text-slate-500">
        No mini-pools yet. An operator starts one by bonding 4 ETH on the Initiator page.
      </p>
    );
  }
  const fund = () =>
    tx.run([
      {
        label: "Fund next validator",
        address: poolContracts()!.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "fundNext",
        args: [],
      },
    ]);
  return (
    <div className="grid gap-2">
      {readyQueue.length > 0 && (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <span>
            {readyQueue.length} mini-pool{readyQueue.length === 1 ? "" : "s"} ready, waiting for ETH.
          </span>
          <button type="button" className={secondaryButtonClass} disabled={!fundable || tx.busy} onClick={fund}>
            Fund the next validator
          </button>
          {!fundable && <span className="text-xs text-slate-500">The pool needs more free ETH first.</span>}
        </div>
      )}
      <TxStatusLine status={tx.status} success="Funded: the validator's 32 ETH went to the deposit contract." />
      <table className="w-full text-left text-sm">
        <thead className="text-xs text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-medium">#</th>
            <th className="py-1 pr-3 font-medium">Committee</th>
            <th className="py-1 pr-3 font-medium">State</th>
            <th className="py-1 font-medium">DKG confirmations</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {ordered.map((m) => (
            <tr key={m.id.toString()} data-testid="mini-pool-row" data-id={m.id.toString()}>
              <td className="py-2 pr-3 tabular-nums">
                {m.id.toString()}
                {position(m.id) >= 0 && (
                  <span className="ml-1 text-xs text-slate-500">(queue {position(m.id) + 1})</span>
                )}
              </td>
              <td className="py-2 pr-3">{m.operatorIds.map(nameOf).join(", ")}</td>
              <td className="py-2 pr-3">
                <StateBadge state={m.state} />
              </td>
              <td className="py-2 tabular-nums">
                {confirmedMembers(m.operatorIds, m.confirmations).filter((x) => x.confirmed).length}/4
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
