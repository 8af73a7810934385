import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitSecret } from "@cohort/sdk";
import { SLOTS_PER_EPOCH, TARGET_AGGREGATORS_PER_COMMITTEE } from "@lodestar/params";
import { interopSecretKey } from "@lodestar/state-transition";
import { type phase0, ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Beacon, startBeacon } from "../../scripts/beacon/launch.js";
import {
  type AttesterDuty,
  aggregateAndProofSigningRoot,
  aggregateAttestation,
  attestationData,
  attestationSigningRoot,
  attesterDuties,
  selectionProofSigningRoot,
  singleAttestation,
  submitAggregateAndProofs,
  submitAttestations,
  validatorIndices,
} from "../src/duties/attester.js";
import { type BeaconChain, connectBeacon, slotAt, slotStartMs } from "../src/duties/beacon.js";
import { combineVerified } from "../src/sigagg/combine.js";
import { ShareSigner } from "../src/signer/share-signer.js";
import { SlashableSigningError, SlashingProtection } from "../src/signer/slashing-protection.js";
import { openDatabase } from "../src/store/database.js";

// A real Lodestar dev chain (phase0, minimal preset, 2-second slots): it runs validators 0..3 itself; 4..7 are
// run here as distributed validators, 3-of-4 threshold, with the fourth share signer offline throughout.
const DV_INDICES = [4, 5, 6, 7];
const ONLINE = [0, 1, 2];
const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

let beacon: Beacon;
let chain: BeaconChain;
const validators: { publicKey: Uint8Array; sharePublicKeys: Uint8Array[] }[] = [];
const signers: ShareSigner[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "cohort-beacon-"));
  beacon = await startBeacon({ dataDir: join(dir, "beacon") });
  chain = await connectBeacon(beacon.url);
  const perSigner: { validatorPublicKey: Uint8Array; secret: Uint8Array }[][] = [[], [], [], []];
  for (const index of DV_INDICES) {
    const sk = interopSecretKey(index);
    const secret = sk.toBytes();
    const split = await splitSecret(secret, 4);
    secret.fill(0);
    const publicKey = sk.toPublicKey().toBytes();
    validators.push({ publicKey, sharePublicKeys: split.shares.map((s) => s.publicKey) });
    for (const [k, s] of split.shares.entries())
      perSigner[k]!.push({ validatorPublicKey: publicKey, secret: s.secret });
  }
  for (let k = 0; k < 4; k++) {
    signers.push(new ShareSigner(new SlashingProtection(openDatabase(join(dir, `signer-${k}.sqlite`))), perSigner[k]!));
  }
}, 90_000);

afterAll(async () => {
  await beacon?.stop();
});

/** Every online signer signs; the partials are combined and verified as a node's sigagg step would. */
async function threshold(
  validator: (typeof validators)[number],
  message: Uint8Array,
  sign: (s: ShareSigner) => Uint8Array,
) {
  const partials = ONLINE.map((k) => ({ index: k + 1, signature: sign(signers[k]!) }));
  const { signature } = await combineVerified({
    message,
    partials,
    sharePublicKeys: validator.sharePublicKeys,
    validatorPublicKey: validator.publicKey,
    threshold: 3,
  });
  return signature;
}

