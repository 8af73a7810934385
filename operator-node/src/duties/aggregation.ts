/**
 * Aggregation with consensus: the committee agrees on the slot's AggregateAndProofs (one per aggregating validator)
 * before any member signs one, so members whose beacon nodes hold different aggregates still sign the same root.
 * The value is an SSZ list of the slot fork's AggregateAndProof; the validity predicate is `isAcceptableAggregate`.
 */
import { PublicKey, Signature, verify } from "@chainsafe/blst";
import { ListCompositeType } from "@chainsafe/ssz";
import type { BeaconConfig } from "@lodestar/config";
import { ForkSeq, TARGET_AGGREGATORS_PER_COMMITTEE } from "@lodestar/params";
import { type electra, type phase0, ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import type { AnyAggregateAndProof, AttesterDuty } from "./attester.js";

/** At most one aggregate per validator of the slot; a committee runs far fewer than this. */
const MAX_AGGREGATES = 256;

const phase0List = new ListCompositeType(ssz.phase0.AggregateAndProof, MAX_AGGREGATES);
/** Electra's AggregateAndProof: the aggregate carries committee_bits (EIP-7549). */
const electraList = new ListCompositeType(ssz.electra.AggregateAndProof, MAX_AGGREGATES);

const isElectraSlot = (config: BeaconConfig, slot: number) => config.getForkSeq(slot) >= ForkSeq.electra;

export function encodeAggregates(config: BeaconConfig, slot: number, list: AnyAggregateAndProof[]): Uint8Array {
  if (isElectraSlot(config, slot)) return electraList.serialize(list as electra.AggregateAndProof[]);
  return phase0List.serialize(list as phase0.AggregateAndProof[]);
}

export function decodeAggregates(
  config: BeaconConfig,
  slot: number,
  bytes: Uint8Array,
): AnyAggregateAndProof[] | undefined {
  try {
    return isElectraSlot(config, slot) ? electraList.deserialize(bytes) : phase0List.deserialize(bytes);
  } catch {
    return undefined; // malformed bytes are an invalid proposal
  }
}

/**
 * The one selection rule behind both aggregator duties (the spec's `is_aggregator` and, with the subcommittee,
 * `is_sync_committee_aggregator`): the first 8 bytes of sha256(selection proof), little-endian, are 0 modulo
 * max(1, group size ÷ target aggregators). Kept in one place so the two duties cannot drift apart.
 */
export function isSelectedAggregator(
  selectionProof: Uint8Array,
  groupSize: number,
  targetAggregators: number,
): boolean {
  const modulo = Math.max(1, Math.floor(groupSize / targetAggregators));
  return Buffer.from(sha256(selectionProof)).readBigUInt64LE(0) % BigInt(modulo) === 0n;
}

/** The spec's `is_aggregator` for a beacon committee of `committeeLength`. */
export function isAggregator(committeeLength: number, selectionProof: Uint8Array): boolean {
  return isSelectedAggregator(selectionProof, committeeLength, TARGET_AGGREGATORS_PER_COMMITTEE);
}

export interface AggregationView {
  /** Our validators' attester duties at the slot. */
  readonly duties: readonly AttesterDuty[];
  /** The attestation data the committee decided for the slot, re-indexed per beacon committee. */
  readonly dataFor: (committeeIndex: number) => phase0.AttestationData;
  /** Validators whose attestation this node signed at the slot: their bits must be in the aggregate. */
  readonly attested: (validatorIndex: number) => boolean;
  readonly selectionProofRoot: Uint8Array;
}

/**
 * Validity of a proposed list: each entry is for one of our duties at the slot, its selection proof is the
 * validator's signature and makes it an aggregator, the aggregate is over the data the committee decided, and its
 * bits include every one of our validators in that beacon committee that attested. A different (larger or smaller)
 * set of other validators' bits is fine: that is where beacon nodes legitimately differ.
 */
export function isAcceptableAggregates(list: AnyAggregateAndProof[] | undefined, view: AggregationView): boolean {
  if (!list || list.length === 0) return false;
  const seen = new Set<number>();
  for (const ap of list) {
    if (seen.has(ap.aggregatorIndex)) return false;
    seen.add(ap.aggregatorIndex);
    if (!isAcceptableAggregate(ap, view)) return false;
  }
  return true;
}

function isAcceptableAggregate(ap: AnyAggregateAndProof, view: AggregationView): boolean {
  const duty = view.duties.find((d) => d.validatorIndex === ap.aggregatorIndex);
  if (!duty || !isAggregator(duty.committeeLength, ap.selectionProof)) return false;
  // Electra: exactly the aggregator's committee, as the aggregate gossip topic requires.
  if ("committeeBits" in ap.aggregate) {
    const committees = ap.aggregate.committeeBits.getTrueBitIndexes();
    if (committees.length !== 1 || committees[0] !== duty.committeeIndex) return false;
  }
  const data = view.dataFor(duty.committeeIndex);
  if (
    !sameRoot(ssz.phase0.AttestationData.hashTreeRoot(ap.aggregate.data), ssz.phase0.AttestationData.hashTreeRoot(data))
  ) {
    return false;
  }
  const bits = ap.aggregate.aggregationBits;
  if (bits.bitLen !== duty.committeeLength) return false;
  for (const d of view.duties) {
    if (
      d.committeeIndex === duty.committeeIndex &&
      view.attested(d.validatorIndex) &&
      !bits.get(d.validatorCommitteeIndex)
    ) {
      return false;
    }
  }
  try {
    return verify(
      view.selectionProofRoot,
      PublicKey.fromBytes(duty.pubkey),
      Signature.fromBytes(ap.selectionProof, true),
    );
  } catch {
    return false; // not a G2 point
  }
}

const sameRoot = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
