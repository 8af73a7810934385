import { useState } from "react";
import { type Address, getAddress, isAddress } from "viem";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { FormField, inputClass, secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { useAllowList } from "./useOperatorAccount";

function parseAddresses(text: string): { value: Address[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: "Enter one or more addresses, separated by commas or new lines." };
  const bad = parts.find((p) => !isAddress(p, { strict: false }));
  if (bad) return { error: `“${bad}” is not an Ethereum address (0x + 40 hex digits).` };
  return { value: [...new Set(parts.map((p) => getAddress(p)))] };
}

/** Public or private (allow-listed owners only). Going private keeps validators that are already there. */
export function AccessPanel({ operatorId, privateMode }: { operatorId: bigint; privateMode: boolean }) {
  const privacy = useTx();
  const list = useTx();
  const allowList = useAllowList(operatorId);
  const [addresses, setAddresses] = useState("");
  const parsed = parseAddresses(addresses);
  const registry = cohortContracts()?.registry;

  const updateList = async (allowed: boolean) => {
    if (!("value" in parsed) || !registry) return;
    const ok = await list.run([
      {
        label: allowed ? "Add to allow-list" : "Remove from allow-list",
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "setOperatorAllowList",
        args: [operatorId, parsed.value, allowed],
      },
    ]);
    if (ok) setAddresses("");
  };

  return (
    <section aria-label="Access" className="grid gap-3">
      <div className="flex flex-wrap items-center gap-3 text-sm text-slate-700">
        <span data-testid="operator-access">
          {privateMode ? "Private: only allow-listed owners can choose it." : "Public: anyone can choose it."}
        </span>
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={privacy.busy || !registry}
          onClick={() =>
            privacy.run([
              {
                label: privateMode ? "Make public" : "Make private",
                address: registry!,
                abi: cohortRegistryAbi,
                functionName: "setOperatorPrivacy",
                args: [operatorId, !privateMode],
              },
            ])
          }
        >
          {privateMode ? "Make public" : "Make private"}
        </button>
      </div>
      <TxStatusLine
        status={privacy.status}
        wrongNetwork={privacy.wrongNetwork}
        onSwitchNetwork={privacy.switchNetwork}
      />
      <div className="text-sm text-slate-700">
        Allow-list:{" "}
        {allowList.data === undefined ? (
          "…"
        ) : allowList.data.length === 0 ? (
          <span className="text-slate-500">empty</span>
        ) : (
          <ul className="mt-1 font-mono text-xs" data-testid="allow-list">
            {allowList.data.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        )}
      </div>
      <FormField
        id={`allow-${operatorId}`}
        label="Owner addresses"
        hint="Owners on the list may add validators while the operator is private."
        error={addresses ? ("error" in parsed ? parsed.error : undefined) : undefined}
      >
        <textarea
          id={`allow-${operatorId}`}
          rows={2}
          className={inputClass}
          value={addresses}
          onChange={(e) => setAddresses(e.target.value)}
          spellCheck={false}
        />
      </FormField>
      <div className="flex gap-2">
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={list.busy || !("value" in parsed)}
          onClick={() => updateList(true)}
        >
          Add to allow-list
        </button>
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={list.busy || !("value" in parsed)}
          onClick={() => updateList(false)}
        >
          Remove from allow-list
        </button>
      </div>
      <TxStatusLine
        status={list.status}
        success="Allow-list updated."
        wrongNetwork={list.wrongNetwork}
        onSwitchNetwork={list.switchNetwork}
      />
    </section>
  );
}
