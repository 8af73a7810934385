/**
 * A duty that ended without its object reaching the beacon node: named by kind and one reason code, counted in
 * `cohort_duties_missed_total{kind,reason}` and logged at warn level by the workflow that missed it.
 */
import { ConsensusExpiredError, EngineStoppedError } from "../consensus/engine.js";
import { BeaconRequestError } from "../duties/http.js";
import { UnsupportedForkError } from "../duties/proposer.js";
import type { Logger } from "../log.js";
import { SlashableSigningError } from "../signer/slashing-protection.js";
import { CombineTimeoutError } from "./combined.js";

export type MissedKind =
  | "attestation"
  | "selection_proof"
  | "aggregation"
  | "proposal"
  | "sync_committee"
  | "sync_contribution"
  | "exit";

export type MissReason =
  /** The committee decided nothing before the duty's deadline. */
  | "consensus_timeout"
  /** Fewer than t partial signatures arrived in time. */
  | "combine_timeout"
  /** The beacon node refused a request or could not be reached. */
  | "beacon_error"
  /** Slashing protection refused our partial signature. */
  | "slashing_refused"
  /** The duty's epoch had no duties loaded when its slot came. */
  | "no_duties"
  /** An aggregator for whose attestation data no member's beacon node had an aggregate. */
  | "no_aggregate"
  /** The slot's fork is one this node cannot build objects for. */
  | "unsupported_fork"
  /** The node was stopping. */
  | "stopped"
  | "other";

export interface MissedDuty {
  readonly type: "missed";
  readonly kind: MissedKind;
  readonly reason: MissReason;
  readonly slot: number;
  readonly validatorIndex?: number;
}

/** The reason code of the error a duty ended with. */
export function missReasonOf(e: unknown): MissReason {
  if (e instanceof ConsensusExpiredError) return "consensus_timeout";
  if (e instanceof CombineTimeoutError) return "combine_timeout";
  if (e instanceof SlashableSigningError) return "slashing_refused";
  if (e instanceof UnsupportedForkError) return "unsupported_fork";
  if (e instanceof EngineStoppedError) return "stopped";
  // fetch() rejects with a TypeError when the beacon node cannot be reached at all.
  if (e instanceof BeaconRequestError || (e instanceof TypeError && /fetch failed/.test(e.message))) {
    return "beacon_error";
  }
  return "other";
}

/** Reports one missed duty: a warn line with its reason, and the event that metrics count. */
export function reportMissed(
  log: Logger,
  onEvent: ((e: MissedDuty) => void) | undefined,
  miss: Omit<MissedDuty, "type">,
  cause?: unknown,
): void {
  log.warn(`missed ${miss.kind.replace("_", " ")} duty`, {
    slot: miss.slot,
    ...(miss.validatorIndex !== undefined ? { validatorIndex: miss.validatorIndex } : {}),
    reason: miss.reason,
    ...(cause !== undefined ? { detail: cause instanceof Error ? cause.message : String(cause) } : {}),
  });
  onEvent?.({ type: "missed", ...miss });
}
