import type { Address, PublicClient } from "viem";
import { cohortTokenAbi } from "../chain/contracts";
import type { TxCall } from "./useTx";

/**
 * Calls that pull fee tokens into the registry need an allowance first. Approves exactly `amount` (not unlimited) only
 * when the current allowance is short, so a retry after a failed second step does not ask to approve again.
 */
export async function withApproval(
  client: PublicClient,
  {
    token,
    owner,
    spender,
    amount,
    symbol,
  }: { token: Address; owner: Address; spender: Address; amount: bigint; symbol: string },
  call: TxCall,
): Promise<TxCall[]> {
  if (amount === 0n) return [call];
  const allowance = await client.readContract({
    address: token,
    abi: cohortTokenAbi,
    functionName: "allowance",
    args: [owner, spender],
  });
  if (allowance >= amount) return [call];
  return [
    {
      label: `Approve ${symbol}`,
      address: token,
      abi: cohortTokenAbi,
      functionName: "approve",
      args: [spender, amount],
    },
    call,
  ];
}
