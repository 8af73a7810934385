import { getClient } from "@lodestar/api";
import { createBeaconConfig } from "@lodestar/config";
import { DOMAIN_BEACON_ATTESTER, DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO } from "@lodestar/params";
import { computeEpochAtSlot, computeSigningRoot, interopSecretKey } from "@lodestar/state-transition";
import { type SignedBeaconBlock, ssz } from "@lodestar/types";
import { toRootHex } from "@lodestar/utils";
import { afterEach, describe, expect, it } from "vitest";
import { type StandInBeacon, startStandInBeacon } from "../src/index.js";

let beacon: StandInBeacon | undefined;
afterEach(async () => {
  await beacon?.stop();
  beacon = undefined;
});

describe("stand-in beacon with the @lodestar/api 1.46 client (the client the DV node uses)", () => {
  it("serves duties, attestation data, SingleAttestations, produceBlockV3 and publishBlockV2 in the client's shapes", async () => {
    let now = 3_000_000_000;
    beacon = await startStandInBeacon({
      fork: "electra",
      port: 0,
      genesisDelaySeconds: 0,
      nowMs: () => now,
      runSlots: false,
    });
    const genesisMs = beacon.chain.genesisTime * 1000;
    const config = createBeaconConfig(beacon.chain.config, beacon.chain.genesisValidatorsRoot);
    const api = getClient({ baseUrl: beacon.url }, { config });
    expect((await api.beacon.getGenesis()).value().genesisTime).toBe(beacon.chain.genesisTime);
    expect((await api.config.getSpec()).value()["ELECTRA_FORK_EPOCH"]).toBe("0");

    // First slot of an external proposer (4..7), with the stand-in's own duties run before it.
    let slot = 1;
    for (; ; slot++) {
      now = genesisMs + slot * 2000;
      const duties = (await api.validator.getProposerDuties({ epoch: computeEpochAtSlot(slot) })).value();
      const duty = duties.find((d) => d.slot === slot);
      if (duty && duty.validatorIndex >= 4) break;
      beacon.own.propose(slot);
      now += 700;
      beacon.own.attest(slot);
    }
    const duties = (await api.validator.getProposerDuties({ epoch: computeEpochAtSlot(slot) })).value();
    const proposer = duties.find((d) => d.slot === slot)!.validatorIndex;
    const sk = interopSecretKey(proposer);
    const randaoReveal = sk
      .sign(computeSigningRoot(ssz.Epoch, computeEpochAtSlot(slot), config.getDomain(slot, DOMAIN_RANDAO)))
      .toBytes();
    const produced = await api.validator.produceBlockV3({ slot, randaoReveal, builderBoostFactor: 0n });
    expect(produced.meta().version).toBe("electra");
    expect(produced.meta().executionPayloadBlinded).toBe(false);
    const { block, kzgProofs, blobs } = produced.value() as unknown as {
      block: SignedBeaconBlock["message"];
      kzgProofs: Uint8Array[];
      blobs: Uint8Array[];
    };
    const signature = sk
      .sign(computeSigningRoot(ssz.electra.BeaconBlock, block, config.getDomain(slot, DOMAIN_BEACON_PROPOSER)))
      .toBytes();
    const published = await api.beacon.publishBlockV2({
      signedBlockContents: { signedBlock: { message: block, signature }, kzgProofs, blobs } as never,
    });
    expect(published.ok, published.error()?.message).toBe(true);
    expect(beacon.chain.headBlock().signed.message.slot).toBe(slot);

    now += 700;
    const attesters = (
      await api.validator.getAttesterDuties({ epoch: computeEpochAtSlot(slot), indices: [4, 5, 6, 7] })
    )
      .value()
      .filter((d) => d.slot === slot);
    expect(attesters.length).toBeGreaterThan(0);
    const singles = [];
    for (const d of attesters) {
      const data = (await api.validator.produceAttestationData({ slot, committeeIndex: d.committeeIndex })).value();
      expect(data.index).toBe(0);
      const root = computeSigningRoot(ssz.phase0.AttestationData, data, config.getDomain(slot, DOMAIN_BEACON_ATTESTER));
      singles.push({
        committeeIndex: d.committeeIndex,
        attesterIndex: d.validatorIndex,
        data,
        signature: interopSecretKey(d.validatorIndex).sign(root).toBytes(),
      });
    }
    const submitted = await api.beacon.submitPoolAttestationsV2({ signedAttestations: singles });
    expect(submitted.ok, submitted.error()?.message).toBe(true);
    const liveness = (
      await api.validator.getLiveness({ epoch: computeEpochAtSlot(slot), indices: [proposer] })
    ).value();
    expect(liveness).toEqual([{ index: proposer, isLive: true }]);
  });

  it("left to its own timers, the chain advances slot by slot", async () => {
    beacon = await startStandInBeacon({ fork: "fulu", port: 0, slotSeconds: 1, genesisDelaySeconds: 0 });
    const deadline = Date.now() + 20_000;
    let head = 0;
    while (head < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      const r = (await (await fetch(`${beacon.url}/eth/v1/node/syncing`)).json()) as { data: { head_slot: string } };
      head = Number(r.data.head_slot);
    }
    expect(head).toBeGreaterThanOrEqual(3);
    const config = createBeaconConfig(beacon.chain.config, beacon.chain.genesisValidatorsRoot);
    const api = getClient({ baseUrl: beacon.url }, { config });
    // Fulu's v2 duties of epoch 1 depend on the block before epoch 0 (genesis); v1's on the last block of epoch 0.
    const genesisRoot = toRootHex((await api.beacon.getBlockRoot({ blockId: "genesis" })).value().root);
    const v2 = await api.validator.getProposerDutiesV2({ epoch: 1 });
    expect(v2.value().map((d) => d.slot)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(v2.meta().dependentRoot).toBe(genesisRoot);
    expect((await api.validator.getProposerDuties({ epoch: 1 })).meta().dependentRoot).not.toBe(genesisRoot);
  });
});
