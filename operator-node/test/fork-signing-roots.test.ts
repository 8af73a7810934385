/**
 * Signing roots the DV node makes, per fork from Deneb to Fulu and across their boundaries (minimal preset: Deneb at
 * epoch 1, Electra at 2, Fulu at 3, so slot 15 is Deneb's last and 16 Electra's first). Expected values pair
 * @lodestar/types 1.46 object roots with domains built from an explicit fork version, not with the config's fork
 * lookup the node uses, and the domain itself is checked against the spec's formula written out by hand.
 */
import { BitArray } from "@chainsafe/ssz";
import { minimalChainConfig } from "@lodestar/config/configs";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_RANDAO,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  DOMAIN_VOLUNTARY_EXIT,
  MAX_COMMITTEES_PER_SLOT,
  ZERO_HASH,
} from "@lodestar/params";
import { beaconBlockToBlinded, computeDomain, computeSigningRoot } from "@lodestar/state-transition";
import { type BeaconBlock, type phase0, ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  aggregateAndProofSigningRoot,
  attestationSigningRoot,
  selectionProofSigningRoot,
} from "../src/duties/attester.js";
import type { BeaconChain } from "../src/duties/beacon.js";
import { registrationSigningRoot } from "../src/duties/builder.js";
import { voluntaryExitSigningRoot } from "../src/duties/exit.js";
import {
  blindedBlockRoot,
  blindedBlockSigningRoot,
  blockSigningRoot,
  decodeBlock,
  decodeProposal,
  encodeBlock,
  encodeProposal,
  randaoSigningRoot,
} from "../src/duties/proposer.js";
import {
  contributionAndProofSigningRoot,
  syncMessageSigningRoot,
  syncSelectionProofSigningRoot,
} from "../src/duties/sync-committee.js";
import {
  chunk,
  forkScheduleConfig,
  GENESIS_VALIDATORS_ROOT,
  pair,
  signingRoot,
  domain as specDomain,
  uint64,
} from "./helpers/spec-roots.js";

const V = {
  genesis: minimalChainConfig.GENESIS_FORK_VERSION,
  capella: minimalChainConfig.CAPELLA_FORK_VERSION,
  deneb: minimalChainConfig.DENEB_FORK_VERSION,
  electra: minimalChainConfig.ELECTRA_FORK_VERSION,
  fulu: minimalChainConfig.FULU_FORK_VERSION,
};
const config = forkScheduleConfig({ ALTAIR: 0, BELLATRIX: 0, CAPELLA: 0, DENEB: 1, ELECTRA: 2, FULU: 3 });
const chain = { config } as BeaconChain;
const LAST_DENEB = 15;
const FIRST_ELECTRA = 16;
const FIRST_FULU = 24;
const forkOf = { [LAST_DENEB]: V.deneb, [FIRST_ELECTRA]: V.electra, [FIRST_FULU]: V.fulu } as Record<
  number,
  Uint8Array
>;
const BOUNDARY = [LAST_DENEB, FIRST_ELECTRA, FIRST_FULU];

const dom = (type: Uint8Array, version: Uint8Array) => computeDomain(type, version, GENESIS_VALIDATORS_ROOT);
const root32 = (n: number) => sha256(Uint8Array.of(n));

function attestationData(slot: number): phase0.AttestationData {
  return {
    slot,
    index: 0, // from Electra on the committee is in committee_bits; data is signed for index 0 (EIP-7549)
    beaconBlockRoot: root32(1),
    source: { epoch: 0, root: root32(2) },
    target: { epoch: Math.floor(slot / 8), root: root32(3) },
  };
}

function block(slot: number): BeaconBlock {
  const b = config.getForkTypes(slot).BeaconBlock.defaultValue();
  b.slot = slot;
  b.proposerIndex = 5;
  b.parentRoot = root32(4);
  b.stateRoot = root32(5);
  const payload = (b.body as { executionPayload: { blockHash: Uint8Array; transactions: Uint8Array[] } })
    .executionPayload;
  payload.blockHash = root32(6);
  payload.transactions = [Uint8Array.of(1, 2, 3)];
  return b;
}

describe("fork domains", () => {
  it("the config's domain at Deneb's last slot is Deneb's, at Electra's first slot Electra's, as the spec formula gives", () => {
    expect(dom(DOMAIN_BEACON_ATTESTER, V.deneb)).toEqual(specDomain(DOMAIN_BEACON_ATTESTER, V.deneb));
    for (const slot of BOUNDARY) {
      expect(config.getDomain(slot, DOMAIN_BEACON_ATTESTER)).toEqual(dom(DOMAIN_BEACON_ATTESTER, forkOf[slot]!));
    }
    expect(dom(DOMAIN_BEACON_ATTESTER, V.deneb)).not.toEqual(dom(DOMAIN_BEACON_ATTESTER, V.electra));
  });
});

