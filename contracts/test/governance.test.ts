import { type Hex, parseEventLogs } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cohortRegistryAbi } from "../../sdk/src/abi/index.js";
import { type Actor, type Cohort, changeConfig, registerOperators, setupCohort, testConfig } from "./harness.js";
import { randomPublicKey, signedPayload } from "./payload.js";

let cohort: Cohort;
let governance: Actor;
let alice: Actor;
let staker: Actor;
let snapshot: Hex;

const proposeConfig = (config: typeof testConfig) => cohort.send(governance, "proposeConfig", [config]);

beforeAll(async () => {
  cohort = await setupCohort();
  [governance, alice, staker] = cohort.accounts as [Actor, Actor, Actor];
  await cohort.fund([staker], 10n ** 24n);
});
beforeEach(async () => {
  snapshot = await cohort.snapshot();
});
afterEach(async () => {
  await cohort.revert(snapshot);
});

describe("config", () => {
  it("is readable in one struct and was emitted at deployment", async () => {
    expect(await cohort.read("config")).toEqual(testConfig);
    const logs = await cohort.client.getContractEvents({
      address: cohort.deployment.registry,
      abi: cohortRegistryAbi,
      eventName: "ConfigUpdated",
      fromBlock: cohort.deployment.blockNumber,
      toBlock: cohort.deployment.blockNumber,
    });
    expect(logs[0]?.args.config).toEqual(testConfig);
  });

  it("governance updates every parameter at once; others cannot", async () => {
    const next = {
      networkFee: 7n,
      maxOperatorFee: 9_999n,
      maxFeeIncreaseBps: 500n,
      feeDeclareTimelock: 10n,
      feeExecutionWindow: 20n,
      liquidationRunway: 30n,
      minCollateral: 40n,
      maxValidatorsPerOperator: 60n,
    };
    await cohort.expectRevert(alice, "proposeConfig", [next], "OwnableUnauthorizedAccount", [alice.address]);
    await cohort.expectRevert(governance, "executeConfig", [], "NoConfigProposed");
    const proposed = await proposeConfig(next);
    const [announced] = parseEventLogs({ abi: cohortRegistryAbi, logs: proposed.logs, eventName: "ConfigProposed" });
    const block = await cohort.client.getBlock({ blockNumber: proposed.blockNumber });
    const executableAt = block.timestamp + 2n * 24n * 3600n;
    expect(announced?.args).toEqual({ config: next, executableAt });
    expect(await cohort.read("pendingConfig")).toEqual(next);
    // Nothing changes during the timelock.
    expect(await cohort.read("config")).toEqual(testConfig);
    await cohort.expectRevert(governance, "executeConfig", [], "ConfigTimelockNotElapsed", [executableAt]);
    await cohort.testClient.setNextBlockTimestamp({ timestamp: executableAt });
    await cohort.expectRevert(alice, "executeConfig", [], "OwnableUnauthorizedAccount", [alice.address]);
    const receipt = await cohort.send(governance, "executeConfig", []);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "ConfigUpdated" });
    expect(event?.args.config).toEqual(next);
    expect(await cohort.read("config")).toEqual(next);
    expect(await cohort.read("pendingConfigExecutableAt")).toBe(0n);
    await cohort.expectRevert(governance, "executeConfig", [], "NoConfigProposed");
  });

  it("a pending change can be cancelled, and then never applies", async () => {
    await cohort.expectRevert(governance, "cancelConfig", [], "NoConfigProposed");
    await proposeConfig({ ...testConfig, networkFee: 9n });
    await cohort.expectRevert(alice, "cancelConfig", [], "OwnableUnauthorizedAccount", [alice.address]);
    await cohort.send(governance, "cancelConfig", []);
    await cohort.testClient.increaseTime({ seconds: 3 * 24 * 3600 });
    await cohort.expectRevert(governance, "executeConfig", [], "NoConfigProposed");
    expect(await cohort.read("config")).toEqual(testConfig);
  });

  it("bounds every parameter", async () => {
    const cases: [keyof typeof testConfig, bigint, bigint][] = [
      ["maxOperatorFee", 10n ** 21n, 10n ** 21n],
      ["networkFee", testConfig.maxOperatorFee, testConfig.maxOperatorFee],
      ["feeDeclareTimelock", 30n * 24n * 3600n, 30n * 24n * 3600n],
      ["feeExecutionWindow", 30n * 24n * 3600n, 30n * 24n * 3600n],
      ["liquidationRunway", 1_000_000n, 1_000_000n],
      ["minCollateral", 10n ** 24n, 10n ** 24n],
      ["maxValidatorsPerOperator", 100_000n, 100_000n],
    ];
    for (const [parameter, highest, max] of cases) {
      await proposeConfig({ ...testConfig, [parameter]: highest });
      await cohort.expectRevert(
        governance,
        "proposeConfig",
        [{ ...testConfig, [parameter]: highest + 1n }],
        "ConfigParameterTooLarge",
        [parameter, max],
      );
    }
  });

  it("rejects parameters that would break the protocol", async () => {
    await cohort.expectRevert(
      governance,
      "proposeConfig",
      [{ ...testConfig, feeExecutionWindow: 0n }],
      "FeeExecutionWindowZero",
    );
    await cohort.expectRevert(
      governance,
      "proposeConfig",
      [{ ...testConfig, maxFeeIncreaseBps: 10_001n }],
      "MaxFeeIncreaseTooLarge",
      [10_000n],
    );
    await cohort.expectRevert(
      governance,
      "proposeConfig",
      [{ ...testConfig, maxValidatorsPerOperator: 0n }],
      "MaxValidatorsPerOperatorZero",
    );
  });

  it("a network fee change applies from its block on", async () => {
    const ids = await registerOperators(cohort, alice, 4, 0n);
    const publicKey = randomPublicKey();
    await cohort.send(staker, "registerValidator", [
      publicKey,
      ids,
      signedPayload(publicKey, 4, staker, 0n),
      0n,
      10n ** 7n,
    ]);
    await cohort.mine(8);
    // Proposed and executed in the next two blocks: 10 blocks at the old fee.
    await changeConfig(cohort, { ...testConfig, networkFee: 5n });
    await cohort.mine(4);
    expect(await cohort.read("networkEarnings")).toBe(10n * testConfig.networkFee + 4n * 5n);
  });
});

