/**
 * Consensus vocabulary shared by the HotStuff core, its codec, the simulator and the transport.
 * Names follow the HotStuff paper (Yin et al., PODC 2019): phases prepare / pre-commit / commit / decide,
 * quorum certificates (QC), lockedQC, highQC, safeNode.
 */

/** Which duty an instance decides for. One instance per (committee, duty kind, slot). */
export const DutyKind = {
  attester: 0,
  aggregator: 1,
  proposer: 2,
  syncCommittee: 3,
  syncContribution: 4,
  randao: 5,
  exit: 6,
} as const;
export type DutyKind = (typeof DutyKind)[keyof typeof DutyKind];

/** 32-byte committee id (e.g. hash of the sorted operator ids), duty kind (0..255) and slot (u64). */
export interface InstanceId {
  readonly committeeId: Uint8Array;
  readonly dutyKind: number;
  readonly slot: bigint;
}

/** Message types on the wire. */
export const MsgType = {
  newView: 1,
  prepare: 2,
  preCommit: 3,
  commit: 4,
  decide: 5,
  vote: 6,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

/** The phase a vote (and so a QC) is for. */
export const Phase = {
  prepare: 1,
  preCommit: 2,
  commit: 3,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * A quorum certificate: n−f votes of distinct committee members for (instance, phase, view, valueHash).
 * `signers` is sorted ascending; `signatures[i]` belongs to `signers[i]`.
 */
export interface QuorumCert {
  readonly phase: Phase;
  readonly view: number;
  readonly valueHash: Uint8Array;
  readonly signers: readonly number[];
  readonly signatures: readonly Uint8Array[];
}

/**
 * One consensus message. Which optional fields are present depends on `type` (checked by `checkShape`):
 * - newView:   justify = sender's prepareQC (optional) and then value = its value
 * - prepare:   value (the proposal), justify = highQC (optional, phase prepare)
 * - preCommit: value, justify = prepareQC of this view
 * - commit:    value, justify = preCommitQC of this view
 * - decide:    value, justify = commitQC (any view)
 * - vote:      vote = {phase, valueHash}; `signature` is the vote signature that goes into a QC
 */
export interface ConsensusMsg {
  readonly type: MsgType;
  readonly instance: InstanceId;
  readonly view: number;
  readonly sender: number;
  readonly vote?: { readonly phase: Phase; readonly valueHash: Uint8Array };
  readonly justify?: QuorumCert;
  readonly value?: Uint8Array;
  /** 64-byte compact secp256k1 signature (r‖s, low-s) by committee member `sender`. */
  readonly signature: Uint8Array;
}

/** Signs a 32-byte digest with this operator's identity key. Injected so the core stays pure. */
export interface Signer {
  sign(digest: Uint8Array): Uint8Array;
}

/** Verifies a 64-byte signature over a 32-byte digest against a 33-byte compressed public key. */
export interface Verifier {
  verify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
  /**
   * Optional: the same check given the preimage whose SHA-256 is the digest (for backends that hash themselves).
   * Consensus uses it when present; it must accept exactly what `verify(key, sha256(preimage), sig)` accepts.
   */
  verifyPreimage?(publicKey: Uint8Array, preimage: Uint8Array, signature: Uint8Array): boolean;
}

// Committee arithmetic has one home, the sdk; these names stay importable from here for the consensus modules.
export { COMMITTEE_SIZES, faultTolerance, quorumSize } from "@cohort/sdk/committee/size";

/**
 * What one member must remember of an instance across a crash to stay safe: the highest (view, phase) it voted in,
 * so it never signs a second, conflicting vote there, and its lock (HotStuff's lockedQC), so it never votes for a
 * value that conflicts with one that may already be decided. The prepareQC only helps liveness (it is what a
 * NEW-VIEW carries) and is kept beside them because it costs nothing extra.
 */
export interface SafetyState {
  readonly votedView: number;
  readonly votedPhase: Phase;
  readonly locked?: CertifiedValue;
  readonly prepared?: CertifiedValue;
}

/** A QC together with the value it certifies. */
export interface CertifiedValue {
  readonly qc: QuorumCert;
  readonly value: Uint8Array;
}

/**
 * Durable home of SafetyState, one row per instance. `save` must be durable when it returns: the engine releases a
 * vote only after it. Implemented over SQLite in store/consensus-state.ts.
 */
export interface SafetyStore {
  load(instance: InstanceId): SafetyState | undefined;
  save(instance: InstanceId, state: SafetyState): void;
  /** Forgets instances of slots below `slot`: their deadlines are long past, nobody can finish them any more. */
  pruneBelow(slot: bigint): void;
}
