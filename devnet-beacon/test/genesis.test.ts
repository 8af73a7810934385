import { describe, expect, it } from "vitest";
import { interopGenesisState, standInChainConfig } from "../src/genesis.js";

describe("stand-in genesis", () => {
  it("a Fulu genesis carries the proposer lookahead of epochs 0 and 1 (EIP-7917): Electra's proposers, not zeros", () => {
    const electra = interopGenesisState(standInChainConfig("electra", 2), 8, 1_000_000);
    const fulu = interopGenesisState(standInChainConfig("fulu", 2), 8, 1_000_000);
    // Same validators and randao mixes: Fulu's lookahead must name the proposers Electra computes for epoch 0.
    const expected = [...electra.epochCtx.getBeaconProposers()];
    expect([...fulu.epochCtx.getBeaconProposers()]).toEqual(expected);
    expect(new Set(expected).size).toBeGreaterThan(2);
    const lookahead = [
      ...(fulu as unknown as { proposerLookahead: { getAll(): number[] } }).proposerLookahead.getAll(),
    ];
    expect(lookahead.slice(0, 8)).toEqual(expected);
    expect(new Set(lookahead.slice(8)).size).toBeGreaterThan(2);
  });
});
