import { useState } from "react";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { checkWithdrawal } from "../tx/amount";
import { AmountInput, FormField, secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTokenFormat } from "../tx/useTokenFormat";
import { useTx } from "../tx/useTx";

/**
 * Takes fee tokens back out of a committee account. With validators, only what lies above the liquidation threshold
 * may leave; an emptied committee can be drained.
 */
export function WithdrawForm({ operatorIds, available }: { operatorIds: readonly bigint[]; available: bigint }) {
  const { token, fmt } = useTokenFormat();
  const tx = useTx({ token });
  const [amount, setAmount] = useState("");
  const { parsed, error } = checkWithdrawal(
    amount,
    token?.decimals,
    available,
    `At most ${fmt(available)} can be withdrawn.`,
  );
  const id = `withdraw-${operatorIds.join("-")}`;
  return (
    <form
      className="grid gap-2"
      noValidate
      aria-label="Withdraw"
      onSubmit={async (e) => {
        e.preventDefault();
        const registry = cohortContracts()?.registry;
        if (error || !("value" in parsed) || !registry) return;
        const ok = await tx.run([
          {
            label: "Withdraw",
            address: registry,
            abi: cohortRegistryAbi,
            functionName: "withdraw",
            args: [operatorIds, parsed.value],
          },
        ]);
        if (ok) setAmount("");
      }}
    >
      <FormField
        id={id}
        label={`Withdraw from the committee (${token?.symbol ?? "token"})`}
        hint={`Available: ${fmt(available)}.`}
        error={amount ? error : undefined}
      >
        <div className="flex gap-2">
          <AmountInput id={id} value={amount} onChange={setAmount} max={available} decimals={token?.decimals} />
          <button type="submit" className={secondaryButtonClass} disabled={tx.busy || !amount}>
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