describe("attestations and aggregation", () => {
  it.each(BOUNDARY)("attestation data at slot %i signs with that slot's fork", (slot) => {
    const data = attestationData(slot);
    const expected = computeSigningRoot(ssz.phase0.AttestationData, data, dom(DOMAIN_BEACON_ATTESTER, forkOf[slot]!));
    expect(attestationSigningRoot(chain, data)).toEqual(expected);
  });

  it("the same vote at the boundary: Electra's first slot signs with Electra's domain, not Deneb's", () => {
    // Fresh objects for each root: Lodestar caches an AttestationData's root on the object, and a spread copies it.
    const electraData = attestationData(FIRST_ELECTRA);
    const asIfDeneb = computeSigningRoot(
      ssz.phase0.AttestationData,
      attestationData(FIRST_ELECTRA),
      dom(DOMAIN_BEACON_ATTESTER, V.deneb),
    );
    expect(attestationSigningRoot(chain, electraData)).not.toEqual(asIfDeneb);
    expect(attestationSigningRoot(chain, attestationData(FIRST_ELECTRA))).toEqual(
      signingRoot(
        ssz.phase0.AttestationData.hashTreeRoot(attestationData(FIRST_ELECTRA)),
        specDomain(DOMAIN_BEACON_ATTESTER, V.electra),
      ),
    );
  });

  it.each(BOUNDARY)("selection proof at slot %i: the slot with DOMAIN_SELECTION_PROOF of its fork", (slot) => {
    expect(selectionProofSigningRoot(chain, slot)).toEqual(
      signingRoot(uint64(slot), specDomain(DOMAIN_SELECTION_PROOF, forkOf[slot]!)),
    );
  });

  it("Electra AggregateAndProof: the container with committee_bits, by hand, is what @lodestar/types hashes", () => {
    const data = attestationData(FIRST_ELECTRA);
    // A fresh object per hash: Lodestar caches an AggregateAndProof's root on the object itself.
    const message = () => ({
      aggregatorIndex: 6,
      aggregate: {
        aggregationBits: BitArray.fromBoolArray([true, false, true]),
        data,
        signature: new Uint8Array(96).fill(7),
        committeeBits: BitArray.fromSingleBit(MAX_COMMITTEES_PER_SLOT, 1),
      },
      selectionProof: new Uint8Array(96).fill(9),
    });
    // Bitlist[MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT]: 8192 bits (minimal) = 32 chunks, length mixed in.
    const bitsRoot = pair(merkleize([chunk(Uint8Array.of(0b101))], 32), uint64(3));
    const sigRoot = (s: Uint8Array) => merkleize([s.subarray(0, 32), s.subarray(32, 64), s.subarray(64, 96)], 4);
    const attestationRoot = merkleize(
      [
        bitsRoot,
        ssz.phase0.AttestationData.hashTreeRoot(data),
        sigRoot(new Uint8Array(96).fill(7)),
        chunk(Uint8Array.of(0b10)),
      ],
      4,
    );
    const expected = merkleize([uint64(6), attestationRoot, sigRoot(new Uint8Array(96).fill(9))], 4);
    expect(ssz.electra.AggregateAndProof.hashTreeRoot(message())).toEqual(expected);
    // The phase0 container of the same fields is another root: an Electra aggregate must not be signed as phase0's.
    expect(ssz.phase0.AggregateAndProof.hashTreeRoot(message())).not.toEqual(expected);
    expect(
      computeSigningRoot(ssz.electra.AggregateAndProof, message(), config.getDomain(16, DOMAIN_AGGREGATE_AND_PROOF)),
    ).toEqual(signingRoot(expected, specDomain(DOMAIN_AGGREGATE_AND_PROOF, V.electra)));
    // The node's root for the aggregate it signs.
    expect(aggregateAndProofSigningRoot(chain, message())).toEqual(
      signingRoot(expected, specDomain(DOMAIN_AGGREGATE_AND_PROOF, V.electra)),
    );
  });

  it("Deneb's last slot: the node signs the phase0-shaped AggregateAndProof with Deneb's domain", () => {
    const message = () => ({
      aggregatorIndex: 6,
      aggregate: {
        aggregationBits: BitArray.fromBoolArray([true, false, true]),
        data: attestationData(LAST_DENEB),
        signature: new Uint8Array(96).fill(7),
      },
      selectionProof: new Uint8Array(96).fill(9),
    });
    const expected = signingRoot(
      ssz.phase0.AggregateAndProof.hashTreeRoot(message()),
      specDomain(DOMAIN_AGGREGATE_AND_PROOF, V.deneb),
    );
    expect(aggregateAndProofSigningRoot(chain, message())).toEqual(expected);
  });
});

