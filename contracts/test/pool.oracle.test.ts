/** CohortOracle: a quorum of identical reports moves the exchange rate; losses hit the initiator's bond first. */
import { type Hex, parseEventLogs } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cohortOracleAbi, cohortPoolAbi, cohortRegistryAbi } from "../../sdk/src/abi/index.js";
import { ETHER, type PoolOperator, type PoolSystem, setupPoolSystem } from "./poolFixture.js";

const BOND = 4n * ETHER;
let system: PoolSystem;
let committee: PoolOperator[];
let ids: bigint[];
let snapshot: Hex;

beforeAll(async () => {
  system = await setupPoolSystem(5, {}, 2);
  committee = system.operators.slice(0, 4);
  ids = committee.map((o) => o.id);
  await system.readyMiniPool(committee);
  await system.send(system.stakers[0]!, "pool", "deposit", [], 28n * ETHER);
  await system.send(system.stakers[0]!, "miniPools", "fundNext", []);
});
beforeEach(async () => {
  snapshot = await system.cohort.snapshot();
});
afterEach(async () => {
  await system.cohort.revert(snapshot);
});

const FULL = [10_000, 10_000, 10_000, 10_000];
const report = (member: PoolOperator, epoch: bigint, total: bigint, bps: number[] = FULL) =>
  system.send(member.identity, "oracle", "submitReport", [epoch, total, ids, bps]);
/** Three identical reports (the default quorum). */
async function accept(epoch: bigint, total: bigint, bps: number[] = FULL) {
  await report(committee[0]!, epoch, total, bps);
  await report(committee[1]!, epoch, total, bps);
  return report(committee[2]!, epoch, total, bps);
}

