import { describe, expect, it } from "vitest";
import { StandInChain } from "../src/chain.js";
import { interopGenesisState, type StandInFork, standInChainConfig } from "../src/genesis.js";
import { OwnValidators } from "../src/validators.js";

const GENESIS = 1_000_000;
const SLOT_SECONDS = 2;

/** Runs `slots` slots on a controlled clock with validators 0..own-1 of 8; returns the head state's checkpoints. */
function run(fork: StandInFork, own: number, slots: number) {
  let now = GENESIS * 1000;
  const config = standInChainConfig(fork, SLOT_SECONDS);
  const chain = new StandInChain(config, interopGenesisState(config, 8, GENESIS), () => now);
  const validators = new OwnValidators(
    chain,
    Array.from({ length: own }, (_, i) => i),
  );
  let proposed = 0;
  for (let slot = 1; slot <= slots; slot++) {
    now = (GENESIS + slot * SLOT_SECONDS) * 1000;
    if (validators.propose(slot)) proposed++;
    now += (SLOT_SECONDS * 1000) / 3;
    validators.attest(slot);
  }
  const state = chain.headState();
  return {
    proposed,
    headSlot: state.slot,
    justified: state.currentJustifiedCheckpoint.epoch,
    finalized: state.finalizedCheckpoint.epoch,
    fork: config.getForkName(state.slot),
  };
}

describe("stand-in beacon chain: finality from the spec state transition", () => {
  it.each(["electra", "fulu"] as const)(
    "%s: finalizes when its own validators hold 6 of 8 (> 2/3 of stake)",
    (fork) => {
      const r = run(fork, 6, 56);
      expect(r.fork).toBe(fork);
      expect(r.headSlot).toBeGreaterThan(50); // slots of validators 6 and 7 stay empty
      expect(r.finalized).toBeGreaterThanOrEqual(2);
      expect(r.justified).toBeGreaterThan(r.finalized);
    },
  );

  it("does not justify nor finalize with 4 of 8 (half the stake), though blocks are made", () => {
    const r = run("electra", 4, 40);
    expect(r.proposed).toBeGreaterThan(10);
    expect(r.justified).toBe(0);
    expect(r.finalized).toBe(0);
  });
});
