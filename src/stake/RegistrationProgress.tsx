import { TxStatusLine } from "../tx/TxStatusLine";
import { Notice } from "../ui/Notice";
import { ProgressBar } from "../ui/ProgressBar";
import type { useBatchRegistration } from "./useBatchRegistration";

type Engine = ReturnType<typeof useBatchRegistration>;

/** Where a batched registration stands: batch i of n, validators on-chain so far, and a way on after a failure. */
export function RegistrationProgress({ engine, onResume }: { engine: Engine; onResume: () => void }) {
  const { progress, tx } = engine;
  const busy = progress.step === "checking" || progress.step === "approving" || progress.step === "registering";
  return (
    <div className="space-y-2">
      {progress.step === "checking" && (
        <p className="text-sm text-slate-600" aria-live="polite">
          Checking the keyshares against the chain…
        </p>
      )}
      {(progress.step === "approving" || progress.step === "registering") && (
        <div data-testid="batch-progress" className="space-y-1 text-sm text-slate-700" aria-live="polite">
          <p>
            {progress.step === "approving"
              ? "Approving the collateral for the registrations…"
              : progress.size === 0
                ? `Batch ${progress.batch}: sizing it to the block gas limit…`
                : `Batch ${progress.batch} of ${progress.batches}: ${progress.size} validator${progress.size === 1 ? "" : "s"}`}
          </p>
          <ProgressBar value={progress.done / progress.total} label="Validators registered" />
          <p className="text-xs text-slate-500">
            {progress.done} of {progress.total} validators on-chain
          </p>
        </div>
      )}
      {progress.step === "stopped" && (
        <Notice tone="error" title={`Batch ${progress.batch} of ${progress.batches} did not go through`}>
          <p data-testid="batch-stopped">
            {progress.done} of {progress.total} validators are on-chain. Resuming checks the chain again and registers
            the other {progress.total - progress.done} without registering any validator twice.
          </p>
          <button
            type="button"
            onClick={onResume}
            className="mt-2 rounded-md bg-teal-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-teal-800"
          >
            Resume
          </button>
        </Notice>
      )}
      {progress.step === "failed" && <Notice tone="error">{progress.message}</Notice>}
      {(busy || progress.step === "stopped") && (
        <TxStatusLine status={tx.status} wrongNetwork={tx.wrongNetwork} onSwitchNetwork={tx.switchNetwork} />
      )}
    </div>
  );
}
