/**
 * Moves without double signing: the handover rule, and the gate asking a beacon node's liveness endpoint. The beacon
 * node is the stand-in of devnet-beacon/ (the spec's state transition on a controlled clock; the devnet's Lodestar
 * 1.5.1 cannot be stepped slot by slot), whose own validators 0..3 attest and so are live.
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { afterEach, describe, expect, it } from "vitest";
import { type StandInBeacon, startStandInBeacon } from "../../devnet-beacon/src/index.js";
import { anyLive, HANDOVER_EPOCHS, HandoverGate, handoverDecision } from "../src/duties/handover.js";
import { silentLogger } from "../src/log.js";

const SLOT_SECONDS = 2;
const EPOCH_MS = SLOTS_PER_EPOCH * SLOT_SECONDS * 1000;

let beacon: StandInBeacon | undefined;
afterEach(async () => {
  await beacon?.stop();
  beacon = undefined;
});

describe("handover rule", () => {
  it("waits HANDOVER_EPOCHS after the move, refuses while the validator is live, then starts at the next epoch", () => {
    expect(HANDOVER_EPOCHS).toBeGreaterThanOrEqual(2);
    expect(handoverDecision(10, 10 + HANDOVER_EPOCHS - 1, false)).toMatchObject({ start: false });
    expect(handoverDecision(10, 10 + HANDOVER_EPOCHS, true)).toMatchObject({
      start: false,
      reason: expect.stringMatching(/still signing/),
    });
    expect(handoverDecision(10, 10 + HANDOVER_EPOCHS, false)).toEqual({ start: true, epoch: 11 + HANDOVER_EPOCHS });
  });
});

describe("handover gate against a beacon node's liveness endpoint", () => {
  it("holds a validator still signing elsewhere and one inside its handover window, clears one that stopped", async () => {
    let now = 3_000_000_000;
    beacon = await startStandInBeacon({
      fork: "electra",
      port: 0,
      genesisDelaySeconds: 0,
      nowMs: () => now,
      runSlots: false,
    });
    const genesisMs = beacon.chain.genesisTime * 1000;
    // Three epochs of the stand-in's own validators (0..3) attesting; 4..7 stay silent.
    const slots = 3 * SLOTS_PER_EPOCH + 2;
    for (let slot = 1; slot <= slots; slot++) {
      now = genesisMs + slot * SLOT_SECONDS * 1000;
      beacon.own.propose(slot);
      now += 700;
      beacon.own.attest(slot);
    }
    const pubkey = async (index: number) => {
      const res = await fetch(`${beacon!.url}/eth/v1/beacon/states/head/validators?id=${index}`);
      return new Uint8Array(
        Buffer.from(
          ((await res.json()) as { data: { validator: { pubkey: string } }[] }).data[0]!.validator.pubkey.slice(2),
          "hex",
        ),
      );
    };
    const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
    const [signing, silent, recent] = [await pubkey(0), await pubkey(5), await pubkey(6)];
    expect(await anyLive(beacon.url, 2, [hex(signing)])).toBe(true);
    expect(await anyLive(beacon.url, 2, [hex(silent)])).toBe(false);
    // Several keys in one lookup: live when any of them is.
    expect(await anyLive(beacon.url, 2, [hex(silent), hex(signing)])).toBe(true);

    // Block 1 lies in epoch 0; block 2 in epoch 2. It is epoch 3 now.
    const blockTimes = new Map([
      [1n, genesisMs / 1000 + SLOT_SECONDS],
      [2n, (genesisMs + 2 * EPOCH_MS) / 1000 + 1],
    ]);
    const cleared: [string, number][] = [];
    const gate = new HandoverGate({
      chain: { url: beacon.url, genesisTime: beacon.chain.genesisTime, secondsPerSlot: SLOT_SECONDS },
      blockTime: async (b) => blockTimes.get(b)!,
      cleared: (k, epoch) => cleared.push([hex(k), epoch]),
      log: silentLogger,
      nowMs: () => now,
    });
    const held = await gate.held([
      { publicKey: signing, movedInBlock: 1n },
      { publicKey: silent, movedInBlock: 1n },
      { publicKey: recent, movedInBlock: 2n },
    ]);
    expect(held).toEqual(new Set([hex(signing), hex(recent)]));
    expect(cleared).toEqual([[hex(silent), 4]]);
  });
});
