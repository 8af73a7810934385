import { ConnectButton } from "@rainbow-me/rainbowkit";
import { useAccount } from "wagmi";
import { cohortContracts } from "../chain/contracts";
import { NoDeployment } from "../chain/NoDeployment";
import { Notice } from "../ui/Notice";
import { type KeysharesCheck, type RowState, short } from "./keysharesCheck";
import { RegistrationProgress } from "./RegistrationProgress";
import { useBatchRegistration } from "./useBatchRegistration";
import type { useKeysharesImport } from "./useKeysharesImport";

type Import = ReturnType<typeof useKeysharesImport>;

function rowText(verified: string | null | undefined, state: RowState | undefined): { tone: string; text: string } {
  if (typeof verified === "string") return { tone: "problem", text: `The payload does not verify: ${verified}` };
  if (state?.kind === "problem") return { tone: "problem", text: `This validator ${state.message}` };
  if (state?.kind === "registered") return { tone: "registered", text: "On-chain: registered by this wallet" };
  if (verified === undefined) return { tone: "checking", text: "Verifying…" };
  if (!state) return { tone: "checking", text: "Verified; checking the chain…" };
  return { tone: "pending", text: "Verified; ready to register" };
}

function Checks({ check, verifiedCount, total }: { check: KeysharesCheck; verifiedCount: number; total: number }) {
  const ok = check.problems.length === 0;
  const ids = check.operatorIds.join(", ");
  return (
    <ul data-testid="keyshares-checks" className="space-y-1 text-sm">
      <li className="flex gap-2">
        <span aria-hidden="true">{verifiedCount === total ? "✓" : "…"}</span>
        <span>
          {verifiedCount} of {total} payloads verified in this browser: Feldman commitments, share public keys and the
          proof of ownership, as the operators' nodes will check them.
        </span>
      </li>
      {ok ? (
        <>
          <li className="flex gap-2">
            <span aria-hidden="true">✓</span>
            <span>Operators {ids} are registered and active on this network.</span>
          </li>
          <li className="flex gap-2">
            <span aria-hidden="true">✓</span>
            <span>Every share is encrypted to its operator's encryption key as the registry holds it.</span>
          </li>
          <li className="flex gap-2">
            <span aria-hidden="true">✓</span>
            <span>Made for this chain, this registry and the connected wallet, with nonces the registry expects.</span>
          </li>
        </>
      ) : (
        check.problems.map((p) => (
          <li key={p} className="flex gap-2 text-red-800" role="alert">
            <span aria-hidden="true">✗</span>
            <span>{p}</span>
          </li>
        ))
      )}
    </ul>
  );
}

/** A dropped `cohort-keyshares/1` file: its validators, the checks against the chain, then batched registration. */
export function KeysharesImport({ keyshares }: { keyshares: Import }) {
  const { isConnected } = useAccount();
  const engine = useBatchRegistration();
  const { imported, check } = keyshares;
  if (!imported) return null;
  if (!imported.validators) {
    return (
      <Notice tone="error" title={`${imported.name} cannot be used`}>
        <span data-testid="keyshares-file-error">
          {imported.error}. Use the file <code>cohort-keys split</code> wrote, unchanged.
        </span>
      </Notice>
    );
  }
  if (!cohortContracts()) return <NoDeployment />;
  const validators = imported.validators;
  const verifiedResults = validators.map((v) => imported.verified[v.publicKey.toLowerCase()]);
  const verifiedCount = verifiedResults.filter((r) => r === null).length;
  const badPayload = verifiedResults.some((r) => typeof r === "string");
  const states = new Map(check.data?.rows.map((r) => [r.keyshares.publicKey.toLowerCase(), r.state]));
  const first = validators[0]!;
  const last = validators[validators.length - 1]!;
  const { progress } = engine;
  const busy = progress.step === "checking" || progress.step === "approving" || progress.step === "registering";
  const pending = check.data?.pending.length ?? 0;
  const canRegister = !busy && !badPayload && verifiedCount === validators.length && pending > 0;
  const start = () => void engine.register(validators);

  return (
    <div className="space-y-4" data-testid="keyshares-import">
      <p className="text-sm text-slate-700">
        <span className="font-medium">{imported.name}</span>: {validators.length} validator
        {validators.length === 1 ? "" : "s"} for operators {first.operatorIds.join(", ")}, owner{" "}
        <code>{short(first.owner)}</code>, nonces {first.nonce}–{last.nonce}.
      </p>
      {!isConnected ? (
        <div className="flex items-center gap-3">
          <ConnectButton label="Connect the owner's wallet to check and register" />
        </div>
      ) : check.isError ? (
        <Notice tone="error">Could not check the file against the chain: {check.error.message.split("\n")[0]}</Notice>
      ) : check.data ? (
        <Checks check={check.data} verifiedCount={verifiedCount} total={validators.length} />
      ) : (
        <p className="text-sm text-slate-500">Checking the file against the chain…</p>
      )}
      <ul
        aria-label="Validators in the keyshares file"
        className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white"
      >
        {validators.map((v, i) => {
          const { tone, text } = rowText(verifiedResults[i], states.get(v.publicKey.toLowerCase()));
          return (
            <li
              key={v.publicKey}
              data-testid="keyshares-row"
              data-state={tone}
              className="flex flex-wrap items-baseline gap-x-4 gap-y-1 px-4 py-2 text-sm"
            >
              <code className="text-slate-800" title={v.publicKey}>
                {short(v.publicKey)}
              </code>
              <span className="text-slate-500">
                operators {v.operatorIds.join(", ")} · nonce {v.nonce}
              </span>
              <span className={tone === "problem" ? "text-red-700" : "text-slate-600"}>{text}</span>
            </li>
          );
        })}
      </ul>
      {progress.step === "done" ? (
        <Notice title="Registered">
          <p data-testid="keyshares-done">
            {progress.registered} validator{progress.registered === 1 ? "" : "s"} registered in {progress.transactions}{" "}
            transaction{progress.transactions === 1 ? "" : "s"}
            {progress.skipped > 0 ? `; ${progress.skipped} were on-chain already` : ""}. The encrypted shares are
            on-chain for the committee's operators to pick up.
          </p>
        </Notice>
      ) : (
        isConnected && (
          <button
            type="button"
            disabled={!canRegister}
            onClick={start}
            className="rounded-md bg-teal-700 px-4 py-2 text-sm font-semibold text-white hover:bg-teal-800 disabled:opacity-40"
          >
            {check.data &&
            pending === 0 &&
            check.data.problems.length === 0 &&
            !check.data.rows.some((r) => r.state.kind === "problem")
              ? "All validators in this file are registered"
              : `Register ${pending} validator${pending === 1 ? "" : "s"}`}
          </button>
        )
      )}
      {progress.step === "blocked" && (
        <Notice tone="error" title="Nothing was sent: the chain refuses the file as it is">
          <ul>
            {[
              ...progress.check.problems,
              ...progress.check.rows.flatMap((r) =>
                r.state.kind === "problem" ? [`${short(r.keyshares.publicKey)} ${r.state.message}`] : [],
              ),
            ].map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </Notice>
      )}
      <RegistrationProgress engine={engine} onResume={start} />
    </div>
  );
}
