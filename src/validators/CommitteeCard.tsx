import { Link } from "react-router";
import { feePerYear } from "../operators/format";
import { useBlocksPerDay } from "../tx/useChainClock";
import { useTokenFormat } from "../tx/useTokenFormat";
import { FundForm } from "./FundForm";
import { marginBlocks, RUNWAY_MARGIN_DAYS, roughDuration, runwayWarning } from "./runway";
import type { BeaconView } from "./useBeaconValidators";
import { type MyCommittee, runwayDays } from "./useMyValidators";
import { useRunwayTopUp } from "./useRunwayTopUp";
import { ValidatorItem } from "./ValidatorItem";
import { WithdrawForm } from "./WithdrawForm";

function days(d: number | null): string {
  if (d === null) return "no fees are charged";
  if (d >= 100) return `${Math.floor(d).toLocaleString("en-US")} days`;
  return `${d.toFixed(1)} days`;
}

/** A committee account: who serves it, what it holds, how long that lasts, and the owner's validators in it. */
export function CommitteeCard({ committee: c, beacon }: { committee: MyCommittee; beacon: BeaconView }) {
  const { fmt } = useTokenFormat();
  const perDay = useBlocksPerDay();
  const bpd = perDay.data?.blocksPerDay;
  const runway = bpd ? runwayDays(c.balance, c.burnPerBlock, bpd) : undefined;
  // Days until the registry's liquidation block, the point where anyone may liquidate (null: never).
  const safe =
    bpd && c.active
      ? c.liquidationBlock === null
        ? null
        : Number(c.liquidationBlock - c.atBlock) / Number(bpd)
      : undefined;
  const liquidated = !c.active && c.validatorCount > 0;
  const empty = c.validatorCount === 0;
  const liquidatable = c.active && !empty && c.liquidationBlock !== null && c.liquidationBlock <= c.atBlock;
  const margin = bpd ? marginBlocks(bpd) : null;
  const warning = margin === null ? null : runwayWarning(c, margin);
  const topUp = useRunwayTopUp(c.owner, c.operatorIds, warning ? margin : null);

  return (
    <article
      className="rounded-lg border border-slate-200 bg-white p-5"
      data-testid="committee"
      data-operator-ids={c.operatorIds.join(",")}
    >
      <header className="mb-3 flex flex-wrap items-center gap-2">
        <h2 className="text-base font-semibold text-slate-900">
          Committee{" "}
          {c.operators.map((op, i) => (
            <span key={op.id.toString()}>
              {i > 0 && ", "}
              <Link to={`/operators/${op.id}`} className="text-teal-800 hover:underline">
                {op.name}
              </Link>
            </span>
          ))}
        </h2>
        {empty ? (
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600 ring-1 ring-slate-200">
            Empty
          </span>
        ) : liquidated ? (
          <span className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800 ring-1 ring-red-200">
            Liquidated
          </span>
        ) : liquidatable ? (
          <span className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-900 ring-1 ring-amber-200">
            Below threshold: can be liquidated
          </span>
        ) : (
          <span className="rounded-full bg-teal-50 px-2 py-0.5 text-xs font-medium text-teal-800 ring-1 ring-teal-100">
            Active
          </span>
        )}
      </header>
      <dl className="mb-4 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <div>
          <dt className="text-slate-500">Balance</dt>
          <dd className="font-medium tabular-nums" data-testid="committee-balance">
            {fmt(c.balance)}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">
            {liquidated ? "Fees once reactivated" : "Fees"} for {c.validatorCount} validator
            {c.validatorCount === 1 ? "" : "s"}
          </dt>
          <dd className="tabular-nums" data-testid="committee-burn">
            {fmt(c.burnPerBlock)} / block · {fmt(feePerYear(c.burnPerBlock))} / year
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Runway</dt>
          <dd className="font-medium tabular-nums" data-testid="committee-runway">
            {liquidated ? "stopped (liquidated)" : runway === undefined ? "…" : days(runway)}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Liquidation threshold</dt>
          <dd className="tabular-nums">
            {empty ? "none (no validators)" : fmt(c.requiredCollateral)}
            {empty ? null : liquidatable ? (
              <> · reached: anyone may liquidate it now; top up</>
            ) : (
              safe !== undefined && safe !== null && <> · reached in {days(safe)}</>
            )}
          </dd>
        </div>
      </dl>
      <p className="mb-4 text-xs text-slate-500">
        Runway = balance ÷ ((Σ operator fees + network fee) × validators) per block, at{" "}
        {bpd ? `${bpd.toLocaleString("en-US")} blocks a day` : "…"}
        {perDay.data?.measured ? ` (measured on this chain: ${perDay.data.secondsPerBlock.toFixed(1)} s a block)` : ""}.
        Operator fees: {c.operators.map((op) => `${op.name} ${fmt(op.fee)}`).join(", ")} per block.
      </p>
      {warning && (
        <div
          role="alert"
          className="mb-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900"
          data-testid="runway-warning"
        >
          <p className="font-semibold">
            {warning.liquidatableNow
              ? "Fee balance below the liquidation threshold: anyone may liquidate this committee now"
              : `Fee balance runs low: anyone may liquidate this committee in about ${roughDuration(Number(warning.blocksLeft) / Number(bpd))} (${warning.blocksLeft.toLocaleString("en-US")} blocks)`}
          </p>
          <p className="mt-1">
            If it is liquidated, its operators stop serving these validators and they miss duties.{" "}
            {topUp.data === undefined ? (
              "Reading the amount to top up…"
            ) : (
              <>
                Top up at least <strong data-testid="runway-top-up">{fmt(topUp.data)}</strong> (filled in below) to stay{" "}
                {RUNWAY_MARGIN_DAYS.toString()} days of fees above the threshold at today's fees.
              </>
            )}
          </p>
        </div>
      )}
      {liquidated && (
        <p className="mb-3 text-sm text-red-800">
          Its operators stopped serving these validators when the balance ran low, so they are missing duties.
          Reactivate with a deposit to resume, or remove them.
        </p>
      )}
      {liquidated ? (
        // Keyed by mode so the reactivation's outcome line does not carry over into the top-up form that replaces it.
        <FundForm key="reactivate" operatorIds={c.operatorIds} mode="reactivate" suggested={c.topUp} />
      ) : empty ? (
        <WithdrawForm operatorIds={c.operatorIds} available={c.balance} />
      ) : (
        <div className="grid gap-4 lg:grid-cols-2">
          <FundForm
            key="deposit"
            operatorIds={c.operatorIds}
            mode="deposit"
            suggested={warning ? topUp.data : undefined}
          />
          <WithdrawForm
            operatorIds={c.operatorIds}
            available={c.balance > c.requiredCollateral ? c.balance - c.requiredCollateral : 0n}
          />
        </div>
      )}
      {empty ? (
        <p className="mt-4 text-sm text-slate-600">
          No validators left in this committee (removed or moved). Withdraw its balance to your wallet.
        </p>
      ) : (
        <>
          <h3 className="mt-5 text-sm font-semibold text-slate-700">Validators</h3>
          <ul className="divide-y divide-slate-100">
            {c.validators.map((v) => (
              <ValidatorItem key={v.publicKey} validator={v} operators={c.operators} beacon={beacon} />
            ))}
          </ul>
        </>
      )}
    </article>
  );
}