describe("block proposals", () => {
  const LAST_CAPELLA = 7;
  const expectedBlockRoot = (slot: number, b: BeaconBlock, version: Uint8Array) =>
    computeSigningRoot(config.getForkTypes(slot).BeaconBlock, b, dom(DOMAIN_BEACON_PROPOSER, version));

  it("the node's block signing root and consensus value at Capella's last slot, before the blob forks", () => {
    const b = block(LAST_CAPELLA);
    expect(blockSigningRoot(config, b)).toEqual(expectedBlockRoot(LAST_CAPELLA, b, V.capella));
    const decoded = decodeBlock(config, LAST_CAPELLA, encodeBlock(config, b));
    expect(decoded && ssz.capella.BeaconBlock.equals(decoded as never, b as never)).toBe(true);
  });

  // What the node must sign once it proposes Deneb+ blocks: consensus may run on the header with the body's root or
  // on the blinded block, because all three give the fork's block signing root.
  it.each(BOUNDARY)(
    "block at slot %i: the fork's block, its header with the body root and its blinded block sign alike",
    (slot) => {
      const b = block(slot);
      const types = config.getForkTypes(slot);
      const header = {
        slot: b.slot,
        proposerIndex: b.proposerIndex,
        parentRoot: b.parentRoot,
        stateRoot: b.stateRoot,
        bodyRoot: types.BeaconBlockBody.hashTreeRoot(b.body),
      };
      const d = dom(DOMAIN_BEACON_PROPOSER, forkOf[slot]!);
      const expected = expectedBlockRoot(slot, b, forkOf[slot]!);
      expect(computeSigningRoot(ssz.phase0.BeaconBlockHeader, header, d)).toEqual(expected);
      // biome-ignore lint/suspicious/noExplicitAny: the slot's fork is post-Bellatrix, as the helper demands.
      const blinded = beaconBlockToBlinded(config, b as any);
      const blindedType = (
        ssz as unknown as Record<string, { BlindedBeaconBlock: typeof ssz.electra.BlindedBeaconBlock }>
      )[config.getForkName(slot)]!.BlindedBeaconBlock;
      expect(computeSigningRoot(blindedType, blinded as never, d)).toEqual(expected);
      // What the node signs and agrees on from Deneb: the blinded block, in a proposal value of a few hundred bytes.
      expect(blindedBlockSigningRoot(config, blinded)).toEqual(expected);
      expect(blindedBlockRoot(config, blinded)).toEqual(types.BeaconBlock.hashTreeRoot(b));
      for (const builder of [false, true]) {
        const bytes = encodeProposal(config, { builder, blinded });
        expect(bytes.length).toBeLessThan(2048);
        const back = decodeProposal(config, slot, bytes);
        expect(back?.builder).toBe(builder);
        expect(blindedBlockSigningRoot(config, back!.blinded)).toEqual(expected);
        expect(decodeProposal(config, slot + 1, bytes)).toBeUndefined();
        expect(decodeProposal(config, slot, bytes.subarray(0, bytes.length - 1))).toBeUndefined();
        expect(decodeProposal(config, slot, Uint8Array.of(2, ...bytes.subarray(1)))).toBeUndefined();
      }
    },
  );

  it("a Deneb blinded block is no proposal at Electra's first slot, nor the reverse", () => {
    // biome-ignore lint/suspicious/noExplicitAny: post-Bellatrix blocks, as the helper demands.
    const deneb = beaconBlockToBlinded(config, block(LAST_DENEB) as any);
    // biome-ignore lint/suspicious/noExplicitAny: post-Bellatrix blocks, as the helper demands.
    const electra = beaconBlockToBlinded(config, block(FIRST_ELECTRA) as any);
    const asElectra = encodeProposal(config, { builder: false, blinded: deneb }).slice();
    asElectra.set(Uint8Array.of(FIRST_ELECTRA), 1); // the slot's low byte: a Deneb body under an Electra slot
    expect(decodeProposal(config, FIRST_ELECTRA, asElectra)).toBeUndefined();
    const asDeneb = encodeProposal(config, { builder: false, blinded: electra }).slice();
    asDeneb.set(Uint8Array.of(LAST_DENEB), 1);
    expect(decodeProposal(config, LAST_DENEB, asDeneb)).toBeUndefined();
  });

  it("Deneb's last block and Electra's first: different containers and domains, and neither reads as the other", () => {
    const deneb = block(LAST_DENEB);
    const electra = block(FIRST_ELECTRA);
    expect(Object.keys(electra.body)).toContain("executionRequests");
    expect(Object.keys(deneb.body)).not.toContain("executionRequests");
    const electraBytes = ssz.electra.BeaconBlock.serialize(electra as never);
    expect(() => ssz.deneb.BeaconBlock.deserialize(electraBytes)).toThrow();
    expect(dom(DOMAIN_BEACON_PROPOSER, V.deneb)).not.toEqual(dom(DOMAIN_BEACON_PROPOSER, V.electra));
  });

  it.each(BOUNDARY)("RANDAO reveal at slot %i: the epoch with DOMAIN_RANDAO of the slot's fork", (slot) => {
    expect(randaoSigningRoot(config, slot)).toEqual(
      signingRoot(uint64(Math.floor(slot / 8)), specDomain(DOMAIN_RANDAO, forkOf[slot]!)),
    );
  });
});

