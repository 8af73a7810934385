/** Mini-pool states as `MiniPoolState` in contracts/src/pool/PoolTypes.sol numbers them. */
export const MINI_POOL_STATES = [
  "AwaitingDkg",
  "Ready",
  "Active",
  "Failed",
  "Exited",
  "Cancelled",
  "PendingVerification",
  "Exiting",
] as const;
export type MiniPoolStateName = (typeof MINI_POOL_STATES)[number];

export const STATE_LABEL: Record<MiniPoolStateName, string> = {
  AwaitingDkg: "Awaiting DKG",
  Ready: "Verified: awaiting ETH",
  Active: "Active",
  Failed: "DKG failed",
  Exited: "Exited",
  Cancelled: "Cancelled",
  PendingVerification: "Pending verification (1 ETH pre-deposited)",
  Exiting: "Exiting",
};

/** The price a withdrawal was (or would now be) paid at: ETH per cETH, 18 decimals. */
export const withdrawalPrice = (payout: bigint, shares: bigint): bigint =>
  shares === 0n ? 0n : (payout * 10n ** 18n) / shares;

export const stateName = (n: number): MiniPoolStateName => MINI_POOL_STATES[n] ?? "AwaitingDkg";

/** Which of the four members confirmed the current attempt: bit i of `confirmations` is operatorIds[i]. */
export function confirmedMembers(
  operatorIds: readonly bigint[],
  confirmations: number,
): { id: bigint; confirmed: boolean }[] {
  return operatorIds.map((id, i) => ({ id, confirmed: (confirmations & (1 << i)) !== 0 }));
}
