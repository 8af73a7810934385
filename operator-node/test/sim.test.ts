import { describe, expect, it } from "vitest";
import { runScenario, scenarioSeed } from "../sim/simulator.js";

describe("simulator: agreement, validity, termination under faults", () => {
  for (const n of [4, 7, 10, 13]) {
    it(`n=${n}: 100 seeded adversarial instances (fake sim signer)`, () => {
      const failures: string[] = [];
      let byzantine = 0;
      for (let k = 0; k < 100; k++) {
        const r = runScenario({ n, seed: scenarioSeed(4242 + n, k) });
        if (r.byzantine > 0) byzantine++;
        if (!r.ok) failures.push(`seed ${r.seed}: ${r.failure}`);
      }
      expect(failures).toEqual([]);
      expect(byzantine).toBeGreaterThan(10); // the adversary really ran
    });
  }

  it("n=4 and n=7: 12 adversarial instances with real secp256k1 signatures", () => {
    for (const n of [4, 7]) {
      for (let k = 0; k < 6; k++) {
        const r = runScenario({ n, seed: scenarioSeed(99, k), realSignatures: true });
        expect(r.failure).toBeUndefined();
      }
    }
  });

  it("is deterministic: the same seed gives the same run", () => {
    const a = runScenario({ n: 7, seed: 12345 });
    const b = runScenario({ n: 7, seed: 12345 });
    expect(a).toEqual(b);
  });
});
