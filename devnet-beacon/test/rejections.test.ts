import { BitArray } from "@chainsafe/ssz";
import {
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_VOLUNTARY_EXIT,
  MAX_COMMITTEES_PER_SLOT,
} from "@lodestar/params";
import { computeDomain, computeSigningRoot } from "@lodestar/state-transition";
import { ssz } from "@lodestar/types";
import { toHex } from "@lodestar/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandInBeacon, startStandInBeacon } from "../src/index.js";
import { TestClient } from "./support/client.js";

const SLOT_MS = 2000;
const EXTERNAL = [4, 5, 6, 7];
let beacon: StandInBeacon;
let client: TestClient;
let now = 2_000_000_000;

/** Steps the clock to a third into `slot` after running the stand-in's own duties of the slots before it. */
function stepTo(slot: number): void {
  const genesisMs = beacon.chain.genesisTime * 1000;
  for (let s = beacon.chain.currentSlot() + 1; s <= slot; s++) {
    now = genesisMs + s * SLOT_MS;
    beacon.own.propose(s);
    now += SLOT_MS / 3;
    beacon.own.attest(s);
  }
}

async function externalDuty() {
  for (let slot = beacon.chain.currentSlot() + 1; ; slot++) {
    stepTo(slot);
    const duties = await client.attesterDuties(Math.floor(slot / 8), EXTERNAL);
    const duty = duties.find((d) => d.slot === slot);
    if (duty) return { duty, data: await client.attestationData(slot, duty.committeeIndex) };
  }
}

function failure(answer: { body: unknown }): string {
  const body = answer.body as { message: string; failures?: { message: string }[] };
  return body.failures?.[0]?.message ?? body.message;
}

beforeAll(async () => {
  beacon = await startStandInBeacon({
    fork: "electra",
    port: 0,
    slotSeconds: SLOT_MS / 1000,
    genesisValidators: 8,
    ownValidators: 4,
    genesisDelaySeconds: 0,
    shardCommitteePeriod: 0,
    nowMs: () => now,
    runSlots: false,
  });
  client = await TestClient.connect(beacon.url);
});
afterAll(() => beacon.stop());

