/**
 * View timeouts and decision budgets per duty kind, sized for operators 50–150 ms apart (one way) on 12 s slots.
 *
 * A HotStuff view decides after 7 one-way delays (PREPARE, vote, PRE-COMMIT, vote, COMMIT, vote, DECIDE): about
 * 1.05 s at 150 ms. A view's timer restarts whenever this member votes in it (hotstuff.ts), so a timeout only has to
 * outlast one phase (2 delays plus processing), not the whole view: a dead leader is noticed after one timeout, then
 * NEW-VIEW (1 delay) and the next view's 7 delays follow. With one member down the worst case is therefore
 * timeout + 8 delays; the budget is what the duty leaves for consensus after fetching its data and before signing,
 * exchanging partial signatures and publishing.
 */
import { DutyKind } from "./types.js";

/** One-way delay between operators the defaults are sized for (ms). */
export const DESIGN_ONE_WAY_MS = 150;

/** First view's timeout per duty kind (ms); later views double it (the pacemaker's backoff). */
export const DUTY_VIEW_TIMEOUT_MS: Readonly<Record<DutyKind, number>> = {
  // Proposals: the block must be decided well before 3 s into the slot (SSV: later ones start to be missed).
  // Shortest timeout that still covers one phase at 150 ms (300 ms) with margin for block validation.
  [DutyKind.proposer]: 450,
  [DutyKind.randao]: 450,
  // Attestation data (at 4 s) and sync committee messages: due by 8 s, so more room for latency spikes.
  [DutyKind.attester]: 600,
  [DutyKind.syncCommittee]: 600,
  // Aggregates and sync contributions (at 8 s): due before the slot ends.
  [DutyKind.aggregator]: 600,
  [DutyKind.syncContribution]: 600,
  // Voluntary exits have no slot deadline that matters.
  [DutyKind.exit]: 2000,
};

/**
 * How long after it starts an instance must be decided for its duty not to suffer (ms): what the slot leaves for
 * consensus. Proposals: started at the slot's start once the block is built, decided by 2 s so signing and
 * publishing finish well before 3 s. Attestations and sync messages: started at 4 s, published by 8 s with ~1 s
 * kept for partial signatures. Aggregates and contributions: from 8 s to the slot's end, same margin.
 */
export const DUTY_DECISION_BUDGET_MS: Readonly<Record<DutyKind, number>> = {
  [DutyKind.proposer]: 2000,
  [DutyKind.randao]: 2000,
  [DutyKind.attester]: 3000,
  [DutyKind.syncCommittee]: 3000,
  [DutyKind.aggregator]: 3000,
  [DutyKind.syncContribution]: 3000,
  [DutyKind.exit]: 60_000,
};

/** Worst decision time with one member down and every link at `oneWayMs`: one timeout, then 8 delays. */
export function oneDownWorstCaseMs(dutyKind: DutyKind, oneWayMs = DESIGN_ONE_WAY_MS): number {
  return DUTY_VIEW_TIMEOUT_MS[dutyKind] + 8 * oneWayMs;
}