describe("oracle reports", () => {
  it("needs a quorum of identical reports; then rewards raise the rate and the initiator earns bond share + commission", async () => {
    const total = 32n * ETHER + (32n * ETHER) / 100n; // +1%
    const first = await report(committee[0]!, 1n, total);
    const [submitted] = parseEventLogs({ abi: cohortOracleAbi, logs: first.logs, eventName: "ReportSubmitted" });
    const hash = await system.read("oracle", "reportHash", [1n, total, ids, FULL]);
    expect(submitted!.args).toEqual({ epoch: 1n, operatorId: ids[0], reportHash: hash });
    // A dissenting report does not count towards the others' quorum.
    await report(committee[1]!, 1n, total + 1n);
    await report(committee[2]!, 1n, total);
    expect(await system.read("oracle", "lastEpoch")).toBe(0n);
    expect(await system.read("pool", "exchangeRate")).toBe(ETHER);
    expect(await system.read("oracle", "votes", [1n, hash])).toBe(2n);

    const receipt = await report(committee[3]!, 1n, total);
    const [accepted] = parseEventLogs({ abi: cohortOracleAbi, logs: receipt.logs, eventName: "ReportAccepted" });
    const reward = (32n * ETHER) / 100n;
    expect(accepted!.args).toEqual({ epoch: 1n, totalBalance: total, delta: reward });

    // 0.32 ETH: 4/32 to the bond (0.04), the pool's 0.28 less 10% commission (0.028) → pool +0.252.
    const initiatorEarned = reward / 8n + ((reward - reward / 8n) * 1_000n) / 10_000n;
    expect(initiatorEarned).toBe((68n * ETHER) / 1000n);
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(BOND + initiatorEarned);
    const totalAssets = 28n * ETHER + reward - initiatorEarned;
    expect(await system.read("pool", "totalAssets")).toBe(totalAssets);
    expect(await system.read("pool", "exchangeRate")).toBe((totalAssets * ETHER) / (28n * ETHER));
    const [rate] = parseEventLogs({ abi: cohortPoolAbi, logs: receipt.logs, eventName: "ExchangeRateUpdated" });
    expect(rate!.args).toEqual({ epoch: 1n, totalAssets, totalShares: 28n * ETHER });
    expect(await system.read("oracle", "lastEpoch")).toBe(1n);
  });

  it("losses hit the initiator's balance first, then the pool", async () => {
    await accept(1n, 32n * ETHER);
    // −3 ETH: all from the 4 ETH bond.
    await accept(2n, 29n * ETHER);
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(ETHER);
    expect(await system.read("pool", "totalAssets")).toBe(28n * ETHER);
    expect(await system.read("pool", "exchangeRate")).toBe(ETHER);
    // −3 ETH more: 1 ETH left in the bond, 2 ETH from the pool.
    await accept(3n, 26n * ETHER);
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(0n);
    expect(await system.read("pool", "totalAssets")).toBe(26n * ETHER);
    expect(await system.read("pool", "exchangeRate")).toBe((26n * ETHER * ETHER) / (28n * ETHER));
    // Recovery: the bond earns its share again from zero, the pool the rest.
    await accept(4n, 30n * ETHER);
    const gain = 4n * ETHER;
    const initiator = gain / 8n + ((gain - gain / 8n) * 1_000n) / 10_000n;
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(initiator);
    expect(await system.read("pool", "totalAssets")).toBe(26n * ETHER + gain - initiator);
  });

  it("only nodes of Active committees report, once per epoch, for new epochs, well formed", async () => {
    const total = 32n * ETHER;
    const outsider = system.operators[4]!;
    await system.expectRevert(
      outsider.identity,
      "oracle",
      "submitReport",
      [1n, total, ids, FULL],
      "NotActiveCommitteeMember",
      [outsider.identity.address],
    );
    await system.expectRevert(
      committee[0]!.owner,
      "oracle",
      "submitReport",
      [1n, total, ids, FULL],
      "NotActiveCommitteeMember",
    );
    const member = committee[0]!.identity;
    await system.expectRevert(member, "oracle", "submitReport", [0n, total, ids, FULL], "EpochNotNew", [0n]);
    await system.expectRevert(member, "oracle", "submitReport", [1n, total, ids, [1]], "LengthMismatch");
    await system.expectRevert(
      member,
      "oracle",
      "submitReport",
      [1n, total, [ids[1], ids[0]], [1, 1]],
      "OperatorIdsNotSorted",
    );
    await system.expectRevert(
      member,
      "oracle",
      "submitReport",
      [1n, total, [ids[0]], [10_001]],
      "ParticipationTooHigh",
      [10_001],
    );
    await report(committee[0]!, 1n, total);
    await system.expectRevert(member, "oracle", "submitReport", [1n, total, ids, FULL], "AlreadyReported", [
      1n,
      ids[0],
    ]);
    await accept(2n, total);
    await system.expectRevert(committee[3]!.identity, "oracle", "submitReport", [1n, total, ids, FULL], "EpochNotNew", [
      2n,
    ]);
    await system.expectRevert(committee[3]!.identity, "oracle", "submitReport", [2n, total, ids, FULL], "EpochNotNew", [
      2n,
    ]);
  });
});

describe("operator performance", () => {
  it("accumulates participation and lets governance deactivate only an operator below the minimum", async () => {
    const bps = [10_000, 9_000, 5_000, 7_000];
    await accept(1n, 32n * ETHER, bps);
    await accept(2n, 32n * ETHER, [10_000, 9_000, 6_000, 9_500]);
    expect(await system.read("oracle", "operatorPerformance", [ids[2]])).toEqual([2n, 11_000n]);
    expect(await system.read("oracle", "operatorPerformance", [ids[3]])).toEqual([2n, 16_500n]);

    const governance = system.cohort.governance;
    await system.expectRevert(committee[0]!.owner, "oracle", "deactivateOperator", [ids[2]], "OnlyGovernance");
    await system.expectRevert(governance, "oracle", "deactivateOperator", [ids[3]], "PerformanceAboveMinimum", [
      8_250n,
      8_000n,
    ]);
    await system.expectRevert(
      governance,
      "oracle",
      "deactivateOperator",
      [system.operators[4]!.id],
      "NoPerformanceData",
      [system.operators[4]!.id],
    );

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
      committee[0]!.owner,
      "miniPools",
      "createMiniPool",
      [others],
      "OperatorNotActive",
      [ids[2]],
      BOND,
    );
  });

  it("the registry accepts deactivation only from the oracle", async () => {
    await system.cohort.expectRevert(system.cohort.governance, "deactivateOperator", [ids[2]], "NotPoolOracle");
    expect(await system.cohort.read("poolOracle")).toBe(system.addresses.oracle);
  });
});
