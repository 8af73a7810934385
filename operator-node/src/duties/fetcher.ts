/**
 * Fetcher for attester duties: the unsigned AttestationData from this node's own beacon node, and the validity
 * predicate consensus applies to the others' proposals. One value per slot serves all the committee's validators:
 * it is fetched for beacon committee 0 and re-indexed per duty (`dataForCommittee`), since block root, source and
 * target are the same for every committee of a slot.
 */
import { type phase0, ssz } from "@lodestar/types";
import type { Duty, Fetcher } from "../workflow.js";
import { attestationData } from "./attester.js";
import type { BeaconChain } from "./beacon.js";
import { epochOf } from "./scheduler.js";

export class AttestationFetcher implements Fetcher {
  /** This node's own view per slot: what proposals are checked against. */
  private readonly own = new Map<bigint, phase0.AttestationData>();

  constructor(private readonly chain: BeaconChain) {}

  async fetch(duty: Duty): Promise<Uint8Array> {
    const data = await attestationData(this.chain, Number(duty.slot), 0);
    this.own.set(duty.slot, data);
    for (const s of this.own.keys()) if (s + 64n < duty.slot) this.own.delete(s);
    return ssz.phase0.AttestationData.serialize(data);
  }

  /**
   * Accepts a proposal for the same slot and target epoch whose source is not newer than ours (a peer behind us
   * on justification is fine; one ahead of our beacon node cannot be checked, so it is refused).
   */
  isValid(duty: Duty, value: Uint8Array): boolean {
    const own = this.own.get(duty.slot);
    const data = decodeData(value);
    if (!own || !data) return false;
    return (
      BigInt(data.slot) === duty.slot &&
      data.index === 0 &&
      data.target.epoch === epochOf(data.slot) &&
      data.target.epoch === own.target.epoch &&
      data.source.epoch <= own.source.epoch
    );
  }
}

/**
 * The decided data for one beacon committee; a fresh object, so no cached hash-tree-root leaks across indices. From
 * Electra (EIP-7549) every committee signs the same data with index 0: the committee travels beside it.
 */
export function dataForCommittee(value: Uint8Array, committeeIndex: number, electra = false): phase0.AttestationData {
  const data = ssz.phase0.AttestationData.deserialize(value);
  data.index = electra ? 0 : committeeIndex;
  return data;
}

function decodeData(value: Uint8Array): phase0.AttestationData | undefined {
  try {
    return ssz.phase0.AttestationData.deserialize(value);
  } catch {
    return undefined; // a malformed proposal is an invalid one
  }
}
