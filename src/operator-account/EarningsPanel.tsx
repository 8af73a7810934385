import { useState } from "react";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { checkWithdrawal } from "../tx/amount";
import { AmountInput, buttonClass, FormField } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTokenFormat } from "../tx/useTokenFormat";
import { useTx } from "../tx/useTx";

/** Earnings accrue every block (fee × validators); any part can be withdrawn to the owner's wallet. */
export function EarningsPanel({ operatorId, earnings }: { operatorId: bigint; earnings: bigint }) {
  const { token, fmt } = useTokenFormat();
  const tx = useTx({ token });
  const [amount, setAmount] = useState("");
  const { parsed, error } = checkWithdrawal(amount, token?.decimals, earnings, `Only ${fmt(earnings)} is available.`);
  return (
    <form
      aria-label="Earnings"
      className="grid gap-2"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const registry = cohortContracts()?.registry;
        if (error || !("value" in parsed) || !registry) return;
        const ok = await tx.run([
          {
            label: "Withdraw earnings",
            address: registry,
            abi: cohortRegistryAbi,
            functionName: "withdrawOperatorEarnings",
            args: [operatorId, parsed.value],
          },
        ]);
        if (ok) setAmount("");
      }}
    >
      <p className="text-sm text-slate-700">
        Earnings: <strong data-testid="operator-earnings">{fmt(earnings)}</strong>
      </p>
      <FormField
        id={`withdraw-${operatorId}`}
        label={`Withdraw (${token?.symbol ?? "token"})`}
        error={amount ? error : undefined}
      >
        <div className="flex gap-2">
          <AmountInput
            id={`withdraw-${operatorId}`}
            value={amount}
            onChange={setAmount}
            max={earnings}
            decimals={token?.decimals}
          />
          <button type="submit" className={buttonClass} disabled={tx.busy || !amount}>
            Withdraw
          </button>
        </div>
      </FormField>
      <TxStatusLine
        status={tx.status}
        success="Withdrawn to your wallet."
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </form>
  );
}
