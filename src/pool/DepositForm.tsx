import { useState } from "react";
import { parseEther } from "viem";
import { useAccount } from "wagmi";
import { parseAmount } from "../tx/amount";
import { AmountInput, buttonClass, FormField } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { cohortPoolAbi, poolContracts } from "./contracts";
import { formatEth } from "./format";

/** The smallest deposit the page accepts before asking the chain; the contract's `minDeposit()` wins once read. */
const FALLBACK_MIN = parseEther("0.1");

/** Stake ETH for cETH. Amounts below the minimum are refused here, with the minimum, before the wallet opens. */
export function DepositForm({
  minDeposit,
  ethBalance,
}: {
  minDeposit: bigint | undefined;
  ethBalance: bigint | undefined;
}) {
  const { isConnected } = useAccount();
  const tx = useTx();
  const [amount, setAmount] = useState("");
  const [touched, setTouched] = useState(false);
  const min = minDeposit ?? FALLBACK_MIN;
  const parsed = parseAmount(amount, 18);
  const error =
    "error" in parsed
      ? parsed.error
      : parsed.value < min
        ? `The pool takes deposits from ${formatEth(min)} ETH; enter ${formatEth(min)} or more.`
        : ethBalance !== undefined && parsed.value > ethBalance
          ? `Your wallet holds ${formatEth(ethBalance)} ETH; enter less (keep some for gas).`
          : undefined;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    const c = poolContracts();
    if (error || !("value" in parsed) || !c) return;
    const ok = await tx.run([
      { label: "Deposit", address: c.pool, abi: cohortPoolAbi, functionName: "deposit", args: [], value: parsed.value },
    ]);
    if (ok) {
      setAmount("");
      setTouched(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-3" aria-label="Deposit">
      <FormField
        id="pool-deposit"
        label="Deposit ETH"
        hint={`From ${formatEth(min)} ETH. You receive cETH at the current exchange rate.`}
        error={touched || amount !== "" ? error : undefined}
      >
        <div className="flex gap-2">
          <AmountInput id="pool-deposit" value={amount} onChange={setAmount} />
          <button type="submit" className={buttonClass} disabled={tx.busy || !isConnected}>
            Deposit
          </button>
        </div>
      </FormField>
      <TxStatusLine
        status={tx.status}
        success="Deposited: your cETH balance is updated."
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </form>
  );
}
