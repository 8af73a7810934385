/**
 * CohortPool: deposits mint cETH at the current rate, withdrawals lock shares, queue FIFO and pay from free ETH at the
 * lower rate of request and claim. Every refusal is checked by its error name, never "some error".
 */
import { createWalletClient, http, parseEventLogs } from "viem";
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

  it("mints 1:1 first, less the dead shares that keep the supply from returning to zero", async () => {
    const [alice] = system.stakers;
    const dead = await system.read<bigint>("pool", "DEAD_SHARES");
    expect(dead).toBe(10n ** 9n);
    const receipt = await system.send(alice!, "pool", "deposit", [], ETHER / 10n);
    const [event] = parseEventLogs({ abi: cohortPoolAbi, logs: receipt.logs, eventName: "Deposited" });
    expect(event!.args).toEqual({ owner: alice!.address, assets: ETHER / 10n, shares: ETHER / 10n - dead });
    expect(await system.read("pool", "balanceOf", [alice!.address])).toBe(ETHER / 10n - dead);
    expect(await system.read("pool", "balanceOf", [await system.read("pool", "DEAD")])).toBe(dead);
    expect(await system.read("pool", "totalAssets")).toBe(ETHER / 10n);
    expect(await system.read("pool", "freeEth")).toBe(ETHER / 10n);
  });

  it("a deposit after every holder left cannot capture what was left behind", async () => {
    const [alice, bob] = system.stakers;
    await system.send(alice!, "pool", "deposit", [], ETHER);
    const shares = await system.read<bigint>("pool", "balanceOf", [alice!.address]);
    await system.send(alice!, "pool", "requestWithdrawal", [shares]);
    await system.send(alice!, "pool", "claimWithdrawal", [0n]);
    // Leftover: the dead shares' gwei. Bob's 1 ETH buys at the same rate, not the leftover on top.
    await system.send(bob!, "pool", "deposit", [], ETHER);
    const bobShares = await system.read<bigint>("pool", "balanceOf", [bob!.address]);
    expect(await system.read<bigint>("pool", "convertToAssets", [bobShares])).toBeLessThanOrEqual(ETHER);
  });

  it("refuses less than minDeposit", async () => {
    const [alice] = system.stakers;
    const minimum = ETHER / 10n;
    await system.expectRevert(alice!, "pool", "deposit", [], "DepositTooSmall", [minimum], minimum - 1n);
    await system.expectRevert(alice!, "pool", "deposit", [], "DepositTooSmall", [minimum], 0n);
  });

  it("books nothing for ETH sent outside deposit(): it waits, unbooked, for a report to say whose it is", async () => {
    const [alice] = system.stakers;
    await system.send(alice!, "pool", "deposit", [], ETHER);
    const hash = await createWalletClient({ account: alice!, transport: http(system.cohort.rpcUrl) }).sendTransaction({
      to: system.addresses.pool,
      value: ETHER,
      chain: null,
    });
    expect((await system.cohort.client.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(await system.read("pool", "unbookedEth")).toBe(ETHER);
    expect(await system.read("pool", "totalAssets")).toBe(ETHER);
    expect(await system.read("pool", "exchangeRate")).toBe(ETHER);
    expect(await system.read("pool", "freeEth")).toBe(ETHER);
  });
});