async function performDuty(duty: AttesterDuty, submitted: { slot: number; root: string; index: number }[]) {
  const validator = validators.find((v) => Buffer.from(v.publicKey).equals(Buffer.from(duty.pubkey)))!;
  await sleepUntil(slotStartMs(chain, duty.slot) + (chain.secondsPerSlot * 1000) / 3);
  const data = await attestationData(chain, duty.slot, duty.committeeIndex);
  const root = attestationSigningRoot(chain, data);
  const signature = await threshold(validator, root, (s) =>
    s.signAttestation(duty.pubkey, data.source.epoch, data.target.epoch, root),
  );
  await submitAttestations(chain, [singleAttestation(duty, data, signature)]);
  submitted.push({
    slot: duty.slot,
    index: duty.validatorIndex,
    root: Buffer.from(ssz.phase0.AttestationData.hashTreeRoot(data)).toString("hex"),
  });

  await sleepUntil(slotStartMs(chain, duty.slot) + (2 * chain.secondsPerSlot * 1000) / 3);
  const proofRoot = selectionProofSigningRoot(chain, duty.slot);
  const selectionProof = await threshold(validator, proofRoot, (s) => s.signUnslashable(duty.pubkey, proofRoot));
  const modulo = Math.max(1, Math.floor(duty.committeeLength / TARGET_AGGREGATORS_PER_COMMITTEE));
  if (Buffer.from(sha256(selectionProof)).readBigUInt64LE(0) % BigInt(modulo) !== 0n) return;
  const aggregate = await aggregateAttestation(chain, data);
  if (!aggregate) return;
  const message: phase0.AggregateAndProof = { aggregatorIndex: duty.validatorIndex, aggregate, selectionProof };
  const aapRoot = aggregateAndProofSigningRoot(chain, message);
  const aapSignature = await threshold(validator, aapRoot, (s) => s.signUnslashable(duty.pubkey, aapRoot));
  await submitAggregateAndProofs(chain, [{ message, signature: aapSignature }]);
}

describe("threshold attestations on a real Lodestar dev chain", () => {
  it("3 of 4 share signers attest for validators 4..7 and the attestations are included in blocks", async () => {
    const indices = await validatorIndices(
      chain,
      validators.map((v) => v.publicKey),
    );
    expect([...indices.values()].sort()).toEqual(DV_INDICES);
    const firstEpoch = Math.floor(Math.max(0, slotAt(chain, Date.now())) / SLOTS_PER_EPOCH) + 1;
    const submitted: { slot: number; root: string; index: number }[] = [];
    for (const epoch of [firstEpoch, firstEpoch + 1]) {
      await sleepUntil(slotStartMs(chain, epoch * SLOTS_PER_EPOCH) - 1000);
      const duties = (await attesterDuties(chain, epoch, DV_INDICES)).sort((a, b) => a.slot - b.slot);
      expect(duties).toHaveLength(DV_INDICES.length);
      for (const duty of duties) await performDuty(duty, submitted);
    }
    await sleepUntil(slotStartMs(chain, (firstEpoch + 2) * SLOTS_PER_EPOCH + 2));

    const included = new Set<number>();
    const header = (await (await fetch(`${chain.url}/eth/v1/beacon/headers/head`)).json()) as {
      data: { header: { message: { slot: string } } };
    };
    const head = Number(header.data.header.message.slot);
    for (let slot = firstEpoch * SLOTS_PER_EPOCH; slot <= head; slot++) {
      const res = await fetch(`${chain.url}/eth/v1/beacon/blocks/${slot}`);
      if (!res.ok) continue;
      const block = ssz.phase0.SignedBeaconBlock.fromJson(((await res.json()) as { data: unknown }).data);
      for (const att of block.message.body.attestations) {
        const root = Buffer.from(ssz.phase0.AttestationData.hashTreeRoot(att.data)).toString("hex");
        for (const s of submitted) if (s.root === root) included.add(s.index);
      }
    }
    expect([...included].sort()).toEqual(DV_INDICES);
  }, 120_000);

  it("a share signer refuses a conflicting attestation for a target it already signed", async () => {
    const data = await attestationData(chain, slotAt(chain, Date.now()), 0);
    const root = attestationSigningRoot(chain, data);
    const pubkey = validators[0]!.publicKey;
    signers[3]!.signAttestation(pubkey, data.source.epoch, data.target.epoch, root);
    // A fresh object: spreading `data` would carry ssz's cached hash-tree-root along and hash like the original.
    const other = ssz.phase0.AttestationData.fromJson(ssz.phase0.AttestationData.toJson(data));
    other.beaconBlockRoot = new Uint8Array(32).fill(1);
    const conflicting = attestationSigningRoot(chain, other);
    expect(conflicting).not.toEqual(root);
    expect(() => signers[3]!.signAttestation(pubkey, data.source.epoch, data.target.epoch, conflicting)).toThrow(
      SlashableSigningError,
    );
  });
});
