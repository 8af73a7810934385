/** CohortPool: deposits mint cETH at the current rate, withdrawals queue FIFO and pay from free ETH. */
import { parseEventLogs } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cohortPoolAbi } from "../../sdk/src/abi/index.js";
import { ETHER, type PoolSystem, setupPoolSystem } from "./poolFixture.js";

let system: PoolSystem;
let snapshot: `0x${string}`;

beforeAll(async () => {
  system = await setupPoolSystem(0, {}, 3);
});
beforeEach(async () => {
  snapshot = await system.cohort.snapshot();
});
afterEach(async () => {
  await system.cohort.revert(snapshot);
});

describe("CohortPool deposits", () => {
  it("is the cETH token with 18 decimals and an empty rate of 1", async () => {
    expect(await system.read("pool", "name")).toBe("Cohort Staked ETH");
    expect(await system.read("pool", "symbol")).toBe("cETH");
    expect(await system.read("pool", "decimals")).toBe(18);
    expect(await system.read("pool", "exchangeRate")).toBe(ETHER);
    expect(await system.read("pool", "withdrawalCredentials")).toBe(
      `0x01${"00".repeat(11)}${system.addresses.pool.slice(2).toLowerCase()}`,
    );
  });

  it("mints 1:1 first and emits Deposited", async () => {
    const [alice] = system.stakers;
    const receipt = await system.send(alice!, "pool", "deposit", [], ETHER / 10n);
    const [event] = parseEventLogs({ abi: cohortPoolAbi, logs: receipt.logs, eventName: "Deposited" });
    expect(event!.args).toEqual({ owner: alice!.address, assets: ETHER / 10n, shares: ETHER / 10n });
    expect(await system.read("pool", "balanceOf", [alice!.address])).toBe(ETHER / 10n);
    expect(await system.read("pool", "totalAssets")).toBe(ETHER / 10n);
    expect(await system.read("pool", "freeEth")).toBe(ETHER / 10n);
  });

  it("refuses less than minDeposit", async () => {
    const [alice] = system.stakers;
    const minimum = ETHER / 10n;
    await system.expectRevert(alice!, "pool", "deposit", [], "DepositTooSmall", [minimum], minimum - 1n);
    await system.expectRevert(alice!, "pool", "deposit", [], "DepositTooSmall", [minimum], 0n);
  });

  it("ignores ETH pushed at it outside deposit(): plain transfers revert", async () => {
    const [alice] = system.stakers;
    const error = await system.cohort.client.call({ account: alice!, to: system.addresses.pool, value: ETHER }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
  });
});

describe("CohortPool withdrawals", () => {
  it("burns shares, fixes the assets and pays from free ETH at once", async () => {
    const [alice] = system.stakers;
    await system.send(alice!, "pool", "deposit", [], 2n * ETHER);
    const receipt = await system.send(alice!, "pool", "requestWithdrawal", [ETHER / 2n]);
    const [event] = parseEventLogs({ abi: cohortPoolAbi, logs: receipt.logs, eventName: "WithdrawalRequested" });
    expect(event!.args).toEqual({ id: 0n, owner: alice!.address, shares: ETHER / 2n, assets: ETHER / 2n });
    expect(await system.read("pool", "balanceOf", [alice!.address])).toBe((3n * ETHER) / 2n);
    expect(await system.read("pool", "withdrawalRequest", [0n])).toEqual([alice!.address, ETHER / 2n, false, true]);
    expect(await system.read("pool", "freeEth")).toBe((3n * ETHER) / 2n);
    expect(await system.read("pool", "totalAssets")).toBe((3n * ETHER) / 2n);

    const before = await system.ethBalance(alice!.address);
    const claim = await system.send(alice!, "pool", "claimWithdrawal", [0n]);
    const gas = claim.gasUsed * claim.effectiveGasPrice;
    expect(await system.ethBalance(alice!.address)).toBe(before + ETHER / 2n - gas);
    expect(await system.read("pool", "withdrawalRequest", [0n])).toEqual([alice!.address, ETHER / 2n, true, true]);
    await system.expectRevert(alice!, "pool", "claimWithdrawal", [0n], "WithdrawalAlreadyClaimed", [0n]);
  });

  it("only the owner claims, unknown ids and zero shares are refused", async () => {
    const [alice, bob] = system.stakers;
    await system.send(alice!, "pool", "deposit", [], ETHER);
    await system.send(alice!, "pool", "requestWithdrawal", [ETHER / 4n]);
    await system.expectRevert(bob!, "pool", "claimWithdrawal", [0n], "NotRequestOwner", [0n]);
    await system.expectRevert(alice!, "pool", "claimWithdrawal", [1n], "WithdrawalNotFound", [1n]);
    await system.expectRevert(alice!, "pool", "requestWithdrawal", [0n], "ZeroAmount");
    await system.expectRevert(bob!, "pool", "requestWithdrawal", [1n], "ERC20InsufficientBalance");
  });
});
