/**
 * The duty workflow, component by component (after Obol Charon's core/interfaces): every stage a duty passes through,
 * named by its interface. `app/` wires implementations together; each lives in the folder named after its domain.
 *
 *   Scheduler → Fetcher → Consensus → (Signer) → ParSigEx → SigAgg → Broadcaster
 *
 * Implemented in part 1: Consensus (consensus/engine.ts) and Transport (p2p/transport.ts). The others are the
 * contracts the next parts implement.
 */
import type { InstanceId, QuorumCert } from "./consensus/types.js";

/** A duty of one committee: what is due, in which slot. */
export interface Duty {
  readonly kind: number; // DutyKind
  readonly slot: bigint;
}

/** The deadline of a duty, in ms on the node's monotonic clock: after it, its data is worthless. */
export type Deadline = number;

/** Knows when duties are due (from the beacon node's duties endpoints and the slot clock). */
export interface Scheduler {
  /** Calls `onDuty` when a duty of this committee starts; returns an unsubscribe function. */
  subscribe(onDuty: (duty: Duty, deadline: Deadline) => void): () => void;
}

/** Fetches the unsigned data of a duty from this node's own beacon node. */
export interface Fetcher {
  fetch(duty: Duty): Promise<Uint8Array>;
  /** The validity predicate consensus applies to proposals: does this data agree with our beacon node? */
  isValid(duty: Duty, data: Uint8Array): boolean;
}

/** The decision of one consensus instance. */
export interface Decision {
  readonly instance: InstanceId;
  readonly value: Uint8Array;
  /** The commit QC: n−f operator signatures proving the decision; kept for audit. */
  readonly proof: QuorumCert;
}

/** Agrees with the committee on one value per instance (HotStuff; see consensus/hotstuff.ts). */
export interface Consensus {
  /**
   * Starts (or joins) the instance with our own proposal. Resolves with the decided value, which may be another
   * member's proposal; rejects with ConsensusExpiredError if the deadline passes without a decision.
   */
  propose(
    instance: InstanceId,
    proposal: Uint8Array,
    deadline: Deadline,
    isValid: (value: Uint8Array) => boolean,
  ): Promise<Decision>;
  stop(): Promise<void>;
}

/** A partial BLS signature of one share over one signing root. */
export interface PartialSignature {
  readonly duty: Duty;
  readonly validatorPubkey: Uint8Array;
  readonly shareIndex: number;
  readonly signature: Uint8Array;
}

/** Exchanges partial signatures among the committee (over the Transport). */
export interface ParSigEx {
  broadcast(partials: readonly PartialSignature[]): Promise<void>;
  subscribe(onPartials: (from: number, partials: readonly PartialSignature[]) => void): () => void;
}

/** Collects t valid partials per validator and combines them into the validator signature. */
export interface SigAgg {
  add(partial: PartialSignature): void;
  subscribe(onSigned: (duty: Duty, validatorPubkey: Uint8Array, signature: Uint8Array) => void): () => void;
}

/** Submits signed duty data to the beacon node. */
export interface Broadcaster {
  broadcast(duty: Duty, validatorPubkey: Uint8Array, signedData: Uint8Array): Promise<void>;
}

/**
 * Authenticated, bounded, per-protocol messaging between committee members. Peers are addressed by member index
 * (position of the operator in the sorted committee); a frame arrives only from a peer that proved its identity key.
 */
export interface Transport {
  /**
   * Queues a frame for one member. Never blocks: when the member's queue is full, the frames of the oldest
   * `priority` (slot) are dropped first. Throws FrameTooLargeError for a frame above the channel's limit.
   */
  send(to: number, frame: Uint8Array, priority: bigint): void;
  /** Queues a frame for every other member. */
  broadcast(frame: Uint8Array, priority: bigint): void;
  /** Drops queued frames below `priority` (e.g. slots whose duties are over). */
  pruneBelow(priority: bigint): void;
  /** Registers the receiver; frames are delivered with the sender's member index. */
  onFrame(handler: (from: number, frame: Uint8Array) => void): void;
}
