import { describe, expect, it } from "vitest";
import {
  COMMITTEE_SIZES,
  faultTolerance,
  InvalidArgumentError,
  isCommitteeSize,
  quorumSize,
  shareIndexOfMember,
  shareIndexOfOperator,
  thresholdOf,
} from "../src/index.js";

describe("committee arithmetic", () => {
  it("n = 3f+1 gives f, t = 2f+1 and a quorum of n − f", () => {
    expect(COMMITTEE_SIZES.map(faultTolerance)).toEqual([1, 2, 3, 4]);
    expect(COMMITTEE_SIZES.map(thresholdOf)).toEqual([3, 5, 7, 9]);
    expect(COMMITTEE_SIZES.map(quorumSize)).toEqual([3, 5, 7, 9]);
  });

  it("refuses sizes the protocol does not allow, with the allowed ones in the message", () => {
    for (const n of [0, 1, 3, 5, 6, 14, 4.5]) {
      expect(isCommitteeSize(n)).toBe(false);
      expect(() => thresholdOf(n)).toThrow(/4, 7, 10, 13/);
      expect(() => quorumSize(n)).toThrow(InvalidArgumentError);
    }
  });

  it("share index is the 1-based position in the ascending id list", () => {
    expect(shareIndexOfOperator([2n, 7n, 40n, 41n], 40n)).toBe(3);
    expect(() => shareIndexOfOperator([2n, 7n, 40n, 41n], 5n)).toThrow(InvalidArgumentError);
    expect([0, 1, 12].map(shareIndexOfMember)).toEqual([1, 2, 13]);
    for (const bad of [-1, 13, 0.5]) expect(() => shareIndexOfMember(bad)).toThrow(InvalidArgumentError);
  });
});
