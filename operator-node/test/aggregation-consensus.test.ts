import { BitArray } from "@chainsafe/ssz";
import { TARGET_AGGREGATORS_PER_COMMITTEE } from "@lodestar/params";
import { interopSecretKey } from "@lodestar/state-transition";
import { type phase0, ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  type AggregationView,
  decodeAggregates,
  encodeAggregates,
  isAcceptableAggregates,
  isAggregator,
} from "../src/duties/aggregation.js";
import type { AttesterDuty } from "../src/duties/attester.js";
import { selectionProofSigningRoot } from "../src/duties/attester.js";
import { testChain } from "./helpers/spec-roots.js";

// Two of our validators in one beacon committee of 4 at slot 9; validator 5 aggregates. What one member's beacon
// node returns is checked by another's view: same decided data, our attesters' bits present, a real selection proof.
const chain = testChain(Number.POSITIVE_INFINITY);
const SLOT = 9;
const key = (i: number) => interopSecretKey(i);
const duties: AttesterDuty[] = [5, 6].map((validatorIndex, i) => ({
  validatorIndex,
  pubkey: key(validatorIndex).toPublicKey().toBytes(),
  slot: SLOT,
  committeeIndex: 1,
  committeeLength: 4,
  validatorCommitteeIndex: i,
}));
const decided: phase0.AttestationData = {
  slot: SLOT,
  index: 0,
  beaconBlockRoot: sha256(Uint8Array.of(1)),
  source: { epoch: 0, root: new Uint8Array(32) },
  target: { epoch: 1, root: sha256(Uint8Array.of(2)) },
};
const selectionProofRoot = selectionProofSigningRoot(chain, SLOT);
const view: AggregationView = {
  duties,
  dataFor: (committeeIndex) => ({ ...decided, index: committeeIndex }),
  attested: () => true,
  selectionProofRoot,
};

function aggregateAndProof(bits: number[], data = view.dataFor(1), signer = 5): phase0.AggregateAndProof {
  const aggregationBits = BitArray.fromBitLen(4);
  for (const b of bits) aggregationBits.set(b, true);
  return {
    aggregatorIndex: 5,
    aggregate: { aggregationBits, data, signature: key(5).sign(Uint8Array.of(1)).toBytes() },
    selectionProof: key(signer).sign(selectionProofRoot).toBytes(),
  };
}

describe("consensus on aggregate-and-proofs", () => {
  it("the proof makes validator 5 an aggregator (committee of 4: modulo 1)", () => {
    expect(isAggregator(4, aggregateAndProof([0, 1]).selectionProof)).toBe(true);
  });

  it("accepts another beacon node's aggregate with more bits than ours", () => {
    expect(isAcceptableAggregates([aggregateAndProof([0, 1])], view)).toBe(true);
    expect(isAcceptableAggregates([aggregateAndProof([0, 1, 2, 3])], view)).toBe(true);
  });

  it("refuses an aggregate missing one of our attesters, over other data, or with a foreign selection proof", () => {
    expect(isAcceptableAggregates([aggregateAndProof([0, 2])], view)).toBe(false);
    const otherTarget = { ...view.dataFor(1), target: { epoch: 1, root: new Uint8Array(32) } };
    expect(isAcceptableAggregates([aggregateAndProof([0, 1], otherTarget)], view)).toBe(false);
    expect(isAcceptableAggregates([aggregateAndProof([0, 1], view.dataFor(1), 7)], view)).toBe(false);
  });

  it("refuses an empty list, duplicates, an aggregator without a duty, and wrong bit lengths", () => {
    expect(isAcceptableAggregates([], view)).toBe(false);
    expect(isAcceptableAggregates([aggregateAndProof([0, 1]), aggregateAndProof([0, 1])], view)).toBe(false);
    expect(isAcceptableAggregates([{ ...aggregateAndProof([0, 1]), aggregatorIndex: 8 }], view)).toBe(false);
    const long = aggregateAndProof([0, 1]);
    long.aggregate.aggregationBits = BitArray.fromBoolArray([true, true, false, false, false]);
    expect(isAcceptableAggregates([long], view)).toBe(false);
  });

  it("a validator that did not attest here need not be in the aggregate", () => {
    const only5 = { ...view, attested: (i: number) => i === 5 };
    expect(isAcceptableAggregates([aggregateAndProof([0])], only5)).toBe(true);
  });

  it("the consensus value is an SSZ list of AggregateAndProof; malformed bytes decode to nothing", () => {
    const list = [aggregateAndProof([0, 1])];
    const bytes = encodeAggregates(chain.config, SLOT, list);
    const back = decodeAggregates(chain.config, SLOT, bytes)!;
    expect(back.map((a) => ssz.phase0.AggregateAndProof.hashTreeRoot(a))).toEqual(
      list.map((a) => ssz.phase0.AggregateAndProof.hashTreeRoot(a)),
    );
    expect(decodeAggregates(chain.config, SLOT, bytes.subarray(0, bytes.length - 3))).toBeUndefined();
  });
});

