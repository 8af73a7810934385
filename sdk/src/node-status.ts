/**
 * The JSON an operator node answers `GET /status` with (operator-node/src/api/status.ts writes it, the dapp's
 * validator page reads it). Types only, so the browser bundle takes the shape without any node code. Public facts
 * only: slots, outcomes, public keys, validator indices.
 */

/** What the node's committee did in one slot that had duties. */
export interface DutyOutcome {
  slot: number;
  /** Whether consensus decided a value for the slot. */
  decided: boolean;
  /** Validator public keys (hex) this node signed for. */
  signed: string[];
  /** Validators this node refused to sign for, with slashing protection's code (e.g. DOUBLE_VOTE). */
  refused: { validator: string; reason: string }[];
  /** Validator indices whose signed duty the node submitted to its beacon node. */
  submittedIndices: number[];
  /** Validator indices for which the node submitted an aggregate. */
  aggregatedIndices: number[];
}

export interface NodeStatus {
  /** How the node names itself: its operator id once known from the chain, else its committee position. */
  operator: string;
  /** Validator public keys (hex) the node serves. */
  validators: string[];
  /** Newest slot first. */
  recentDuties: DutyOutcome[];
}
