/**
 * When the page warns that a committee's fee balance runs low. The fee arithmetic is the registry's (`liquidationBlock`,
 * `topUpNeeded`); the page only chooses the margin and compares block numbers.
 */
import type { MyCommittee } from "./useMyValidators";

/**
 * Warn while the committee is less than this many days of fees above its liquidation threshold: time for an owner who
 * checks weekly to notice and top up.
 */
export const RUNWAY_MARGIN_DAYS = 30n;

export const marginBlocks = (blocksPerDay: bigint, days = RUNWAY_MARGIN_DAYS) => blocksPerDay * days;

export interface RunwayWarning {
  /** Blocks until anyone may liquidate the committee (0: now). */
  blocksLeft: bigint;
  liquidatableNow: boolean;
}

/**
 * A warning when the committee would become liquidatable within `margin` blocks at today's fees; null when it
 * pays nothing, is empty or liquidated (the card says so itself) or has more than the margin left.
 */
export function runwayWarning(
  c: Pick<MyCommittee, "active" | "validatorCount" | "liquidationBlock" | "atBlock">,
  margin: bigint,
): RunwayWarning | null {
  if (!c.active || c.validatorCount === 0 || c.liquidationBlock === null) return null;
  const blocksLeft = c.liquidationBlock > c.atBlock ? c.liquidationBlock - c.atBlock : 0n;
  if (blocksLeft >= margin) return null;
  return { blocksLeft, liquidatableNow: blocksLeft === 0n };
}

/** A warned-about runway in the unit that reads best: "3.2 days", "5 hours", "12 minutes", "under a minute". */
export function roughDuration(days: number): string {
  if (days >= 2) return `${days.toFixed(1)} days`;
  const minutes = days * 24 * 60;
  if (minutes >= 120) return `${Math.floor(minutes / 60)} hours`;
  if (minutes >= 1) return `${Math.floor(minutes)} minute${Math.floor(minutes) === 1 ? "" : "s"}`;
  return "under a minute";
}
