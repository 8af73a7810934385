/** The sdk's registryCommitteeId is the contract's committeeId: the dapp and the node derive account keys off-chain. */

import { registryCommitteeId } from "@cohort/sdk/committee/ids";
import fc from "fast-check";
import { bytesToHex, getAddress } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { type Cohort, setupCohort } from "./harness.js";

let cohort: Cohort;

beforeAll(async () => {
  cohort = await setupCohort();
});

describe("committee id", () => {
  it("registryCommitteeId(owner, ids) equals CohortRegistry.committeeId for random owners and id lists", async () => {
    const owners = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)));
    const ids = fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 13 });
    await fc.assert(
      fc.asyncProperty(owners, ids, async (owner, operatorIds) => {
        expect(registryCommitteeId(owner, operatorIds)).toBe(await cohort.read("committeeId", [owner, operatorIds]));
      }),
      { numRuns: 40 },
    );
  });
});
