import { BitArray } from "@chainsafe/ssz";
import { MAX_COMMITTEES_PER_SLOT } from "@lodestar/params";
import { interopSecretKey } from "@lodestar/state-transition";
import type { electra } from "@lodestar/types";
import { ssz } from "@lodestar/types";
import { describe, expect, it } from "vitest";
import {
  type AggregationView,
  decodeAggregates,
  encodeAggregates,
  isAcceptableAggregates,
} from "../src/duties/aggregation.js";
import { selectionProofSigningRoot } from "../src/duties/attester.js";
import type { BeaconChain } from "../src/duties/beacon.js";
import { dataForCommittee } from "../src/duties/fetcher.js";
import { forkScheduleConfig } from "./helpers/spec-roots.js";

// Deneb until epoch 2, Electra from slot 16 (minimal preset).
const config = forkScheduleConfig({ ALTAIR: 0, BELLATRIX: 0, CAPELLA: 0, DENEB: 0, ELECTRA: 2 }, new Uint8Array(32));
const chain = { config } as BeaconChain;
const SLOT = 17;
const VALIDATOR = 5;
const sk = interopSecretKey(VALIDATOR);
const duty = {
  validatorIndex: VALIDATOR,
  pubkey: sk.toPublicKey().toBytes(),
  slot: SLOT,
  committeeIndex: 1,
  committeeLength: 3, // max(1, 3 / 16) = 1: every selection proof aggregates
  validatorCommitteeIndex: 2,
};
const decided = ssz.phase0.AttestationData.serialize({
  slot: SLOT,
  index: 0,
  beaconBlockRoot: new Uint8Array(32).fill(1),
  source: { epoch: 1, root: new Uint8Array(32).fill(2) },
  target: { epoch: 2, root: new Uint8Array(32).fill(3) },
});
const view: AggregationView = {
  duties: [duty],
  dataFor: (c) => dataForCommittee(decided, c, true),
  attested: () => true,
  selectionProofRoot: selectionProofSigningRoot(chain, SLOT),
};
const proof = sk.sign(view.selectionProofRoot).toBytes();

function aggregate(committees: number[], bits = [false, false, true]): electra.AggregateAndProof {
  return {
    aggregatorIndex: VALIDATOR,
    aggregate: {
      aggregationBits: BitArray.fromBoolArray(bits),
      data: dataForCommittee(decided, 1, true),
      signature: new Uint8Array(96),
      committeeBits: BitArray.fromBoolArray(
        Array.from({ length: MAX_COMMITTEES_PER_SLOT }, (_, i) => committees.includes(i)),
      ),
    },
    selectionProof: proof,
  };
}

describe("Electra aggregates in aggregation consensus (EIP-7549)", () => {
  it("data for every committee is the decided data with index 0", () => {
    expect(dataForCommittee(decided, 3, true).index).toBe(0);
    expect(dataForCommittee(decided, 3, false).index).toBe(3);
  });

  it("accepts the aggregator's own committee bit with our validator's bit set, and nothing else", () => {
    expect(isAcceptableAggregates([aggregate([1])], view)).toBe(true);
    expect(isAcceptableAggregates([aggregate([0])], view)).toBe(false); // another committee
    expect(isAcceptableAggregates([aggregate([0, 1])], view)).toBe(false); // two committees: not an aggregate-topic one
    expect(isAcceptableAggregates([aggregate([])], view)).toBe(false);
    expect(isAcceptableAggregates([aggregate([1], [true, false, false])], view)).toBe(false); // our bit missing
  });

  it("the consensus value is an Electra list at Electra slots and a phase0 list before", () => {
    const bytes = encodeAggregates(config, SLOT, [aggregate([1])]);
    const back = decodeAggregates(config, SLOT, bytes) as electra.AggregateAndProof[];
    expect(back[0]!.aggregate.committeeBits.getTrueBitIndexes()).toEqual([1]);
    expect(isAcceptableAggregates(back, view)).toBe(true);
    // Read at Deneb's last slot the same bytes are no phase0 list.
    expect(decodeAggregates(config, 15, bytes)).toBeUndefined();
  });
});
