import { useState } from "react";
import { formatUnits } from "viem";
import { useAccount } from "wagmi";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";
import { parseAmount } from "../tx/amount";
import { withApproval } from "../tx/approval";
import { AmountInput, buttonClass, FormField } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTokenFormat } from "../tx/useTokenFormat";
import { useTx } from "../tx/useTx";

/**
 * Adds fee tokens to a committee account: `deposit` for an active one, `reactivate` for a liquidated one (which must
 * bring it back above the required collateral). Both approve first when the allowance is short.
 */
export function FundForm({
  operatorIds,
  mode,
  suggested,
}: {
  operatorIds: readonly bigint[];
  mode: "deposit" | "reactivate";
  suggested?: bigint;
}) {
  const { address } = useAccount();
  const { client } = useCohortClient();
  const { token, fmt } = useTokenFormat();
  const tx = useTx({ token });
  // null until the user types: then the suggestion (known only once the token is read) fills the field.
  const [typed, setAmount] = useState<string | null>(null);
  const amount = typed ?? (suggested && token ? formatUnits(suggested, token.decimals) : "");
  const parsed = token ? parseAmount(amount, token.decimals) : { error: "Reading the fee token…" };
  const error =
    "error" in parsed
      ? parsed.error
      : parsed.value === 0n && mode === "deposit"
        ? "Enter an amount above zero."
        : undefined;
  const id = `${mode}-${operatorIds.join("-")}`;
  const label = mode === "deposit" ? "Top up" : "Reactivate";

  return (
    <form
      className="grid gap-2"
      noValidate
      aria-label={label}
      onSubmit={async (e) => {
        e.preventDefault();
        const registry = cohortContracts()?.registry;
        if (error || !("value" in parsed) || !registry || !token || !client || !address) return;
        const value = parsed.value;
        const call =
          mode === "deposit"
            ? {
                label: "Deposit",
                address: registry,
                abi: cohortRegistryAbi,
                functionName: "deposit",
                args: [address, operatorIds, value],
              }
            : {
                label: "Reactivate",
                address: registry,
                abi: cohortRegistryAbi,
                functionName: "reactivate",
                args: [operatorIds, value],
              };
        const ok = await tx.run(() =>
          withApproval(
            client,
            { token: token.address, owner: address, spender: registry, amount: value, symbol: token.symbol },
            call,
          ),
        );
        if (ok) setAmount(null);
      }}
    >
      <FormField
        id={id}
        label={`${label} amount (${token?.symbol ?? "token"})`}
        hint={
          mode === "reactivate" && suggested !== undefined
            ? `At least ${fmt(suggested)} brings it back above the liquidation threshold.`
            : "Approve and deposit: your wallet asks twice when the allowance is short."
        }
        error={amount ? error : undefined}
      >
        <div className="flex gap-2">
          <AmountInput id={id} value={amount} onChange={setAmount} />
          <button type="submit" className={buttonClass} disabled={tx.busy || !amount}>
            {label}
          </button>
        </div>
      </FormField>
      <TxStatusLine
        status={tx.status}
        success={mode === "deposit" ? "Deposited." : "Reactivated: the committee is charged and served again."}
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </form>
  );
}
