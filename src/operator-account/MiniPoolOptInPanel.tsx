import { useState } from "react";
import { cohortMiniPoolsAbi, poolContracts } from "../pool/contracts";
import { useMiniPoolOptIns } from "../pool/usePool";
import { secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";

/**
 * Whether initiators may name this operator in a mini-pool committee. Off by default on-chain: serving a mini-pool
 * means running its DKG and its validator, so the owner opts in explicitly.
 */
export function MiniPoolOptInPanel({ operatorId }: { operatorId: bigint }) {
  const tx = useTx();
  // The success line names what was sent: the status turns to success before the refetched opt-in arrives.
  const [sent, setSent] = useState(false);
  const optIns = useMiniPoolOptIns([operatorId]);
  const miniPools = poolContracts()?.miniPools;
  if (!miniPools) return null;
  const accepts = optIns.data?.has(operatorId.toString());
  const set = (value: boolean) => {
    setSent(value);
    return tx.run([
      {
        label: value ? "Accept mini-pools" : "Stop accepting mini-pools",
        address: miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "setAcceptsMiniPools",
        args: [operatorId, value],
      },
    ]);
  };

  return (
    <section aria-label="Mini-pools" className="grid gap-2">
      <div className="flex flex-wrap items-center gap-3 text-sm text-slate-700">
        <span data-testid="operator-mini-pools">
          {accepts === undefined
            ? "Mini-pools: …"
            : accepts
              ? "Mini-pools: accepted (initiators may name this operator)."
              : "Mini-pools: not accepted (initiators cannot name this operator)."}
        </span>
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={tx.busy || accepts === undefined}
          onClick={() => set(!accepts)}
        >
          {accepts ? "Stop accepting mini-pools" : "Accept mini-pools"}
        </button>
      </div>
      <TxStatusLine
        status={tx.status}
        success={sent ? "Initiators may now name this operator." : "Initiators can no longer name this operator."}
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </section>
  );
}
