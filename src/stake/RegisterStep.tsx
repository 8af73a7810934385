import { toKeysharesFile } from "@cohort/sdk/keyshares/file";
import { ConnectButton } from "@rainbow-me/rainbowkit";
import { useState } from "react";
import { useAccount } from "wagmi";
import { cohortContracts } from "../chain/contracts";
import { NoDeployment } from "../chain/NoDeployment";
import { useFeeToken, useOperators } from "../operators/useOperators";
import { Notice } from "../ui/Notice";
import { CommitteePicker } from "./CommitteePicker";
import { RegistrationProgress } from "./RegistrationProgress";
import type { KeystoreFile } from "./useKeystoreFiles";
import { type BuildPhase, useRegisterValidators } from "./useRegisterValidators";
import { VerifiedChecks } from "./VerifiedChecks";

type Props = {
  files: KeystoreFile[];
  build: Parameters<typeof useRegisterValidators>[0];
  onRegistered: (ids: string[]) => void;
};

function downloadJson(name: string, data: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

function BuildLine({ phase }: { phase: BuildPhase }) {
  switch (phase.step) {
    case "building":
      return (
        <p className="text-sm text-slate-600" aria-live="polite">
          Splitting and encrypting keys in the workers… {phase.done} of {phase.total}
        </p>
      );
    case "error":
      return (
        <Notice tone="error" title="Registration did not happen">
          {phase.message} Nothing was registered; your keystores stay decrypted here, so you can try again.
        </Notice>
      );
    default:
      return null;
  }
}

export function RegisterStep({ files, build, onRegistered }: Props) {
  const { isConnected } = useAccount();
  const operators = useOperators();
  const token = useFeeToken();
  const [size, setSize] = useState(4);
  const [selected, setSelected] = useState<bigint[]>([]);
  const { phase, engine, register } = useRegisterValidators(build, onRegistered);
  const ready = files.filter((f) => f.status === "decrypted");
  const progress = engine.progress;

  if (!cohortContracts()) return <NoDeployment />;
  if (phase.step === "built" && progress.step === "done") {
    const n = phase.keyshares.length;
    return (
      <Notice title={`Registered ${n} validator${n === 1 ? "" : "s"}`}>
        <VerifiedChecks keyshares={phase.keyshares} />
        <p data-testid="registered-tx" className="mt-3">
          {progress.transactions === 1 ? "The transaction is" : `All ${progress.transactions} transactions are`} in a
          block. The encrypted shares are on-chain for the committee's operators to pick up; the decrypted keys were
          discarded from this page.
        </p>
        <button
          type="button"
          className="mt-3 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50"
          onClick={() => downloadJson(`keyshares-${Date.now()}.json`, toKeysharesFile(phase.keyshares))}
        >
          Download keyshares file
        </button>
      </Notice>
    );
  }
  if (operators.isPending) return <p className="text-slate-500">Reading operators from the chain…</p>;
  if (operators.isError) {
    return <Notice tone="error">Could not read operators: {operators.error.message.split("\n")[0]}</Notice>;
  }
  const committee = operators.data.filter((o) => selected.includes(o.id));
  const busy =
    phase.step === "building" ||
    progress.step === "checking" ||
    progress.step === "approving" ||
    progress.step === "registering";
  const submit = () => void register(ready, committee);
  return (
    <div className="space-y-4">
      <CommitteePicker
        operators={operators.data}
        token={token.data}
        size={size}
        onSize={setSize}
        selected={selected}
        onSelected={setSelected}
      />
      {!isConnected ? (
        <div className="flex items-center gap-3">
          <ConnectButton label="Connect a wallet to register" />
        </div>
      ) : (
        <button
          type="button"
          disabled={busy || committee.length !== size || ready.length === 0}
          onClick={submit}
          className="rounded-md bg-teal-700 px-4 py-2 text-sm font-semibold text-white hover:bg-teal-800 disabled:opacity-40"
        >
          Register {ready.length} validator{ready.length === 1 ? "" : "s"}
        </button>
      )}
      <BuildLine phase={phase} />
      {/* Resuming rebuilds only the keystores not yet registered, at the nonce the registry then expects. */}
      <RegistrationProgress engine={engine} onResume={submit} />
      {phase.step === "built" && progress.step !== "stopped" && <VerifiedChecks keyshares={phase.keyshares} />}
    </div>
  );
}
