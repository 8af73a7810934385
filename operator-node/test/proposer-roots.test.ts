import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { isAcceptableBlock } from "../src/app/proposer.js";
import { blockSigningRoot, decodeBlock, encodeBlock, randaoSigningRoot } from "../src/duties/proposer.js";
import { ShareSigner } from "../src/signer/share-signer.js";
import { SlashableSigningError, SlashingProtection } from "../src/signer/slashing-protection.js";
import { openDatabase } from "../src/store/database.js";
import { ALTAIR_VERSION, domain, PHASE0_VERSION, pair, signingRoot, testConfig, uint64 } from "./helpers/spec-roots.js";

// Altair from epoch 2 (minimal preset, 8 slots an epoch): slots 0..15 are phase0, 16.. Altair.
const config = testConfig(2);
const DOMAIN_RANDAO = Uint8Array.from([2, 0, 0, 0]);
const DOMAIN_BEACON_PROPOSER = Uint8Array.from([0, 0, 0, 0]);
const ZERO = new Uint8Array(32);

function phase0Block(slot: number, proposerIndex = 5) {
  const block = ssz.phase0.BeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = proposerIndex;
  block.parentRoot = sha256(Uint8Array.of(1));
  block.body.randaoReveal = new Uint8Array(96).fill(7);
  return block;
}

describe("block signing roots, by hand from the spec", () => {
  it("the RANDAO reveal signs the epoch number with the slot's fork's DOMAIN_RANDAO", () => {
    expect(randaoSigningRoot(config, 13)).toEqual(signingRoot(uint64(1), domain(DOMAIN_RANDAO, PHASE0_VERSION)));
    expect(randaoSigningRoot(config, 17)).toEqual(signingRoot(uint64(2), domain(DOMAIN_RANDAO, ALTAIR_VERSION)));
  });

  it("a block signs BeaconBlock{slot, proposer_index, parent_root, state_root, body_root} with DOMAIN_BEACON_PROPOSER", () => {
    const block = phase0Block(9);
    const bodyRoot = ssz.phase0.BeaconBlockBody.hashTreeRoot(block.body);
    const objectRoot = pair(
      pair(pair(uint64(9), uint64(5)), pair(block.parentRoot, block.stateRoot)),
      pair(pair(bodyRoot, ZERO), pair(ZERO, ZERO)),
    );
    expect(blockSigningRoot(config, block)).toEqual(
      signingRoot(objectRoot, domain(DOMAIN_BEACON_PROPOSER, PHASE0_VERSION)),
    );
  });

  it("encodes and decodes with the slot's fork types; wrong slot or bytes are no block", () => {
    const block = phase0Block(9);
    const bytes = encodeBlock(config, block);
    expect(decodeBlock(config, 9, bytes)).toEqual(block);
    expect(decodeBlock(config, 10, bytes)).toBeUndefined();
    expect(decodeBlock(config, 9, bytes.subarray(1))).toBeUndefined();
    const altair = ssz.altair.BeaconBlock.defaultValue();
    altair.slot = 17;
    const altairBytes = encodeBlock(config, altair);
    expect(altairBytes.length).toBe(ssz.altair.BeaconBlock.serialize(altair).length);
    expect(decodeBlock(config, 17, altairBytes)).toEqual(altair);
    // A phase0 body read as an Altair slot's block lacks the sync aggregate: refused.
    expect(decodeBlock(config, 17, ssz.phase0.BeaconBlock.serialize({ ...phase0Block(9), slot: 17 }))).toBeUndefined();
  });
});

describe("block consensus validity", () => {
  const duty = { validatorIndex: 5, pubkey: new Uint8Array(48), slot: 9 };
  const own = phase0Block(9);
  const reveal = own.body.randaoReveal;

  it("accepts a block with another body on our parent, slot, proposer and RANDAO reveal", () => {
    const peer = phase0Block(9);
    peer.body.graffiti = new Uint8Array(32).fill(1);
    expect(isAcceptableBlock(peer, own, duty, reveal)).toBe(true);
  });

  it("refuses another parent, proposer, slot or RANDAO reveal, and undecodable bytes", () => {
    expect(isAcceptableBlock({ ...phase0Block(9), parentRoot: ZERO }, own, duty, reveal)).toBe(false);
    expect(isAcceptableBlock(phase0Block(9, 6), own, duty, reveal)).toBe(false);
    expect(isAcceptableBlock(phase0Block(10), own, duty, reveal)).toBe(false);
    expect(isAcceptableBlock(phase0Block(9), own, duty, new Uint8Array(96))).toBe(false);
    expect(isAcceptableBlock(undefined, own, duty, reveal)).toBe(false);
  });
});

describe("block partial signatures behind EIP-3076 (real SQLite)", () => {
  it("signs once per slot, re-signs the identical block, refuses a second block or a lower slot", () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), "cohort-block-")), "s.sqlite"));
    const pubkey = new Uint8Array(48).fill(3);
    const signer = new ShareSigner(new SlashingProtection(db), [
      { validatorPublicKey: pubkey, secret: sha256(Uint8Array.of(9)) },
    ]);
    const a = blockSigningRoot(config, phase0Block(9));
    const b = blockSigningRoot(config, { ...phase0Block(9), stateRoot: sha256(Uint8Array.of(2)) });
    const first = signer.signBlock(pubkey, 9, a);
    expect(signer.signBlock(pubkey, 9, a)).toEqual(first);
    expect(() => signer.signBlock(pubkey, 9, b)).toThrow(SlashableSigningError);
    expect(() => signer.signBlock(pubkey, 8, b)).toThrow(/not above/);
    expect(db.prepare("SELECT slot FROM signed_blocks").all()).toEqual([{ slot: 9 }]);
    db.close();
  });
});
