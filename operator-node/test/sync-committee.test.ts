import { EventEmitter, once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BitArray } from "@chainsafe/ssz";
import { SYNC_COMMITTEE_SUBNET_COUNT, TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE } from "@lodestar/params";
import { mainnetPreset } from "@lodestar/params/presets/mainnet";
import { interopSecretKey } from "@lodestar/state-transition";
import { type altair, ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncCommitteeWorkflow } from "../src/app/sync-committee.js";
import {
  contributionAndProof,
  contributionAndProofSigningRoot,
  hasSyncCommittee,
  isAcceptableContribution,
  isSyncCommitteeAggregator,
  SUBCOMMITTEE_SIZE,
  subcommitteesOf,
  syncMessageSigningRoot,
  syncSelectionProofSigningRoot,
} from "../src/duties/sync-committee.js";
import { silentLogger } from "../src/log.js";
import {
  ALTAIR_VERSION,
  domain,
  PHASE0_VERSION,
  pair,
  signingRoot,
  testChain,
  testConfig,
  uint64,
} from "./helpers/spec-roots.js";

// Altair from epoch 1 (minimal preset: slots 8+): the roots are checked against the spec's formulas by hand.
const config = testConfig(1);
const SLOT = 12;
const BLOCK_ROOT = sha256(new TextEncoder().encode("a head block"));
const DOMAIN_SYNC_COMMITTEE = Uint8Array.from([7, 0, 0, 0]);
const DOMAIN_SELECTION = Uint8Array.from([8, 0, 0, 0]);
const DOMAIN_CONTRIBUTION = Uint8Array.from([9, 0, 0, 0]);
// The tests run under the minimal preset (subcommittee of 8: modulo 1, everyone aggregates). Selection is checked
// with mainnet's numbers, where the modulo is 8 and refusal can happen.
const MAINNET_SUBCOMMITTEE = mainnetPreset.SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;
const MAINNET_MODULO = Math.max(1, Math.floor(MAINNET_SUBCOMMITTEE / TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE));

describe("sync committee signing roots, by hand from the spec", () => {
  it("a sync committee message signs the block root with the Altair fork's DOMAIN_SYNC_COMMITTEE", () => {
    expect(syncMessageSigningRoot(config, SLOT, BLOCK_ROOT)).toEqual(
      signingRoot(BLOCK_ROOT, domain(DOMAIN_SYNC_COMMITTEE, ALTAIR_VERSION)),
    );
  });

  it("a selection proof signs SyncAggregatorSelectionData{slot, subcommittee_index}", () => {
    expect(syncSelectionProofSigningRoot(config, SLOT, 3)).toEqual(
      signingRoot(pair(uint64(SLOT), uint64(3)), domain(DOMAIN_SELECTION, ALTAIR_VERSION)),
    );
    // Another subcommittee is another root: proofs cannot be replayed across subnets.
    expect(syncSelectionProofSigningRoot(config, SLOT, 2)).not.toEqual(syncSelectionProofSigningRoot(config, SLOT, 3));
  });

  it("a contribution-and-proof signs its hash tree root with DOMAIN_CONTRIBUTION_AND_PROOF", () => {
    const cap = sampleContribution(SLOT, 1, [0]);
    const objectRoot = ssz.altair.ContributionAndProof.hashTreeRoot(cap);
    // ContributionAndProof{aggregator_index, contribution, selection_proof}: three leaves padded to four.
    const selectionRoot = pair(
      pair(cap.selectionProof.subarray(0, 32), cap.selectionProof.subarray(32, 64)),
      pair(cap.selectionProof.subarray(64, 96), new Uint8Array(32)),
    );
    const byHand = pair(
      pair(uint64(cap.aggregatorIndex), ssz.altair.SyncCommitteeContribution.hashTreeRoot(cap.contribution)),
      pair(selectionRoot, new Uint8Array(32)),
    );
    expect(objectRoot).toEqual(byHand);
    expect(contributionAndProofSigningRoot(config, cap)).toEqual(
      signingRoot(byHand, domain(DOMAIN_CONTRIBUTION, ALTAIR_VERSION)),
    );
  });

  it("phase0 slots have no sync committee; Altair slots do", () => {
    expect(hasSyncCommittee(config, 7)).toBe(false);
    expect(hasSyncCommittee(config, 8)).toBe(true);
    expect(hasSyncCommittee(testConfig(Number.POSITIVE_INFINITY), 1_000_000)).toBe(false);
    // The phase0 domain differs, so a root made on the wrong side of the fork would not verify.
    expect(domain(DOMAIN_SYNC_COMMITTEE, PHASE0_VERSION)).not.toEqual(domain(DOMAIN_SYNC_COMMITTEE, ALTAIR_VERSION));
  });
});

