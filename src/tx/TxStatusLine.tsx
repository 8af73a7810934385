import type { TxStatus } from "./useTx";

/** Progress and outcome of a useTx flow, announced to screen readers; errors say what to do next. */
export function TxStatusLine(props: {
  status: TxStatus;
  success?: string;
  wrongNetwork?: boolean;
  onSwitchNetwork?: () => void;
}) {
  // The page-level banner covers the idle case; here only once the user tried to submit.
  if (!props.wrongNetwork || props.status.state === "idle") {
    return <StatusLine status={props.status} success={props.success} />;
  }
  // Both: the way out (switch) and, if the switch itself failed, why.
  return (
    <>
      <p role="alert" className="mt-2 text-sm text-amber-900">
        Your wallet is on another network.{" "}
        <button type="button" className="font-medium underline" onClick={props.onSwitchNetwork}>
          Switch network
        </button>
      </p>
      <StatusLine status={props.status} success={props.success} />
    </>
  );
}

function StatusLine({ status, success }: { status: TxStatus; success?: string | undefined }) {
  switch (status.state) {
    case "idle":
      return null;
    case "pending":
      return (
        <p aria-live="polite" className="mt-2 text-sm text-slate-600" data-testid="tx-status">
          {status.steps > 1 && `Step ${status.step} of ${status.steps}: `}
          {status.label} — {status.phase === "wallet" ? "confirm in your wallet…" : "waiting for the block…"}
        </p>
      );
    case "success":
      return (
        <p aria-live="polite" className="mt-2 text-sm text-teal-800" data-testid="tx-status">
          {success ?? "Done."}
        </p>
      );
    case "error":
      return (
        <p role="alert" className="mt-2 text-sm text-red-700" data-testid="tx-error" data-error={status.error.code}>
          {status.error.message}
        </p>
      );
  }
}
