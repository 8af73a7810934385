import { useState } from "react";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { BeaconLine, beaconRecord } from "./BeaconLine";
import { exitStage } from "./beaconStatus";
import { ChangeOperatorForm } from "./ChangeOperatorForm";
import { FeeRecipientForm } from "./FeeRecipientForm";
import { NodeStatusPanel } from "./NodeStatusPanel";
import type { BeaconView } from "./useBeaconValidators";
import type { CommitteeOperator, MyValidator } from "./useMyValidators";

/**
 * One validator: its key, its beacon-chain record and the owner's actions on it. Destructive actions ask a second
 * click.
 */
export function ValidatorItem({
  validator,
  operators,
  beacon,
}: {
  validator: MyValidator;
  operators: CommitteeOperator[];
  beacon: BeaconView;
}) {
  const tx = useTx();
  const [done, setDone] = useState("");
  const [confirm, setConfirm] = useState<"remove" | "exit" | null>(null);
  const [moving, setMoving] = useState(false);
  const [payee, setPayee] = useState(false);
  // Opened on demand: the panel polls every committee node while it is shown.
  const [watching, setWatching] = useState(false);
  const registry = cohortContracts()?.registry;
  const record = beaconRecord(beacon, validator.publicKey);
  // Nothing left to request once the beacon chain shows the validator leaving, whoever started it.
  const leaving = record ? exitStage(false, record.found) !== null : false;
  const call = (label: string, functionName: string) => ({
    label,
    address: registry!,
    abi: cohortRegistryAbi,
    functionName,
    args: [validator.publicKey, validator.operatorIds],
  });
  const act = async (kind: "remove" | "exit") => {
    if (confirm !== kind) return setConfirm(kind);
    setConfirm(null);
    setDone(
      kind === "remove"
        ? "Removed: its operators stop serving it."
        : "Exit requested: the committee will sign and publish a voluntary exit.",
    );
    await tx.run([
      kind === "remove" ? call("Remove validator", "removeValidator") : call("Request exit", "exitValidator"),
    ]);
  };
  return (
    <li className="grid gap-2 py-3" data-testid="validator" data-pubkey={validator.publicKey}>
      <div className="flex flex-wrap items-center gap-2">
        <code className="break-all text-xs text-slate-800">{validator.publicKey}</code>
        {validator.exitRequested && (
          <span className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-900 ring-1 ring-amber-200">
            Exit requested
          </span>
        )}
      </div>
      <BeaconLine view={beacon} publicKey={validator.publicKey} exitRequested={validator.exitRequested} />
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={tx.busy || validator.exitRequested || leaving}
          onClick={() => act("exit")}
        >
          {confirm === "exit" ? "Confirm: ask the committee to exit" : "Request exit"}
        </button>
        <button type="button" className={secondaryButtonClass} disabled={tx.busy} onClick={() => act("remove")}>
          {confirm === "remove" ? "Confirm: stop service and remove" : "Remove"}
        </button>
        <button type="button" className={secondaryButtonClass} onClick={() => setMoving((m) => !m)}>
          {moving ? "Close" : "Change an operator"}
        </button>
        <button
          type="button"
          className={secondaryButtonClass}
          aria-expanded={payee}
          onClick={() => setPayee((p) => !p)}
        >
          {payee ? "Hide fee recipient" : "Fee recipient"}
        </button>
        <button
          type="button"
          className={secondaryButtonClass}
          aria-expanded={watching}
          onClick={() => setWatching((w) => !w)}
        >
          {watching ? "Hide node status" : "Node status"}
        </button>
      </div>
      {confirm === "exit" && (
        <p className="text-xs text-slate-600">
          The committee will sign a voluntary exit; the validator leaves the beacon chain and cannot come back.
        </p>
      )}
      {confirm === "remove" && (
        <p className="text-xs text-slate-600">
          Operators stop serving it at once. If it is still active on the beacon chain it will miss duties; request an
          exit first.
        </p>
      )}
      <TxStatusLine
        status={tx.status}
        success={done}
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
      {watching && (
        <NodeStatusPanel publicKey={validator.publicKey} members={operators} validatorIndex={record?.found?.index} />
      )}
      {moving && <ChangeOperatorForm validator={validator} onDone={() => setMoving(false)} />}
      {payee && <FeeRecipientForm publicKey={validator.publicKey} />}
    </li>
  );
}