describe("sync committee", () => {
  it.each(BOUNDARY)("message, selection proof and contribution-and-proof at slot %i use the slot's fork", (slot) => {
    const v = forkOf[slot]!;
    const head = root32(8);
    expect(syncMessageSigningRoot(config, slot, head)).toEqual(signingRoot(head, specDomain(DOMAIN_SYNC_COMMITTEE, v)));
    expect(syncSelectionProofSigningRoot(config, slot, 2)).toEqual(
      signingRoot(pair(uint64(slot), uint64(2)), specDomain(DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, v)),
    );
    const message = {
      aggregatorIndex: 3,
      contribution: {
        slot,
        beaconBlockRoot: head,
        subcommitteeIndex: 2,
        aggregationBits: BitArray.fromSingleBit(8, 4),
        signature: new Uint8Array(96).fill(1),
      },
      selectionProof: new Uint8Array(96).fill(2),
    };
    expect(contributionAndProofSigningRoot(config, message)).toEqual(
      computeSigningRoot(ssz.altair.ContributionAndProof, message, dom(DOMAIN_CONTRIBUTION_AND_PROOF, v)),
    );
  });
});

describe("voluntary exits (EIP-7044)", () => {
  it.each(BOUNDARY)("signed at slot %i, an exit uses the Capella fork version whatever its epoch", (slot) => {
    for (const epoch of [0, 1, 2, 3]) {
      const exit = { epoch, validatorIndex: 7 };
      expect(voluntaryExitSigningRoot(config, exit, slot)).toEqual(
        signingRoot(pair(uint64(epoch), uint64(7)), specDomain(DOMAIN_VOLUNTARY_EXIT, V.capella)),
      );
    }
  });

  it("before Deneb, the exit epoch's fork signs (Capella here): the rule changes at Deneb, not at the exit", () => {
    expect(voluntaryExitSigningRoot(config, { epoch: 0, validatorIndex: 7 }, 7)).toEqual(
      signingRoot(pair(uint64(0), uint64(7)), specDomain(DOMAIN_VOLUNTARY_EXIT, V.capella)),
    );
    expect(voluntaryExitSigningRoot(config, { epoch: 2, validatorIndex: 7 }, FIRST_ELECTRA)).not.toEqual(
      signingRoot(pair(uint64(2), uint64(7)), specDomain(DOMAIN_VOLUNTARY_EXIT, V.electra)),
    );
  });
});

describe("builder validator registration", () => {
  it("ValidatorRegistrationV1 by hand, with DOMAIN_APPLICATION_BUILDER over the genesis version and a zero root", () => {
    const pubkey = new Uint8Array(48).fill(0xaa);
    const message = {
      feeRecipient: new Uint8Array(20).fill(0xfe),
      gasLimit: 30_000_000,
      timestamp: 1_700_000_000,
      pubkey,
    };
    const objectRoot = merkleize(
      [
        chunk(message.feeRecipient),
        uint64(message.gasLimit),
        uint64(message.timestamp),
        pair(pubkey.subarray(0, 32), chunk(pubkey.subarray(32))),
      ],
      4,
    );
    expect(ssz.bellatrix.ValidatorRegistrationV1.hashTreeRoot(message)).toEqual(objectRoot);
    const forkData = pair(chunk(V.genesis), ZERO_HASH);
    const builderDomain = Uint8Array.from([...DOMAIN_APPLICATION_BUILDER, ...forkData.subarray(0, 28)]);
    expect(computeDomain(DOMAIN_APPLICATION_BUILDER, config.GENESIS_FORK_VERSION, ZERO_HASH)).toEqual(builderDomain);
    // What the node threshold-signs, in any fork.
    expect(registrationSigningRoot(config, message)).toEqual(signingRoot(objectRoot, builderDomain));
    // Not the chain's domain: a registration signed with the genesis validators root would be refused by relays.
    expect(builderDomain).not.toEqual(specDomain(DOMAIN_APPLICATION_BUILDER, V.genesis));
  });
});

/** hash_tree_root of `chunks` padded with zero chunks to `limit` (a power of two). */
function merkleize(chunks: Uint8Array[], limit: number): Uint8Array {
  let layer = [...chunks];
  while (layer.length < limit) layer.push(new Uint8Array(32));
  while (layer.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(pair(layer[i]!, layer[i + 1]!));
    layer = next;
  }
  return layer[0]!;
}
