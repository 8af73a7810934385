import {
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
} from "@lodestar/params";
import { computeSigningRoot } from "@lodestar/state-transition";
import { type altair, ssz } from "@lodestar/types";
import { toHex } from "@lodestar/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandInBeacon, startStandInBeacon } from "../src/index.js";
import { TestClient } from "./support/client.js";

const SLOT_MS = 2000;
let beacon: StandInBeacon;
let client: TestClient;
let now = 4_000_000_000;

function step(slot: number): void {
  now = beacon.chain.genesisTime * 1000 + slot * SLOT_MS;
  beacon.own.propose(slot);
  now += SLOT_MS / 3;
  beacon.own.attest(slot);
}

beforeAll(async () => {
  beacon = await startStandInBeacon({
    fork: "fulu",
    port: 0,
    genesisDelaySeconds: 0,
    ownValidators: 4,
    nowMs: () => now,
    runSlots: false,
  });
  client = await TestClient.connect(beacon.url);
});
afterAll(() => beacon.stop());

describe("stand-in beacon: sync committee duties of an external validator", () => {
  it("its message, then its contribution-and-proof, are accepted and land in the next block's sync aggregate", async () => {
    const duties = (await client.post("/eth/v1/validator/duties/sync/0", ["5"])).body as {
      data: { validator_sync_committee_indices: string[] }[];
    };
    const positions = duties.data[0]!.validator_sync_committee_indices.map(Number);
    expect(positions.length).toBeGreaterThan(0);
    // A slot whose successor is proposed by the stand-in, so the aggregate is built right after.
    let slot = 1;
    while (beacon.chain.stateAtSlot(slot + 1).epochCtx.getBeaconProposer(slot + 1) >= 4) step(slot++);
    step(slot);
    const head = beacon.chain.headBlock().root;
    const sign = (validator: number, root: Uint8Array) => client.key(validator).sign(root).toBytes();
    const messageRoot = computeSigningRoot(ssz.Root, head, client.config.getDomain(slot, DOMAIN_SYNC_COMMITTEE));
    const message = (signer: number) =>
      ssz.altair.SyncCommitteeMessage.toJson({
        slot,
        beaconBlockRoot: head,
        validatorIndex: 5,
        signature: sign(signer, messageRoot),
      });

    const forged = await client.post("/eth/v1/beacon/pool/sync_committees", [message(6)]);
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.body)).toMatch(/invalid signature on the sync committee message of validator 5/);
    expect((await client.post("/eth/v1/beacon/pool/sync_committees", [message(5)])).status).toBe(200);

    const sub = Math.floor(positions[0]! / 8);
    const got = await client.get(
      `/eth/v1/validator/sync_committee_contribution?slot=${slot}&subcommittee_index=${sub}&beacon_block_root=${toHex(head)}`,
    );
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    const contribution = ssz.altair.SyncCommitteeContribution.fromJson((got.body as { data: unknown }).data);
    expect(contribution.aggregationBits.get(positions[0]! % 8)).toBe(true);
    const selectionProof = sign(
      5,
      computeSigningRoot(
        ssz.altair.SyncAggregatorSelectionData,
        { slot, subcommitteeIndex: sub },
        client.config.getDomain(slot, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF),
      ),
    );
    const cap: altair.ContributionAndProof = { aggregatorIndex: 5, contribution, selectionProof };
    const signature = sign(
      5,
      computeSigningRoot(
        ssz.altair.ContributionAndProof,
        cap,
        client.config.getDomain(slot, DOMAIN_CONTRIBUTION_AND_PROOF),
      ),
    );
    const posted = await client.post("/eth/v1/validator/contribution_and_proofs", [
      ssz.altair.SignedContributionAndProof.toJson({ message: cap, signature }),
    ]);
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);

    step(slot + 1);
    const block = beacon.chain.headBlock().signed.message;
    expect(block.slot).toBe(slot + 1);
    const bits = (block.body as altair.BeaconBlockBody).syncAggregate.syncCommitteeBits;
    for (const p of positions) expect(bits.get(p), `sync committee position ${p}`).toBe(true);
  });
});
