import { afterEach, describe, expect, it } from "vitest";
import { type StandInBeacon, startStandInBeacon } from "../src/index.js";
import { TestClient } from "./support/client.js";

const SLOT_MS = 2000;
const EXTERNAL = [4, 5, 6, 7];
const FEE_RECIPIENT = new Uint8Array(20).fill(0xfe);

let beacon: StandInBeacon | undefined;
afterEach(async () => {
  await beacon?.stop();
  beacon = undefined;
});

/**
 * Validators 4..7 are played over HTTP by a plain client, 0..3 by the stand-in; the clock is stepped by the test, so
 * every slot's duties run in the same order every time. External proposals alternate full and blinded.
 */
describe.each(["electra", "fulu"] as const)("stand-in %s: an external validator client over the Beacon API", (fork) => {
  it("gets duties, its SingleAttestations count in the state, its full and blinded blocks pass the state transition, and the chain finalizes", async () => {
    let now = 1_000_000_000;
    beacon = await startStandInBeacon({
      fork,
      port: 0,
      slotSeconds: SLOT_MS / 1000,
      genesisValidators: 8,
      ownValidators: 4,
      genesisDelaySeconds: 0,
      nowMs: () => now,
      runSlots: false,
    });
    const client = await TestClient.connect(beacon.url);
    expect(client.config.getForkName(0)).toBe(fork);
    const genesisMs = beacon.chain.genesisTime * 1000;
    const registered = await client.register(4, FEE_RECIPIENT, Math.floor(now / 1000));
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    const proposals = { full: 0, blinded: 0 };
    let externalAttestations = 0;
    for (let slot = 1; slot <= 40; slot++) {
      now = genesisMs + slot * SLOT_MS;
      if (!beacon.own.propose(slot)) {
        const proposer = await client.proposerOf(slot);
        expect(EXTERNAL).toContain(proposer);
        // Validator 4 is registered with the builder: it gets blinded blocks unless it turns the builder off.
        const r = await client.propose(slot, proposer, { builderBoostFactor: slot % 2 === 0 ? "100" : "0" });
        expect(r.publish, JSON.stringify(r.publish.body)).toMatchObject({ status: 200 });
        if (r.blinded) {
          proposals.blinded++;
          expect(proposer).toBe(4);
          const head = (await client.get("/eth/v2/beacon/blocks/head")).body as { data: { message: unknown } };
          const block = client.config.getForkTypes(slot).SignedBeaconBlock.fromJson(head.data);
          // The builder paid the registered fee recipient, and the unblinded payload is in the chain.
          expect(
            (block.message.body as { executionPayload: { feeRecipient: Uint8Array } }).executionPayload.feeRecipient,
          ).toEqual(FEE_RECIPIENT);
        } else proposals.full++;
        expect(beacon.chain.headBlock().signed.message.slot).toBe(slot);
      }
      now += SLOT_MS / 3;
      beacon.own.attest(slot);
      const answer = await client.attest(slot, EXTERNAL);
      if (answer) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        externalAttestations++;
      }
    }
    expect(proposals.full).toBeGreaterThan(0);
    expect(proposals.blinded).toBeGreaterThan(0);
    expect(externalAttestations).toBeGreaterThan(20);

    const state = beacon.chain.headState() as unknown as { previousEpochParticipation: { getAll(): number[] } };
    const participation = state.previousEpochParticipation.getAll();
    // TIMELY_TARGET (bit 1) for every external validator: their votes were included and counted.
    for (const v of EXTERNAL) expect(participation[v]! & 0b010, `validator ${v}`).toBe(0b010);

    const finality = (await client.get("/eth/v1/beacon/states/head/finality_checkpoints")).body as {
      data: { finalized: { epoch: string } };
    };
    expect(Number(finality.data.finalized.epoch)).toBeGreaterThanOrEqual(2);

    const live = (await client.post("/eth/v1/validator/liveness/3", EXTERNAL.map(String))).body as {
      data: { index: string; is_live: boolean }[];
    };
    expect(live.data.every((d) => d.is_live)).toBe(true);
  });
});
