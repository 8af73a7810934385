import {
  type BeaconChain,
  type BeaconValidator,
  balanceChange,
  type ExitStage,
  exitStage,
  formatGweiAsEth,
  formatGweiChange,
  type ValidatorPhase,
} from "./beaconStatus";
import { bareKey } from "./nodeStatus";
import type { BeaconReading, BeaconView } from "./useBeaconValidators";

const tones = {
  ok: "bg-teal-50 text-teal-800 ring-teal-100",
  warn: "bg-amber-50 text-amber-900 ring-amber-200",
  bad: "bg-red-50 text-red-800 ring-red-200",
  idle: "bg-slate-100 text-slate-600 ring-slate-200",
} as const;

const PHASES: Record<ValidatorPhase, { tone: keyof typeof tones; label: string }> = {
  pending: { tone: "idle", label: "Pending" },
  active: { tone: "ok", label: "Active" },
  exiting: { tone: "warn", label: "Exiting" },
  exited: { tone: "idle", label: "Exited" },
  slashed: { tone: "bad", label: "Slashed" },
};

/** The beacon-chain record of one validator, or null when the view has none to show. */
export function beaconRecord(
  view: BeaconView,
  publicKey: string,
): { reading: BeaconReading; found?: BeaconValidator } | null {
  const reading = view.kind === "ok" ? view.reading : view.kind === "error" ? view.last : undefined;
  if (!reading) return null;
  return { reading, found: reading.validators.get(bareKey(publicKey)) };
}

/** "in ~3 min" for `epochs` epochs of `chain`. */
function inTime(chain: BeaconChain | undefined, epochs: bigint): string {
  if (!chain || epochs <= 0n) return "";
  const seconds = Number(epochs) * chain.secondsPerSlot * chain.slotsPerEpoch;
  if (seconds < 90) return ` (in ~${seconds} s)`;
  if (seconds < 5400) return ` (in ~${Math.round(seconds / 60)} min)`;
  return ` (in ~${(seconds / 3600).toFixed(1)} h)`;
}

const STEPS: { stage: ExitStage; label: string }[] = [
  // Not "Exit requested": the item's badge already says that.
  { stage: "requested", label: "Requested" },
  { stage: "exiting", label: "Exiting" },
  { stage: "exited", label: "Exited" },
];

function ExitProgress({
  stage,
  validator,
  reading,
  chain,
}: {
  stage: ExitStage;
  validator: BeaconValidator | undefined;
  reading: BeaconReading | undefined;
  chain: BeaconChain | undefined;
}) {
  const at = STEPS.findIndex((s) => s.stage === stage);
  const exitEpoch = validator?.exitEpoch ?? null;
  const detail =
    stage === "requested"
      ? "Recorded on-chain. The committee signs and publishes a voluntary exit; this moves on once the beacon chain includes it."
      : stage === "exiting"
        ? exitEpoch !== null
          ? `The beacon chain included the exit: it leaves the active set at epoch ${exitEpoch}${
              reading ? inTime(chain, exitEpoch - BigInt(reading.epoch)) : ""
            } and performs its duties until then.`
          : "The beacon chain is ejecting it."
        : `Left the active set${exitEpoch !== null ? ` at epoch ${exitEpoch}` : ""}: no more duties. Its balance becomes withdrawable after the chain's withdrawal delay.`;
  return (
    <div className="text-xs" data-testid="exit-progress" data-stage={stage}>
      <ol className="flex flex-wrap items-center gap-1" aria-label="Exit progress">
        {STEPS.map((s, i) => (
          <li
            key={s.stage}
            aria-current={i === at ? "step" : undefined}
            className={i === at ? "font-semibold text-slate-900" : i < at ? "text-slate-600" : "text-slate-400"}
          >
            {i > 0 && <span aria-hidden="true">→ </span>}
            {s.label}
          </li>
        ))}
      </ol>
      <p className="mt-0.5 text-slate-600">{detail}</p>
    </div>
  );
}

/** A validator's beacon-chain status, index, balance and last change, and where its exit stands. */
export function BeaconLine({
  view,
  publicKey,
  exitRequested,
}: {
  view: BeaconView;
  publicKey: string;
  exitRequested: boolean;
}) {
  const record = beaconRecord(view, publicKey);
  const chain = view.kind === "ok" ? view.chain : undefined;
  const validator = record?.found;
  const stage = record ? exitStage(exitRequested, validator) : exitRequested ? "requested" : null;
  let line: React.ReactNode;
  if (!record) {
    line = (
      <span className="text-slate-500">
        {view.kind === "checking"
          ? "Reading the beacon chain…"
          : "Beacon-chain status unavailable: see the notice above the committees."}
      </span>
    );
  } else if (!validator) {
    line = (
      <>
        <Pill tone="idle">Not on the beacon chain</Pill>
        <span className="text-slate-600">
          The beacon node does not know this key: its deposit has not been processed yet, or was never made.
        </span>
      </>
    );
  } else {
    const change = balanceChange(record.reading.history, publicKey);
    const phase = PHASES[validator.phase];
    line = (
      <>
        <Pill tone={phase.tone}>{phase.label}</Pill>
        <span className="tabular-nums text-slate-700">
          index <span data-testid="beacon-index">{validator.index}</span> · balance{" "}
          <span data-testid="beacon-balance">{formatGweiAsEth(validator.balance)}</span>
        </span>
        {change && (
          <span
            className={`tabular-nums ${change.perEpoch < 0n ? "text-amber-900" : "text-slate-600"}`}
            data-testid="beacon-change"
          >
            · {formatGweiChange(change.perEpoch)} per epoch
            {change.perEpoch < 0n
              ? validator.phase === "active" || validator.phase === "exiting"
                ? " (penalised: duties missed)"
                : ""
              : change.perEpoch > 0n
                ? " (rewarded: duties included)"
                : ""}
          </span>
        )}
        <span className="text-slate-400">({validator.status})</span>
      </>
    );
  }
  return (
    <div className="grid gap-1">
      <div
        className="flex flex-wrap items-center gap-2 text-xs"
        data-testid="beacon-status"
        data-phase={validator?.phase ?? (record ? "unknown" : "unavailable")}
        data-api-status={validator?.status ?? ""}
      >
        <span className="font-medium text-slate-500">Beacon chain</span>
        {line}
      </div>
      {stage && record && <ExitProgress stage={stage} validator={validator} reading={record?.reading} chain={chain} />}
    </div>
  );
}

function Pill({ tone, children }: { tone: keyof typeof tones; children: string }) {
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${tones[tone]}`} data-testid="beacon-phase">
      {children}
    </span>
  );
}
