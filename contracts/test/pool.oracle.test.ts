/**
 * CohortOracle: a quorum of identical reports (never one committee) books each validator's balance and withdrawals;
 * gains go bond share + commission to that validator's initiator, losses hit that initiator's bond first.
 */
import { type Hex, parseEventLogs } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cohortOracleAbi, cohortPoolAbi, cohortRegistryAbi } from "../../sdk/src/abi/index.js";
import {
  ETHER,
  GWEI,
  oracleReport,
  type PoolOperator,
  type PoolSystem,
  setupPoolSystem,
  type ValidatorReport,
} from "./poolFixture.js";

const BOND = 4n * ETHER;
/** 40 days of mainnet epochs: room under the 10% APR ceiling for a 1% gain. */
const FORTY_DAYS = 9_000n;
let system: PoolSystem;
let committeeA: PoolOperator[];
let committeeB: PoolOperator[];
let everyone: PoolOperator[];
let snapshot: Hex;

beforeAll(async () => {
  system = await setupPoolSystem(9, {}, 2);
  committeeA = system.operators.slice(0, 4);
  committeeB = system.operators.slice(4, 8);
  everyone = [...committeeA, ...committeeB];
  await system.send(system.stakers[0]!, "pool", "deposit", [], 56n * ETHER);
  await system.fundedMiniPool(committeeA);
  await system.fundedMiniPool(committeeB);
});
beforeEach(async () => {
  snapshot = await system.cohort.snapshot();
});
afterEach(async () => {
  await system.cohort.revert(snapshot);
});

type Report = ReturnType<typeof oracleReport>;
const operators = (bps?: Record<string, number>) => everyone.map((o) => ({ id: o.id, bps: bps?.[String(o.id)] }));
async function build(a: bigint, b: bigint, bps?: Record<string, number>, extra: Partial<ValidatorReport> = {}) {
  return oracleReport(
    await system.currentEpoch(),
    [
      { id: 0n, balanceGwei: a, ...extra },
      { id: 1n, balanceGwei: b },
    ],
    operators(bps),
  );
}
const send = (member: PoolOperator, r: Report) => system.send(member.identity, "oracle", "submitReport", [r]);
/** Six identical reports: the quorum of eight eligible reporters (two thirds, at least five). */
async function accept(r: Report) {
  let receipt: Awaited<ReturnType<typeof send>> | undefined;
  for (const member of everyone.slice(0, 6)) receipt = await send(member, r);
  return receipt!;
}

