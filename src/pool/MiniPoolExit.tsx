import { useState } from "react";
import { type Abi, type Address, hexToBigInt, type PublicClient, zeroAddress } from "viem";
import { useCohortClient } from "../chain/useCohortClient";
import { secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";
import { cohortMiniPoolsAbi, cohortPoolAbi, poolContracts } from "./contracts";
import { formatEth } from "./format";
import type { MiniPool } from "./usePool";

// requestExit and claimBond revert inside the pool (ExitRequestFailed, EthTransferFailed) and the revert bubbles up:
// with the pool's errors in the ABI the user reads what happened instead of an unknown selector.
const POOL_ERRORS = cohortPoolAbi.filter((item) => item.type === "error");
const miniPoolsWithPoolErrors = [...cohortMiniPoolsAbi, ...POOL_ERRORS] as Abi;

/**
 * What `requestExit` must send: the EIP-7002 request fee when the pool has that contract (a call with empty input
 * returns it, as the EIP specifies), else nothing (the committee is then signalled by the pool's event alone).
 */
export async function exitRequestFee(client: PublicClient, pool: Address): Promise<bigint> {
  const config = await client.readContract({ address: pool, abi: cohortPoolAbi, functionName: "poolConfig" });
  if (config.exitRequestContract === zeroAddress) return 0n;
  const { data } = await client.call({ to: config.exitRequestContract, data: "0x" });
  if (!data || data === "0x") {
    throw new Error("The EIP-7002 exit request contract returned no fee; try again in a block or two.");
  }
  return hexToBigInt(data);
}

/**
 * Active → Exiting, after a confirming second click: the validator leaves the beacon chain, which cannot be undone.
 * Mounted while Active or Exiting; the button shows only while Active.
 */
export function RequestExitButton({ miniPool: m }: { miniPool: MiniPool }) {
  const { client } = useCohortClient();
  const tx = useTx();
  const [confirming, setConfirming] = useState(false);
  const c = poolContracts();
  const request = async () => {
    if (!confirming) return setConfirming(true);
    setConfirming(false);
    if (!client || !c) return;
    await tx.run(async () => [
      {
        label: "Request exit",
        address: c.miniPools,
        abi: miniPoolsWithPoolErrors,
        functionName: "requestExit",
        args: [m.id],
        value: await exitRequestFee(client, c.pool),
      },
    ]);
  };
  return (
    <div className="mt-3 grid gap-1">
      {m.state === "Active" && (
        <div>
          <button type="button" className={secondaryButtonClass} disabled={tx.busy || !client} onClick={request}>
            {confirming ? "Confirm: exit this validator" : "Request exit"}
          </button>
        </div>
      )}
      {confirming && (
        <p className="text-xs text-slate-600">
          The validator stops validating for good. Once a report shows its balance withdrawn, your bond and earnings can
          be claimed back here.
        </p>
      )}
      <TxStatusLine
        status={tx.status}
        success="Exit requested: the committee signs and publishes the voluntary exit."
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </div>
  );
}

/**
 * Exited → the initiator takes back its part of the withdrawn ETH (bond plus earnings minus losses). Mounted while
 * Exited; the button shows only until the bond is returned.
 */
export function ClaimBondButton({ miniPool: m }: { miniPool: MiniPool }) {
  const tx = useTx();
  const c = poolContracts();
  const claim = () =>
    c &&
    tx.run([
      {
        label: "Claim bond",
        address: c.miniPools,
        abi: miniPoolsWithPoolErrors,
        functionName: "claimBond",
        args: [m.id],
      },
    ]);
  return (
    <div className="mt-3 grid gap-1">
      {!m.bondReturned && (
        <div>
          <button type="button" className={secondaryButtonClass} disabled={tx.busy || !c} onClick={claim}>
            Claim {formatEth(m.initiatorHeld)} ETH back
          </button>
        </div>
      )}
      <TxStatusLine
        status={tx.status}
        success="Claimed: the ETH is in your wallet."
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </div>
  );
}