describe("CohortPool withdrawals", () => {
  it("locks shares, fixes the most it pays and pays from free ETH at once, then burns them", async () => {
    const [alice] = system.stakers;
    await system.send(alice!, "pool", "deposit", [], 2n * ETHER);
    const dead = await system.read<bigint>("pool", "DEAD_SHARES");
    const receipt = await system.send(alice!, "pool", "requestWithdrawal", [ETHER / 2n]);
    const [event] = parseEventLogs({ abi: cohortPoolAbi, logs: receipt.logs, eventName: "WithdrawalRequested" });
    expect(event!.args).toEqual({ id: 0n, owner: alice!.address, shares: ETHER / 2n, assets: ETHER / 2n });
    expect(await system.read("pool", "balanceOf", [alice!.address])).toBe((3n * ETHER) / 2n - dead);
    expect(await system.read("pool", "balanceOf", [system.addresses.pool])).toBe(ETHER / 2n);
    expect(await system.read("pool", "withdrawalRequest", [0n])).toEqual([alice!.address, ETHER / 2n, false, true]);
    expect(await system.read("pool", "withdrawalShares", [0n])).toEqual([ETHER / 2n, ETHER / 2n]);
    expect(await system.read("pool", "freeEth")).toBe((3n * ETHER) / 2n);
    // The locked shares still count until the claim.
    expect(await system.read("pool", "totalAssets")).toBe(2n * ETHER);

    const before = await system.ethBalance(alice!.address);
    const claim = await system.send(alice!, "pool", "claimWithdrawal", [0n]);
    const gas = claim.gasUsed * claim.effectiveGasPrice;
    expect(await system.ethBalance(alice!.address)).toBe(before + ETHER / 2n - gas);
    expect(await system.read("pool", "withdrawalRequest", [0n])).toEqual([alice!.address, ETHER / 2n, true, true]);
    expect(await system.read("pool", "balanceOf", [system.addresses.pool])).toBe(0n);
    expect(await system.read("pool", "totalAssets")).toBe((3n * ETHER) / 2n);
    await system.expectRevert(alice!, "pool", "claimWithdrawal", [0n], "WithdrawalAlreadyClaimed", [0n]);
  });

  it("only the owner claims, unknown ids and zero shares are refused", async () => {
    const [alice, bob] = system.stakers;
    await system.send(alice!, "pool", "deposit", [], ETHER);
    await system.send(alice!, "pool", "requestWithdrawal", [ETHER / 4n]);
    await system.expectRevert(bob!, "pool", "claimWithdrawal", [0n], "NotRequestOwner", [0n]);
    await system.expectRevert(alice!, "pool", "claimWithdrawal", [1n], "WithdrawalNotFound", [1n]);
    await system.expectRevert(alice!, "pool", "requestWithdrawal", [0n], "ZeroAmount");
    await system.expectRevert(bob!, "pool", "requestWithdrawal", [1n], "ERC20InsufficientBalance", [
      bob!.address,
      0n,
      1n,
    ]);
  });
});

describe("CohortPool governance", () => {
  it("a config change waits CONFIG_DELAY, and only the owner proposes", async () => {
    const config = await system.read("pool", "poolConfig");
    const changed = { ...config, minDeposit: ETHER };
    const [alice] = system.stakers;
    await system.expectRevert(alice!, "pool", "proposePoolConfig", [changed], "OwnableUnauthorizedAccount", [
      alice!.address,
    ]);
    await system.expectRevert(alice!, "pool", "executePoolConfig", [], "NoConfigProposed");
    await system.send(system.cohort.governance, "pool", "proposePoolConfig", [changed]);
    const [, executableAt] = await system.read("pool", "pendingPoolConfig");
    await system.expectRevert(alice!, "pool", "executePoolConfig", [], "ConfigTimelocked", [executableAt]);
    expect((await system.read("pool", "poolConfig")).minDeposit).toBe(ETHER / 10n);
    await system.cohort.testClient.increaseTime({ seconds: 2 * 24 * 3600 });
    await system.cohort.testClient.mine({ blocks: 1 });
    await system.send(alice!, "pool", "executePoolConfig", []);
    expect((await system.read("pool", "poolConfig")).minDeposit).toBe(ETHER);
  });

  it("every parameter is bounded: one committee's four votes can never be a quorum", async () => {
    const config = await system.read("pool", "poolConfig");
    const governance = system.cohort.governance;
    const cases: [Record<string, unknown>, bigint, bigint, bigint][] = [
      [{ oracleQuorum: 4n }, 3n, 5n, 255n],
      [{ oracleQuorumBps: 5_000n }, 4n, 5_001n, 10_000n],
      [{ initiatorCommissionBps: 2_001n }, 5n, 0n, 2_000n],
      [{ maxAprBps: 0n }, 7n, 1n, 5_000n],
      [{ lossDelay: 60n }, 9n, 3_600n, 14n * 24n * 3600n],
    ];
    for (const [change, field, min, max] of cases) {
      const value = Object.values(change)[0] as bigint;
      await system.expectRevert(
        governance,
        "pool",
        "proposePoolConfig",
        [{ ...config, ...change }],
        "ConfigOutOfBounds",
        [field, value, min, max],
      );
    }
    await system.expectRevert(
      governance,
      "pool",
      "proposePoolConfig",
      [{ ...config, initiatorBond: ETHER }],
      "InvalidInitiatorBond",
      [ETHER],
    );
  });
});
