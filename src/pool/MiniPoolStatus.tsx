import { secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { cohortMiniPoolsAbi, poolContracts } from "./contracts";
import { formatEth } from "./format";
import { ClaimBondButton, RequestExitButton } from "./MiniPoolExit";
import { StateBadge } from "./MiniPoolQueue";
import { confirmedMembers, type MiniPoolStateName } from "./miniPool";
import { type MiniPool, useDkgEvents } from "./usePool";

/** After the fourth confirmation 1 ETH of the bond is on the beacon chain for the key: a cancel cannot return it. */
const preDeposited = (state: MiniPoolStateName) => state === "PendingVerification" || state === "Ready";

/** The states `cancelMiniPool` accepts: anything before the pool's ETH is deposited. */
const cancellable = (state: MiniPoolStateName) => state === "AwaitingDkg" || state === "Failed" || preDeposited(state);

/**
 * One mini-pool from its initiator's side: DKG confirmations per member for the current attempt, what went wrong
 * if it failed, the retry and cancel actions, and where it stands for funding.
 */
export function MiniPoolStatus({
  miniPool: m,
  nameOf,
  queuePosition,
  freeEth,
  need,
}: {
  miniPool: MiniPool;
  nameOf: (id: bigint) => string;
  queuePosition: number;
  freeEth: bigint | undefined;
  need: bigint;
}) {
  const events = useDkgEvents(m.id);
  const tx = useTx();
  const members = confirmedMembers(m.operatorIds, m.confirmations);
  const confirmed = members.filter((x) => x.confirmed).length;
  const problems = (events.data ?? []).filter((e) => e.kind === "conflict" || e.kind === "failed");
  const act = (label: string, functionName: "retryDkg" | "cancelMiniPool") =>
    tx.run([{ label, address: poolContracts()!.miniPools, abi: cohortMiniPoolsAbi, functionName, args: [m.id] }]);

  return (
    <article
      className="rounded-lg border border-slate-200 bg-white p-5"
      data-testid="my-mini-pool"
      data-id={m.id.toString()}
    >
      <header className="mb-3 flex flex-wrap items-center gap-2">
        <h3 className="text-base font-semibold text-slate-900">Mini-pool {m.id.toString()}</h3>
        <StateBadge state={m.state} />
        {m.attempt > 0 && <span className="text-xs text-slate-500">DKG attempt {m.attempt + 1}</span>}
        <span className="text-xs text-slate-500">bond {formatEth(m.bond)} ETH</span>
        {m.state === "Exited" && (
          <span className="text-xs text-slate-700" data-testid="bond-status">
            {m.bondReturned ? "bond returned" : `${formatEth(m.initiatorHeld)} ETH to claim back`}
          </span>
        )}
      </header>
      {(m.state === "AwaitingDkg" || m.state === "Failed") && (
        <>
          <p className="text-sm text-slate-700" data-testid="dkg-progress">
            {confirmed}/4 confirmations
          </p>
          <ul className="mt-2 grid gap-1 text-sm sm:grid-cols-2">
            {members.map((x) => (
              <li key={x.id.toString()} data-testid="dkg-member" data-confirmed={x.confirmed}>
                <span className={x.confirmed ? "text-teal-800" : "text-slate-500"}>{x.confirmed ? "✓" : "○"}</span>{" "}
                {nameOf(x.id)} {x.confirmed ? "confirmed" : "waiting"}
              </li>
            ))}
          </ul>
        </>
      )}
      {problems.length > 0 && (
        <ul className="mt-3 grid gap-1 text-sm text-red-800" data-testid="dkg-problems">
          {problems.map((p) => (
            <li key={`${p.block}-${p.order}`}>
              {p.kind === "conflict"
                ? `${nameOf(p.operatorId)} confirmed a different result than an earlier member: the attempt failed.`
                : p.kind === "failed"
                  ? `${nameOf(p.reporter)} reported the DKG failed${p.culprits.length ? `, blaming ${p.culprits.map(nameOf).join(", ")}` : ""}.`
                  : null}
            </li>
          ))}
        </ul>
      )}
      {m.state === "PendingVerification" && (
        <p className="text-sm text-slate-700" data-testid="verification-note">
          DKG confirmed by all four and 1 ETH of the bond pre-deposited for the key. The pool's ETH follows once
          operators outside this committee have seen the key on the beacon chain with the pool's withdrawal credentials.
        </p>
      )}
      {m.state === "Ready" && (
        <p className="text-sm text-slate-700">
          DKG confirmed by all four. In the funding queue at position {queuePosition + 1}; the pool has{" "}
          {freeEth === undefined ? "…" : formatEth(freeEth)} of the {formatEth(need)} ETH a validator needs.
        </p>
      )}
      {(m.state === "Active" || m.state === "Exiting") && (
        <p className="text-sm text-slate-700">
          Funded with 32 ETH. Validator <code className="break-all text-xs">{m.validatorPubkey}</code>
        </p>
      )}
      {/* Kept mounted after the state moves on, so the flow's success line stays visible. */}
      {(m.state === "Active" || m.state === "Exiting") && <RequestExitButton miniPool={m} />}
      {m.state === "Exiting" && (
        <p className="mt-2 text-sm text-slate-700" data-testid="exit-note">
          Exit requested. Your bond and earnings can be claimed once an oracle report shows the balance withdrawn.
        </p>
      )}
      {m.state === "Exited" && <ClaimBondButton miniPool={m} />}
      {cancellable(m.state) && (
        <div className="mt-3 flex flex-wrap gap-2">
          {m.state === "Failed" && (
            <button
              type="button"
              className={secondaryButtonClass}
              disabled={tx.busy}
              onClick={() => act("Retry DKG", "retryDkg")}
            >
              Retry DKG
            </button>
          )}
          <button
            type="button"
            className={secondaryButtonClass}
            disabled={tx.busy}
            onClick={() => act("Cancel mini-pool", "cancelMiniPool")}
          >
            {preDeposited(m.state)
              ? "Cancel and refund the bond less the 1 ETH pre-deposit"
              : "Cancel and refund the bond"}
          </button>
        </div>
      )}
      <TxStatusLine
        status={tx.status}
        success="Done."
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </article>
  );
}
