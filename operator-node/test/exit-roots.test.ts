import { describe, expect, it } from "vitest";
import { decodeExit, encodeExit, isAcceptableExit, voluntaryExitSigningRoot } from "../src/duties/exit.js";
import { ALTAIR_VERSION, domain, PHASE0_VERSION, pair, signingRoot, testConfig, uint64 } from "./helpers/spec-roots.js";

const config = testConfig(2);
const DOMAIN_VOLUNTARY_EXIT = Uint8Array.from([4, 0, 0, 0]);

describe("voluntary exit", () => {
  it("signs VoluntaryExit{epoch, validator_index} with DOMAIN_VOLUNTARY_EXIT of the exit epoch's fork", () => {
    expect(voluntaryExitSigningRoot(config, { epoch: 1, validatorIndex: 7 }, 20)).toEqual(
      signingRoot(pair(uint64(1), uint64(7)), domain(DOMAIN_VOLUNTARY_EXIT, PHASE0_VERSION)),
    );
    expect(voluntaryExitSigningRoot(config, { epoch: 3, validatorIndex: 7 }, 30)).toEqual(
      signingRoot(pair(uint64(3), uint64(7)), domain(DOMAIN_VOLUNTARY_EXIT, ALTAIR_VERSION)),
    );
  });

  it("round-trips its consensus value and refuses malformed bytes", () => {
    const exit = { epoch: 4, validatorIndex: 6 };
    expect(decodeExit(encodeExit(exit))).toEqual(exit);
    expect(decodeExit(new Uint8Array(15))).toBeUndefined();
  });

  it("accepts our validator at this or the previous epoch only", () => {
    expect(isAcceptableExit({ epoch: 5, validatorIndex: 6 }, 6, 5)).toBe(true);
    expect(isAcceptableExit({ epoch: 4, validatorIndex: 6 }, 6, 5)).toBe(true);
    expect(isAcceptableExit({ epoch: 6, validatorIndex: 6 }, 6, 5)).toBe(false); // future: the chain would refuse it
    expect(isAcceptableExit({ epoch: 3, validatorIndex: 6 }, 6, 5)).toBe(false);
    expect(isAcceptableExit({ epoch: 5, validatorIndex: 7 }, 6, 5)).toBe(false);
    expect(isAcceptableExit(undefined, 6, 5)).toBe(false);
  });
});