describe("sync aggregation selection and contribution checks", () => {
  it("is_sync_committee_aggregator under mainnet's subcommittee of 128 (modulo 8): the spec formula, both ways", () => {
    expect(MAINNET_MODULO).toBe(8);
    const proofs = Array.from({ length: 64 }, (_, v) => selectionProof(v, 1));
    const selected = proofs.map((p) => specSelects(p, MAINNET_MODULO));
    for (const [i, p] of proofs.entries()) {
      expect(isSyncCommitteeAggregator(p, MAINNET_SUBCOMMITTEE)).toBe(selected[i]);
    }
    // Both outcomes occur (about one in eight selects), so each branch of the rule was compared.
    const count = selected.filter(Boolean).length;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(proofs.length);
  });

  it("the minimal preset's subcommittee of 8 gives modulo 1: every proof aggregates, so it cannot test refusal", () => {
    expect(SUBCOMMITTEE_SIZE).toBe(8);
    for (let v = 0; v < 16; v++) expect(isSyncCommitteeAggregator(selectionProof(v, 1))).toBe(true);
  });

  it("subcommittees of a validator from its committee positions, each once", () => {
    const duty = {
      validatorIndex: 5,
      pubkey: new Uint8Array(48),
      validatorSyncCommitteeIndices: [0, 1, SUBCOMMITTEE_SIZE * 2 + 3],
    };
    expect(subcommitteesOf(duty)).toEqual([0, 2]);
  });

  it("accepts a contribution over the decided root with our bit set; refuses another root, slot or a missing bit", () => {
    const position = SUBCOMMITTEE_SIZE + 2; // subcommittee 1, bit 2
    const duty = { validatorIndex: 9, pubkey: new Uint8Array(48), validatorSyncCommitteeIndices: [position] };
    const expected = { slot: SLOT, beaconBlockRoot: BLOCK_ROOT, duty, subcommitteeIndex: 1, published: true };
    const good = { ...sampleContribution(SLOT, 1, [2, 5]), aggregatorIndex: 9, selectionProof: selectionProof(9, 1) };
    expect(isAcceptableContribution(good, expected)).toBe(true);
    expect(isAcceptableContribution({ ...good, aggregatorIndex: 10 }, expected)).toBe(false);
    expect(
      isAcceptableContribution({ ...good, contribution: { ...good.contribution, slot: SLOT + 1 } }, expected),
    ).toBe(false);
    const otherRoot = { ...good.contribution, beaconBlockRoot: new Uint8Array(32) };
    expect(isAcceptableContribution({ ...good, contribution: otherRoot }, expected)).toBe(false);
    const missingOurBit = sampleContribution(SLOT, 1, [5]);
    expect(isAcceptableContribution({ ...good, contribution: missingOurBit.contribution }, expected)).toBe(false);
    // Our message was not published (its signing failed): no honest node has our bit, so it is not demanded.
    const unpublished = { ...expected, published: false };
    expect(isAcceptableContribution({ ...good, contribution: missingOurBit.contribution }, unpublished)).toBe(true);
    expect(isAcceptableContribution({ ...good, contribution: otherRoot }, unpublished)).toBe(false);
  });

  it("under mainnet's modulo 8, refuses a contribution whose validator's real selection proof does not select it", () => {
    const [aggregator, bystander] = [true, false].map((want) => {
      const v = Array.from({ length: 64 }, (_, i) => i).find(
        (i) => specSelects(selectionProof(i, 1), MAINNET_MODULO) === want,
      );
      if (v === undefined) throw new Error(`no validator among 64 with selection ${want}`);
      return v;
    }) as [number, number];
    // Subcommittee 1, bit 2 of mainnet's 128-bit subcommittee.
    const position = MAINNET_SUBCOMMITTEE + 2;
    const contributionBy = (validatorIndex: number) => {
      const aggregationBits = BitArray.fromBitLen(MAINNET_SUBCOMMITTEE);
      aggregationBits.set(2, true);
      aggregationBits.set(70, true);
      const cap: altair.ContributionAndProof = {
        aggregatorIndex: validatorIndex,
        contribution: {
          slot: SLOT,
          beaconBlockRoot: BLOCK_ROOT,
          subcommitteeIndex: 1,
          aggregationBits,
          signature: interopSecretKey(validatorIndex).sign(BLOCK_ROOT).toBytes(),
        },
        selectionProof: selectionProof(validatorIndex, 1),
      };
      const duty = { validatorIndex, pubkey: new Uint8Array(48), validatorSyncCommitteeIndices: [position] };
      return {
        cap,
        expected: { slot: SLOT, beaconBlockRoot: BLOCK_ROOT, duty, subcommitteeIndex: 1, published: true },
      };
    };
    const selected = contributionBy(aggregator);
    expect(isAcceptableContribution(selected.cap, selected.expected, MAINNET_SUBCOMMITTEE)).toBe(true);
    // The same contribution in every other respect: only the selection differs.
    const notSelected = contributionBy(bystander);
    expect(isAcceptableContribution(notSelected.cap, notSelected.expected, MAINNET_SUBCOMMITTEE)).toBe(false);
  });

  it("assembles a ContributionAndProof that round-trips through the altair SSZ type", () => {
    const sample = sampleContribution(SLOT, 0, [1]);
    const cap = contributionAndProof(4, sample.contribution, sample.selectionProof);
    expect(ssz.altair.ContributionAndProof.deserialize(ssz.altair.ContributionAndProof.serialize(cap))).toEqual(cap);
  });
});

