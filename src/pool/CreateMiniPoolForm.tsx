import { useState } from "react";
import type { OperatorRow } from "../operators/useOperators";
import { buttonClass, FormField, inputClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { cohortMiniPoolsAbi, poolContracts } from "./contracts";
import { formatEth } from "./format";

/**
 * Bond 4 ETH with one of your operators as initiator and name three more: the four run a DKG for a new validator
 * key. Nothing about the key is chosen here; the committee's nodes generate it.
 */
export function CreateMiniPoolForm({
  mine,
  operators,
  optedIn,
  bond,
}: {
  mine: OperatorRow[];
  operators: OperatorRow[];
  /** Ids of the operators that accept mini-pool work; undefined while still reading. */
  optedIn: Set<string> | undefined;
  bond: bigint | undefined;
}) {
  const tx = useTx();
  const [initiator, setInitiator] = useState(mine[0]?.id.toString() ?? "");
  const [others, setOthers] = useState<string[]>([]);
  const [touched, setTouched] = useState(false);
  // The contract refuses a member that has not opted in (OperatorNotOptedIn), so only those are offered.
  const candidates = operators.filter(
    (o) => o.active && o.id.toString() !== initiator && optedIn?.has(o.id.toString()),
  );
  const chosen = others.filter((id) => id !== initiator && optedIn?.has(id));
  const error = !initiator
    ? "Choose which of your operators initiates."
    : chosen.length !== 3
      ? `Pick exactly three other operators (${chosen.length} picked).`
      : undefined;

  const toggle = (id: string) =>
    setOthers((prev) => (prev.includes(id) ? prev.filter((x) => x !== id) : prev.length >= 3 ? prev : [...prev, id]));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    const c = poolContracts();
    if (error || bond === undefined || !c) return;
    const ids = [initiator, ...chosen].map(BigInt);
    const ok = await tx.run([
      {
        label: "Create mini-pool",
        address: c.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "createMiniPool",
        args: [ids],
        value: bond,
      },
    ]);
    if (ok) {
      setOthers([]);
      setTouched(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-4" aria-label="Create a mini-pool">
      <FormField id="initiator-operator" label="Initiator (your operator)">
        <select
          id="initiator-operator"
          className={`${inputClass} max-w-md`}
          value={initiator}
          onChange={(e) => setInitiator(e.target.value)}
        >
          {mine.map((o) => (
            <option key={o.id.toString()} value={o.id.toString()}>
              {o.id.toString()} · {o.name}
            </option>
          ))}
        </select>
      </FormField>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Three more operators</legend>
        <p className="mt-1 text-xs text-slate-500">
          Only operators whose owners accept mini-pool work are listed (they opt in on their Operator account page).
        </p>
        {optedIn === undefined ? (
          <p className="mt-2 text-sm text-slate-500">Reading which operators accept mini-pools…</p>
        ) : (
          candidates.length < 3 && (
            <p className="mt-2 text-sm text-amber-800" data-testid="too-few-opted-in">
              {candidates.length === 0 ? "No other operator" : `Only ${candidates.length} other operator(s)`} accept
              mini-pools now; a mini-pool needs three. Ask operators to opt in, then reload.
            </p>
          )
        )}
        <ul className="mt-2 grid gap-1 sm:grid-cols-2">
          {candidates.map((o) => {
            const id = o.id.toString();
            const checked = chosen.includes(id);
            return (
              <li key={id}>
                <label className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    checked={checked}
                    disabled={!checked && chosen.length >= 3}
                    onChange={() => toggle(id)}
                  />
                  {id} · {o.name}
                  {o.verified ? " · verified" : ""}
                </label>
              </li>
            );
          })}
        </ul>
      </fieldset>
      {touched && error && <p className="text-xs text-red-700">{error}</p>}
      <div>
        <button type="submit" className={buttonClass} disabled={tx.busy || bond === undefined}>
          Bond {bond === undefined ? "…" : formatEth(bond)} ETH and create
        </button>
        <p className="mt-1 text-xs text-slate-500">
          The bond absorbs slashing losses first and earns a commission on the pool's part of the rewards. It is
          refunded if you cancel before the validator is funded.
        </p>
        <TxStatusLine
          status={tx.status}
          success="Mini-pool created: its four nodes now run the DKG. Follow it below."
          wrongNetwork={tx.wrongNetwork}
          onSwitchNetwork={tx.switchNetwork}
        />
      </div>
    </form>
  );
}