describe("governance timelock (issue 11 item 5)", () => {
  it("attack: a config change cannot make committees liquidatable before their owners can react", async () => {
    const ids = await registerOperators(cohort, alice, 4, 10n);
    const publicKey = randomPublicKey();
    await cohort.send(staker, "registerValidator", [
      publicKey,
      ids,
      signedPayload(publicKey, 4, staker, 0n),
      0n,
      10n ** 7n,
    ]);
    // Governance (or whoever holds its key) raises the runway so every committee is below the floor, and a friend
    // liquidates them in the next block to take their collateral.
    await proposeConfig({ ...testConfig, liquidationRunway: 1_000_000n });
    expect(await cohort.read("isLiquidatable", [staker.address, ids])).toBe(false);
    await cohort.expectRevert(alice, "liquidate", [staker.address, ids], "CommitteeNotLiquidatable");
    // The owner sees the proposal and has the timelock to leave with the collateral.
    await cohort.send(staker, "removeValidator", [publicKey, ids]);
    await cohort.send(staker, "withdraw", [ids, await cohort.read<bigint>("committeeBalance", [staker.address, ids])]);
  });
});

describe("network earnings", () => {
  it("only governance withdraws, to any address, up to what was earned", async () => {
    const ids = await registerOperators(cohort, alice, 4, 0n);
    const publicKey = randomPublicKey();
    await cohort.send(staker, "registerValidator", [
      publicKey,
      ids,
      signedPayload(publicKey, 4, staker, 0n),
      0n,
      10n ** 7n,
    ]);
    await cohort.mine(4);
    // The withdrawal lands 5 blocks after the registration.
    const earned = 5n * testConfig.networkFee;
    await cohort.expectRevert(alice, "withdrawNetworkEarnings", [alice.address, 1n], "OwnableUnauthorizedAccount", [
      alice.address,
    ]);
    await cohort.expectRevert(governance, "withdrawNetworkEarnings", [alice.address, 0n], "ZeroAmount");
    await cohort.expectRevert(
      governance,
      "withdrawNetworkEarnings",
      [alice.address, earned + 1n],
      "InsufficientEarnings",
      [earned],
    );
    const before = await cohort.balanceOf(alice.address);
    await cohort.send(governance, "withdrawNetworkEarnings", [alice.address, earned]);
    expect(await cohort.balanceOf(alice.address)).toBe(before + earned);
    expect(await cohort.read("networkEarnings")).toBe(0n);
  });
});

describe("ownership", () => {
  it("moves in two steps (Ownable2Step)", async () => {
    await cohort.send(governance, "transferOwnership", [alice.address]);
    expect(await cohort.read("owner")).toBe(governance.address);
    expect(await cohort.read("pendingOwner")).toBe(alice.address);
    await cohort.expectRevert(staker, "acceptOwnership", [], "OwnableUnauthorizedAccount", [staker.address]);
    await cohort.send(alice, "acceptOwnership", []);
    expect(await cohort.read("owner")).toBe(alice.address);
    await cohort.expectRevert(governance, "setOperatorVerified", [1n, true], "OwnableUnauthorizedAccount", [
      governance.address,
    ]);
  });
});

describe("renounceOwnership", () => {
  it("is disabled for governance and unavailable to others", async () => {
    await cohort.expectRevert(governance, "renounceOwnership", [], "OwnershipCannotBeRenounced");
    await cohort.expectRevert(alice, "renounceOwnership", [], "OwnableUnauthorizedAccount", [alice.address]);
  });
});

describe("fee token", () => {
  it("only its owner mints", async () => {
    const before = await cohort.balanceOf(alice.address);
    await cohort.sendToken(governance, "mint", [alice.address, 123n]);
    expect(await cohort.balanceOf(alice.address)).toBe(before + 123n);
    await expect(cohort.sendToken(alice, "mint", [alice.address, 1n])).rejects.toThrow(/OwnableUnauthorizedAccount/);
  });
});