describe("oracle reports", () => {
  it("needs a quorum of identical reports; then rewards raise the rate and the initiator earns bond share + commission", async () => {
    expect(await system.read("oracle", "quorum")).toBe(6n);
    await system.advanceEpochs(FORTY_DAYS);
    const r = await build(32n * GWEI + (32n * GWEI) / 100n, 32n * GWEI);
    const first = await send(everyone[0]!, r);
    const [submitted] = parseEventLogs({ abi: cohortOracleAbi, logs: first.logs, eventName: "ReportSubmitted" });
    const hash = await system.read("oracle", "reportHash", [r]);
    expect(submitted!.args).toEqual({ epoch: r.epoch, operatorId: everyone[0]!.id, reportHash: hash });
    // A dissenting report does not count towards the others' quorum.
    await send(everyone[1]!, { ...r, balancesGwei: [r.balancesGwei[0]! + 1n, r.balancesGwei[1]!] });
    for (const member of everyone.slice(2, 6)) await send(member, r);
    expect(await system.read("oracle", "lastEpoch")).toBe(0n);
    expect(await system.read("oracle", "votes", [r.epoch, hash])).toBe(5n);
    const assetsBefore = await system.read<bigint>("pool", "totalAssets");

    const receipt = await send(everyone[6]!, r);
    const [accepted] = parseEventLogs({ abi: cohortOracleAbi, logs: receipt.logs, eventName: "ReportAccepted" });
    const reward = (32n * ETHER) / 100n;
    expect(accepted!.args).toEqual({ epoch: r.epoch, totalBalance: 64n * ETHER + reward, delta: reward });
    // 0.32 ETH: 4/32 to the bond (0.04), the pool's 0.28 less 10% commission (0.028) → pool +0.252.
    const initiatorEarned = reward / 8n + ((reward - reward / 8n) * 1_000n) / 10_000n;
    expect(initiatorEarned).toBe((68n * ETHER) / 1000n);
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(BOND + initiatorEarned);
    expect(await system.read("miniPools", "initiatorBalance", [1n])).toBe(BOND);
    const totalAssets = assetsBefore + reward - initiatorEarned;
    expect(await system.read("pool", "totalAssets")).toBe(totalAssets);
    const [rate] = parseEventLogs({ abi: cohortPoolAbi, logs: receipt.logs, eventName: "ExchangeRateUpdated" });
    expect(rate!.args).toEqual({ epoch: r.epoch, totalAssets, totalShares: 56n * ETHER });
    expect(await system.read("oracle", "lastEpoch")).toBe(r.epoch);
  });

  it("losses hit that validator's initiator first, then the pool; a recovery refills the bond share first", async () => {
    await system.advanceEpochs(1n);
    const assets = await system.read<bigint>("pool", "totalAssets");
    // −1.5 ETH on validator 0 (under the 5% that would wait a delay): all from its 4 ETH bond.
    await accept(await build(30n * GWEI + GWEI / 2n, 32n * GWEI));
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(BOND - (3n * ETHER) / 2n);
    expect(await system.read("pool", "totalAssets")).toBe(assets);
    await system.advanceEpochs(1n);
    // −3 ETH more: 2.5 ETH left in the bond, 0.5 ETH from the pool.
    await accept(await build(27n * GWEI + GWEI / 2n, 32n * GWEI));
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(0n);
    expect(await system.read("pool", "totalAssets")).toBe(assets - ETHER / 2n);
    expect(await system.read("miniPools", "initiatorBalance", [1n])).toBe(BOND);
    // Recovery by 0.25 ETH (under the ceiling for 27.5 ETH over 40 days, 0.30): the bond earns its share (of the
    // original 4/32) again from zero.
    await system.advanceEpochs(FORTY_DAYS);
    await accept(await build(27n * GWEI + (3n * GWEI) / 4n, 32n * GWEI));
    const gain = ETHER / 4n;
    expect((await system.read("miniPools", "miniPool", [0n])).booked).toBe(27n * ETHER + (3n * ETHER) / 4n);
    const expected = gain / 8n + ((gain - gain / 8n) * 1_000n) / 10_000n;
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(expected);
    // A larger recovery is booked only up to the ceiling: the rest waits for later reports.
    await system.advanceEpochs(FORTY_DAYS);
    await accept(await build(32n * GWEI, 32n * GWEI));
    const cap = ((27n * ETHER + (3n * ETHER) / 4n) * 1_000n * FORTY_DAYS * 384n) / (10_000n * 365n * 24n * 3600n);
    expect((await system.read("miniPools", "miniPool", [0n])).booked).toBe(27n * ETHER + (3n * ETHER) / 4n + cap);
  });

  it("only eligible reporters report, once per epoch, for past and new epochs, well formed", async () => {
    await system.advanceEpochs(2n);
    const r = await build(32n * GWEI, 32n * GWEI);
    const outsider = system.operators[8]!;
    await system.expectRevert(outsider.identity, "oracle", "submitReport", [r], "NotEligibleReporter", [
      outsider.identity.address,
    ]);
    await system.expectRevert(everyone[0]!.owner, "oracle", "submitReport", [r], "NotEligibleReporter", [
      everyone[0]!.owner.address,
    ]);
    const member = everyone[0]!.identity;
    await system.expectRevert(member, "oracle", "submitReport", [{ ...r, epoch: 0n }], "EpochNotNew", [0n]);
    await system.expectRevert(member, "oracle", "submitReport", [{ ...r, epoch: r.epoch + 1n }], "EpochNotPast", [
      r.epoch + 1n,
      r.epoch,
    ]);
    await system.expectRevert(member, "oracle", "submitReport", [{ ...r, participationBps: [1] }], "LengthMismatch");
    await system.expectRevert(member, "oracle", "submitReport", [{ ...r, withdrawnGwei: [] }], "LengthMismatch");
    await system.expectRevert(
      member,
      "oracle",
      "submitReport",
      [{ ...r, operatorIds: [r.operatorIds[1]!, r.operatorIds[0]!], participationBps: [1, 1] }],
      "OperatorIdsNotSorted",
    );
    await system.expectRevert(
      member,
      "oracle",
      "submitReport",
      [{ ...r, operatorIds: [r.operatorIds[0]!], participationBps: [10_001] }],
      "ParticipationTooHigh",
      [10_001],
    );
    await send(everyone[0]!, r);
    await system.expectRevert(member, "oracle", "submitReport", [r], "AlreadyReported", [r.epoch, everyone[0]!.id]);
    await accept({ ...r, epoch: r.epoch - 1n });
    const late = { ...r, epoch: r.epoch - 1n };
    await system.expectRevert(everyone[7]!.identity, "oracle", "submitReport", [late], "EpochNotNew", [r.epoch - 1n]);
  });
});

