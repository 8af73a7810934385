import { describe, expect, it } from "vitest";
import { dutySummary } from "./nodeStatus";
import { marginBlocks, roughDuration, runwayWarning } from "./runway";

const committee = { active: true, validatorCount: 2, liquidationBlock: 1_000n as bigint | null, atBlock: 400n };

describe("runwayWarning", () => {
  it("warns once the liquidation block is less than the margin away", () => {
    expect(runwayWarning(committee, 600n)).toBeNull();
    expect(runwayWarning(committee, 601n)).toEqual({ blocksLeft: 600n, liquidatableNow: false });
  });

  it("says when anyone may liquidate it already", () => {
    expect(runwayWarning({ ...committee, liquidationBlock: 400n }, 10n)).toEqual({
      blocksLeft: 0n,
      liquidatableNow: true,
    });
    expect(runwayWarning({ ...committee, liquidationBlock: 390n }, 10n)?.liquidatableNow).toBe(true);
  });

  it("stays quiet for a committee that pays nothing, is empty or already liquidated", () => {
    expect(runwayWarning({ ...committee, liquidationBlock: null }, 10n ** 12n)).toBeNull();
    expect(runwayWarning({ ...committee, validatorCount: 0 }, 10n ** 12n)).toBeNull();
    expect(runwayWarning({ ...committee, active: false }, 10n ** 12n)).toBeNull();
  });

  it("measures the margin in days of the chain's blocks", () => {
    expect(marginBlocks(7200n)).toBe(216_000n);
    expect(marginBlocks(86_400n, 1n)).toBe(86_400n);
  });
});

describe("roughDuration", () => {
  it("says a short runway in hours or minutes rather than 0.0 days", () => {
    expect(roughDuration(12.34)).toBe("12.3 days");
    expect(roughDuration(1.5)).toBe("36 hours");
    expect(roughDuration(300 / 86_400)).toBe("5 minutes");
    expect(roughDuration(1 / 1440)).toBe("1 minute");
    expect(roughDuration(0.0001)).toBe("under a minute");
  });
});

describe("dutySummary", () => {
  const row = (outcome: "signed" | "refused" | "not signed", submitted: boolean | null, aggregated = false) => ({
    slot: 1,
    decided: true,
    outcome,
    reason: null,
    submitted,
    aggregated: submitted === null ? null : aggregated,
  });

  it("counts signed, submitted, aggregated and refused slots", () => {
    expect(dutySummary([row("signed", true, true), row("signed", false), row("refused", false)])).toEqual({
      slots: 3,
      signed: 2,
      refused: 1,
      submitted: 1,
      aggregated: 1,
    });
  });

  it("leaves submissions uncounted without the validator's index", () => {
    expect(dutySummary([row("signed", null)])).toMatchObject({ signed: 1, submitted: null, aggregated: null });
  });
});
