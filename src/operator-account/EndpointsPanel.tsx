import { useState } from "react";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { FormField, inputClass, secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { parseEndpoints } from "./endpoints";

/** The node addresses peers dial; replacing them makes every peer redial without a restart. */
export function EndpointsPanel({ operatorId, endpoints }: { operatorId: bigint; endpoints: readonly string[] }) {
  const tx = useTx();
  const [text, setText] = useState<string | null>(null);
  const current = endpoints.join("\n");
  const draft = text ?? current;
  const parsed = parseEndpoints(draft);
  const registry = cohortContracts()?.registry;
  const changed = draft.trim() !== current;

  const save = async () => {
    if (!("value" in parsed) || !registry) return;
    const ok = await tx.run([
      {
        label: "Update node addresses",
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "setOperatorEndpoints",
        args: [operatorId, parsed.value],
      },
    ]);
    if (ok) setText(null);
  };

  return (
    <section aria-label="Endpoints" className="grid gap-3">
      <div className="text-sm text-slate-700">
        Node addresses:{" "}
        {endpoints.length === 0 ? (
          <span className="text-slate-500" data-testid="operator-endpoints">
            none published (peers cannot find your node)
          </span>
        ) : (
          <ul className="mt-1 font-mono text-xs" data-testid="operator-endpoints">
            {endpoints.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        )}
      </div>
      <FormField
        id={`endpoints-${operatorId}`}
        label="Change node addresses"
        hint="One multiaddr per line, at most 4: /ip4/<address>/tcp/<port> or /dns4/<host>/tcp/<port>."
        error={changed && "error" in parsed ? parsed.error : undefined}
      >
        <textarea
          id={`endpoints-${operatorId}`}
          rows={2}
          className={inputClass}
          value={draft}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
        />
      </FormField>
      <div>
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={tx.busy || !changed || !("value" in parsed) || !registry}
          onClick={save}
        >
          Save addresses
        </button>
      </div>
      <TxStatusLine
        status={tx.status}
        success="Addresses updated; peers redial them."
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </section>
  );
}