describe("operator performance", () => {
  it("accumulates participation and lets governance deactivate only an operator below the minimum", async () => {
    const [a, b, c, d] = committeeA.map((o) => String(o.id));
    const ids = committeeA.map((o) => o.id);
    await system.advanceEpochs(1n);
    await accept(await build(32n * GWEI, 32n * GWEI, { [a!]: 10_000, [b!]: 9_000, [c!]: 5_000, [d!]: 7_000 }));
    await system.advanceEpochs(1n);
    await accept(await build(32n * GWEI, 32n * GWEI, { [a!]: 10_000, [b!]: 9_000, [c!]: 6_000, [d!]: 9_500 }));
    expect(await system.read("oracle", "operatorPerformance", [ids[2]])).toEqual([2n, 11_000n]);
    expect(await system.read("oracle", "operatorPerformance", [ids[3]])).toEqual([2n, 16_500n]);

    const governance = system.cohort.governance;
    await system.expectRevert(committeeA[0]!.owner, "oracle", "deactivateOperator", [ids[2]], "OnlyGovernance");
    await system.expectRevert(governance, "oracle", "deactivateOperator", [ids[3]], "PerformanceAboveMinimum", [
      8_250n,
      8_000n,
    ]);
    const idle = system.operators[8]!.id;
    await system.expectRevert(governance, "oracle", "deactivateOperator", [idle], "NoPerformanceData", [idle]);

    const receipt = await system.send(governance, "oracle", "deactivateOperator", [ids[2]]);
    expect(
      parseEventLogs({ abi: cohortOracleAbi, logs: receipt.logs, eventName: "OperatorDeactivated" })[0]!.args,
    ).toEqual({ operatorId: ids[2] });
    expect(
      parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "OperatorDeactivated" })[0]!.args,
    ).toEqual({ operatorId: ids[2] });
    const op = await system.cohort.read("getOperator", [ids[2]]);
    expect(op).toMatchObject({ active: false, fee: 0n });
    // Deactivated operators take no new mini-pools.
    const others = [ids[0]!, ids[1]!, ids[3]!, ids[2]!];
    await system.expectRevert(
      committeeA[0]!.owner,
      "miniPools",
      "createMiniPool",
      [others],
      "OperatorNotActive",
      [ids[2]],
      BOND,
    );
  });

  it("the registry accepts deactivation only from the oracle", async () => {
    await system.cohort.expectRevert(
      system.cohort.governance,
      "deactivateOperator",
      [committeeA[2]!.id],
      "NotPoolOracle",
    );
    expect(await system.cohort.read("poolOracle")).toBe(system.addresses.oracle);
  });
});
