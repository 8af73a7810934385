import { useState } from "react";
import { useAccount } from "wagmi";
import { checkWithdrawal } from "../tx/amount";
import { AmountInput, buttonClass, FormField, secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { cohortPoolAbi, poolContracts } from "./contracts";
import { formatEth } from "./format";
import { withdrawalPrice } from "./miniPool";
import { useMyWithdrawals } from "./usePool";

/**
 * Burn cETH for a queued ETH claim, and claim requests once the queue has funded them. The value is fixed when the
 * request is made; it is paid in request order as ETH becomes free.
 */
export function WithdrawPanel({ shares }: { shares: bigint | undefined }) {
  const { address } = useAccount();
  const requests = useMyWithdrawals(address);
  const request = useTx();
  const claim = useTx();
  const [amount, setAmount] = useState("");
  const [touched, setTouched] = useState(false);
  const { parsed, error } = checkWithdrawal(
    amount,
    18,
    shares ?? 0n,
    `You hold ${formatEth(shares ?? 0n)} cETH; enter that or less.`,
  );

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    const c = poolContracts();
    if (error || !("value" in parsed) || !c) return;
    const ok = await request.run([
      {
        label: "Request withdrawal",
        address: c.pool,
        abi: cohortPoolAbi,
        functionName: "requestWithdrawal",
        args: [parsed.value],
      },
    ]);
    if (ok) {
      setAmount("");
      setTouched(false);
    }
  };
  const claimIt = (id: bigint) =>
    claim.run([
      {
        label: "Claim withdrawal",
        address: poolContracts()!.pool,
        abi: cohortPoolAbi,
        functionName: "claimWithdrawal",
        args: [id],
      },
    ]);

  const open = (requests.data ?? []).filter((r) => !r.claimed);
  return (
    <div className="grid gap-3">
      <form onSubmit={submit} noValidate aria-label="Request withdrawal">
        <FormField
          id="pool-withdraw"
          label="Withdraw cETH"
          hint="Locks the cETH now; paid from the queue as ETH is free, at the lower price of request and claim."
          error={touched || amount !== "" ? error : undefined}
        >
          <div className="flex gap-2">
            <AmountInput id="pool-withdraw" value={amount} onChange={setAmount} max={shares} decimals={18} />
            <button type="submit" className={buttonClass} disabled={request.busy || !address}>
              Request
            </button>
          </div>
        </FormField>
        <TxStatusLine
          status={request.status}
          success="Requested: it appears below and can be claimed once ready."
          wrongNetwork={request.wrongNetwork}
          onSwitchNetwork={request.switchNetwork}
        />
      </form>
      {open.length > 0 && (
        <ul className="divide-y divide-slate-100 text-sm" aria-label="Your withdrawal requests">
          {open.map((r) => (
            <li
              key={r.id.toString()}
              className="flex items-center justify-between py-2"
              data-testid="withdrawal"
              data-id={r.id.toString()}
            >
              <span className="tabular-nums">
                #{r.id.toString()} · {formatEth(r.payout, 6)} ETH (at most {formatEth(r.assets, 6)}) · price{" "}
                <span data-testid="withdrawal-price">{formatEth(withdrawalPrice(r.payout, r.shares), 6)}</span> ETH/cETH
                · <span data-testid="withdrawal-state">{r.ready ? "ready to claim" : "waiting in the queue"}</span>
              </span>
              <button
                type="button"
                className={secondaryButtonClass}
                disabled={!r.ready || claim.busy}
                onClick={() => claimIt(r.id)}
              >
                Claim
              </button>
            </li>
          ))}
        </ul>
      )}
      <TxStatusLine
        status={claim.status}
        success="Claimed: the ETH is in your wallet."
        wrongNetwork={claim.wrongNetwork}
        onSwitchNetwork={claim.switchNetwork}
      />
    </div>
  );
}