// A committee of 4 gives modulo 1: every proof aggregates, so nothing above can see a refusal for selection. A
// mainnet-sized beacon committee of 128 gives modulo 128 / TARGET_AGGREGATORS_PER_COMMITTEE = 8.
describe("aggregator selection with modulo 8 (a beacon committee of 128)", () => {
  const LENGTH = 128;
  const MODULO = Math.max(1, Math.floor(LENGTH / TARGET_AGGREGATORS_PER_COMMITTEE));
  const proofOf = (v: number) => key(v).sign(selectionProofRoot).toBytes();
  /** The spec's rule written out: bytes_to_uint64(hash(proof)[0:8]) (little-endian) % modulo == 0. */
  const specSelects = (proof: Uint8Array) => {
    const h = sha256(proof);
    let n = 0n;
    for (let i = 7; i >= 0; i--) n = (n << 8n) | BigInt(h[i]!);
    return n % BigInt(MODULO) === 0n;
  };
  const validators = Array.from({ length: 64 }, (_, v) => v);

  it("is_aggregator agrees with the spec formula on 64 real selection proofs, both ways", () => {
    expect(MODULO).toBe(8);
    const selected = validators.map((v) => specSelects(proofOf(v)));
    for (const v of validators) expect(isAggregator(LENGTH, proofOf(v))).toBe(selected[v]);
    const count = selected.filter(Boolean).length;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(validators.length);
  });

  it("refuses an aggregate from a validator its selection proof does not select, accepts the same from one it does", () => {
    const aggregator = validators.find((v) => specSelects(proofOf(v)))!;
    const bystander = validators.find((v) => !specSelects(proofOf(v)))!;
    const bigDuties: AttesterDuty[] = [aggregator, bystander].map((validatorIndex, i) => ({
      validatorIndex,
      pubkey: key(validatorIndex).toPublicKey().toBytes(),
      slot: SLOT,
      committeeIndex: 1,
      committeeLength: LENGTH,
      validatorCommitteeIndex: i,
    }));
    const bigView: AggregationView = { ...view, duties: bigDuties };
    const by = (v: number): phase0.AggregateAndProof => {
      const aggregationBits = BitArray.fromBitLen(LENGTH);
      for (const b of [0, 1, 77]) aggregationBits.set(b, true);
      return {
        aggregatorIndex: v,
        aggregate: { aggregationBits, data: view.dataFor(1), signature: key(v).sign(Uint8Array.of(1)).toBytes() },
        selectionProof: proofOf(v),
      };
    };
    expect(isAcceptableAggregates([by(aggregator)], bigView)).toBe(true);
    // Identical in every other respect, with a real proof by the right key: only the selection differs.
    expect(isAcceptableAggregates([by(bystander)], bigView)).toBe(false);
  });
});
