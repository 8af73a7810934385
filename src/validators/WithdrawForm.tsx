import { useState } from "react";
import { formatUnits } from "viem";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { parseAmount } from "../tx/amount";
import { FormField, inputClass, secondaryButtonClass } from "../tx/FormField";
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
  const parsed = token ? parseAmount(amount, token.decimals) : { error: "Reading the fee token…" };
  const error =
    "error" in parsed
      ? parsed.error
      : parsed.value === 0n
        ? "Enter an amount above zero."
        : parsed.value > available
          ? `At most ${fmt(available)} can be withdrawn.`
          : undefined;
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
          <input
            id={id}
            className={`${inputClass} max-w-xs`}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
            autoComplete="off"
          />
          <button
            type="button"
            className={secondaryButtonClass}
            disabled={!token || available <= 0n}
            onClick={() => token && setAmount(formatUnits(available, token.decimals))}
          >
            Max
          </button>
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