// The workflow behind its fork check, against a real HTTP server that counts requests: on phase0 it must not ask
// the beacon node anything; on Altair it asks for duties (and, with none, stops there).
describe("sync committee workflow fork gate", () => {
  let server: Server;
  const requests: string[] = [];
  const arrivals = new EventEmitter();
  let url = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? "");
      arrivals.emit("request");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: [] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const workflow = (altairEpoch: number) =>
    new SyncCommitteeWorkflow({
      chain: testChain(altairEpoch, url),
      committeeId: new Uint8Array(32),
      shareIndex: 1,
      indices: () => [4, 5],
      consensus: undefined as never,
      signer: undefined as never,
      parsigex: undefined as never,
      sigagg: undefined as never,
      combined: undefined as never,
      log: silentLogger,
    });

  /** Resolves once the server has seen `path`: the test waits on the request, not on a guess of how long it takes. */
  async function requested(path: string): Promise<void> {
    while (!requests.includes(path)) await once(arrivals, "request");
  }

  it("is inert on phase0 and asks for sync duties from Altair on", async () => {
    // Slot 36 is epoch 4: a phase0 workflow that asked anyway would ask for /sync/4, before the calls below.
    workflow(Number.POSITIVE_INFINITY).onSlot(36, performance.now() + 2000);
    workflow(1).onSlot(20, performance.now() + 2000);
    await requested("/eth/v1/validator/duties/sync/2");
    // A later request from the same process: anything the phase0 call sent went out before it.
    workflow(1).onSlot(44, performance.now() + 2000);
    await requested("/eth/v1/validator/duties/sync/5");
    expect(requests).toEqual(["/eth/v1/validator/duties/sync/2", "/eth/v1/validator/duties/sync/5"]);
  });
});

function sampleContribution(slot: number, subcommitteeIndex: number, bits: number[]): altair.ContributionAndProof {
  const aggregationBits = BitArray.fromBitLen(SUBCOMMITTEE_SIZE);
  for (const b of bits) aggregationBits.set(b, true);
  const sk = interopSecretKey(1);
  return {
    aggregatorIndex: 1,
    contribution: {
      slot,
      beaconBlockRoot: BLOCK_ROOT,
      subcommitteeIndex,
      aggregationBits,
      signature: sk.sign(BLOCK_ROOT).toBytes(),
    },
    selectionProof: sk.sign(uint64(slot)).toBytes(),
  };
}

/** Validator `v`'s real selection proof for subcommittee `subcommittee` at SLOT (interop key v). */
function selectionProof(v: number, subcommittee: number): Uint8Array {
  return interopSecretKey(v)
    .sign(syncSelectionProofSigningRoot(config, SLOT, subcommittee))
    .toBytes();
}

/** The spec's rule written out: bytes_to_uint64(hash(proof)[0:8]) (little-endian) % modulo == 0. */
function specSelects(proof: Uint8Array, modulo: number): boolean {
  const h = sha256(proof);
  let n = 0n;
  for (let i = 7; i >= 0; i--) n = (n << 8n) | BigInt(h[i]!);
  return n % BigInt(modulo) === 0n;
}