describe("stand-in beacon refuses what a real client refuses", () => {
  it("a SingleAttestation: accepted when right; refused with a bad signature, another fork's domain, or a wrong committee", async () => {
    const { duty, data } = await externalDuty();
    const v = duty.validatorIndex;
    const deneb = computeDomain(
      DOMAIN_BEACON_ATTESTER,
      client.config.DENEB_FORK_VERSION,
      beacon.chain.genesisValidatorsRoot,
    );

    const wrongKey = await client.submitAttestations([
      client.singleAttestation(v, duty.committeeIndex, data, { signer: v === 4 ? 5 : 4 }),
    ]);
    expect(wrongKey.status).toBe(400);
    expect(failure(wrongKey)).toMatch(/invalid signature/);

    const wrongFork = await client.submitAttestations([
      client.singleAttestation(v, duty.committeeIndex, data, { domain: deneb }),
    ]);
    expect(wrongFork.status).toBe(400);
    expect(failure(wrongFork)).toMatch(/invalid signature/);

    const wrongCommittee = await client.submitAttestations([client.singleAttestation(v, duty.committeesAtSlot, data)]);
    expect(wrongCommittee.status).toBe(400);
    expect(failure(wrongCommittee)).toMatch(/committee index .* out of range/);

    const preElectraIndex = await client.submitAttestations([
      client.singleAttestation(v, duty.committeeIndex, { ...data, index: 1 }),
    ]);
    expect(preElectraIndex.status).toBe(400);
    expect(failure(preElectraIndex)).toMatch(/must be 0 from Electra/);

    const wrongVersion = await client.post(
      "/eth/v2/beacon/pool/attestations",
      [ssz.electra.SingleAttestation.toJson(client.singleAttestation(v, duty.committeeIndex, data))],
      "deneb",
    );
    expect(wrongVersion.status).toBe(400);
    expect(failure(wrongVersion)).toMatch(/Eth-Consensus-Version deneb/);

    const right = await client.submitAttestations([client.singleAttestation(v, duty.committeeIndex, data)]);
    expect(right.status, JSON.stringify(right.body)).toBe(200);
  });

  it("an aggregate: accepted with one committee bit; refused with none, two, or the bit of a committee the slot lacks", async () => {
    const { duty, data } = await externalDuty();
    const v = duty.validatorIndex;
    expect((await client.submitAttestations([client.singleAttestation(v, duty.committeeIndex, data)])).status).toBe(
      200,
    );
    const root = toHex(ssz.phase0.AttestationData.hashTreeRoot(data));
    const got = await client.get(
      `/eth/v2/validator/aggregate_attestation?attestation_data_root=${root}&slot=${data.slot}&committee_index=${duty.committeeIndex}`,
    );
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    const aggregate = ssz.electra.Attestation.fromJson((got.body as { data: unknown }).data);
    expect(aggregate.committeeBits.getTrueBitIndexes()).toEqual([duty.committeeIndex]);

    // committee_bits is a Bitvector[MAX_COMMITTEES_PER_SLOT]; this slot has fewer committees than that.
    expect(duty.committeesAtSlot).toBeLessThan(MAX_COMMITTEES_PER_SLOT);
    const none = BitArray.fromBitLen(MAX_COMMITTEES_PER_SLOT);
    const two = BitArray.fromBitLen(MAX_COMMITTEES_PER_SLOT);
    two.set(duty.committeeIndex, true);
    two.set(duty.committeesAtSlot, true);
    const beyond = BitArray.fromSingleBit(MAX_COMMITTEES_PER_SLOT, duty.committeesAtSlot);
    for (const [bits, reason] of [
      [none, /exactly one bit set, got 0/],
      [two, /exactly one bit set, got 2/],
      [beyond, /committee index \d+ is out of range/],
    ] as const) {
      const r = await client.submitAggregates([client.signedAggregate(v, aggregate, { committeeBits: bits })]);
      expect(r.status).toBe(400);
      expect(failure(r)).toMatch(reason);
    }
    const badSig = client.signedAggregate(v, aggregate);
    badSig.signature = client.signedAggregate(v === 4 ? 5 : 4, aggregate).signature;
    const r = await client.submitAggregates([badSig]);
    expect(failure(r)).toMatch(/invalid aggregate-and-proof signature/);

    const ok = await client.submitAggregates([client.signedAggregate(v, aggregate)]);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it("a block signed with the Deneb domain fails the state transition's proposer check; the same block rightly signed passes", async () => {
    let slot = beacon.chain.currentSlot() + 1;
    for (; ; slot++) {
      const proposer = await client.proposerOf(slot);
      if (EXTERNAL.includes(proposer)) break;
      stepTo(slot);
    }
    now = beacon.chain.genesisTime * 1000 + slot * SLOT_MS;
    const proposer = await client.proposerOf(slot);
    const deneb = computeDomain(
      DOMAIN_BEACON_PROPOSER,
      client.config.DENEB_FORK_VERSION,
      beacon.chain.genesisValidatorsRoot,
    );
    const wrong = await client.propose(slot, proposer, { builderBoostFactor: "0", proposerDomain: deneb });
    expect(wrong.publish.status).toBe(400);
    expect(failure(wrong.publish)).toMatch(/Invalid block signature/);
    const right = await client.propose(slot, proposer, { builderBoostFactor: "0" });
    expect(right.publish.status, JSON.stringify(right.publish.body)).toBe(200);
    expect(beacon.chain.headBlock().signed.message.slot).toBe(slot);
  });

  it("a voluntary exit signed with the Electra domain is refused; with the Capella one (EIP-7044) it is accepted and included", async () => {
    const message = { epoch: 0, validatorIndex: 7 };
    const sign = (version: Uint8Array) => {
      const domain = computeDomain(DOMAIN_VOLUNTARY_EXIT, version, beacon.chain.genesisValidatorsRoot);
      const signature = client
        .key(7)
        .sign(computeSigningRoot(ssz.phase0.VoluntaryExit, message, domain))
        .toBytes();
      return ssz.phase0.SignedVoluntaryExit.toJson({ message, signature });
    };
    const electra = await client.post("/eth/v1/beacon/pool/voluntary_exits", sign(client.config.ELECTRA_FORK_VERSION));
    expect(electra.status).toBe(400);
    expect(failure(electra)).toMatch(/voluntary exit of validator 7 is invalid/);
    const capella = await client.post("/eth/v1/beacon/pool/voluntary_exits", sign(client.config.CAPELLA_FORK_VERSION));
    expect(capella.status, JSON.stringify(capella.body)).toBe(200);
    // The next block of the stand-in carries it: the state transition initiates the exit.
    let slot = beacon.chain.currentSlot() + 1;
    while (beacon.chain.stateAtSlot(slot).epochCtx.getBeaconProposer(slot) >= 4) stepTo(slot++);
    stepTo(slot);
    expect(beacon.chain.headBlock().signed.message.body.voluntaryExits.map((e) => e.message.validatorIndex)).toEqual([
      7,
    ]);
    expect(beacon.chain.headState().validators.getReadonly(7).exitEpoch).toBeLessThan(2 ** 53);
  });

  it("a builder registration signed over the current fork version instead of the genesis one is refused", async () => {
    const t = Math.floor(now / 1000);
    const current = computeDomain(DOMAIN_APPLICATION_BUILDER, client.config.ELECTRA_FORK_VERSION, new Uint8Array(32));
    const wrong = await client.register(5, new Uint8Array(20).fill(1), t, current);
    expect(wrong.status).toBe(400);
    expect(failure(wrong)).toMatch(/invalid validator registration signature/);
    expect((await client.register(5, new Uint8Array(20).fill(1), t)).status).toBe(200);
  });

  it("a signed blinded block whose payload the builder never made is refused", async () => {
    const slot = beacon.chain.currentSlot() + 1;
    const block = ssz.electra.BlindedBeaconBlock.defaultValue();
    block.slot = slot;
    const r = await client.post(
      "/eth/v2/beacon/blinded_blocks",
      ssz.electra.SignedBlindedBeaconBlock.toJson({ message: block, signature: new Uint8Array(96) }),
      "electra",
    );
    expect(r.status).toBe(400);
    expect(failure(r)).toMatch(/builder holds no payload/);
  });
});
