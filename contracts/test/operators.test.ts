import { type Hex, keccak256, parseEventLogs } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cohortRegistryAbi } from "../../sdk/src/abi/index.js";
import {
  type Actor,
  type Cohort,
  changeConfig,
  encryptionKey,
  identityKey,
  identityProof,
  identityProofIn,
  registerOperators,
  setupCohort,
  testConfig,
} from "./harness.js";
import { fakePayload, randomPublicKey, signedPayload } from "./payload.js";

let cohort: Cohort;
let alice: Actor;
let bob: Actor;
let staker: Actor;
let snapshot: Hex;

beforeAll(async () => {
  cohort = await setupCohort();
  [, alice, bob, staker] = cohort.accounts as [Actor, Actor, Actor, Actor];
  await cohort.fund([staker], 10n ** 24n);
});
beforeEach(async () => {
  snapshot = await cohort.snapshot();
});
afterEach(async () => {
  await cohort.revert(snapshot);
});

/** registerOperator's arguments with a fresh encryption key and the identity proof for `owner`. */
function args(owner: Actor, key: Hex, name: string, fee: bigint, endpoints: string[] = []) {
  return [key, encryptionKey(), name, fee, endpoints, identityProof(cohort, owner, key)] as const;
}

async function registerValidatorOn(ids: bigint[], owner = staker) {
  const publicKey = randomPublicKey();
  const nonce = await cohort.read<bigint>("nonces", [owner.address]);
  await cohort.send(owner, "registerValidator", [
    publicKey,
    ids,
    signedPayload(publicKey, ids.length, owner, nonce),
    nonce,
    1_000_000n,
  ]);
  return publicKey;
}

describe("registerOperator", () => {
  it("assigns ids 1, 2, 3 and emits everything a node needs", async () => {
    const identity = identityKey();
    const encryption = encryptionKey();
    const receipt = await cohort.send(alice, "registerOperator", [
      identity,
      encryption,
      "Alice Staking",
      42n,
      ["/ip4/10.0.0.1/tcp/9000"],
      identityProof(cohort, alice, identity),
    ]);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "OperatorAdded" });
    expect(event?.args).toEqual({
      operatorId: 1n,
      owner: alice.address,
      identityKey: identity,
      encryptionKey: encryption,
      name: "Alice Staking",
      fee: 42n,
    });
    await registerOperators(cohort, bob, 2);
    expect(await cohort.read("operatorCount")).toBe(3n);

    const op = await cohort.read("getOperator", [1n]);
    expect(op).toMatchObject({
      owner: alice.address,
      active: true,
      verified: false,
      privateMode: false,
      fee: 42n,
      validatorCount: 0,
      identityKey: identity,
      encryptionKey: encryption,
      name: "Alice Staking",
    });
    expect(await cohort.read("operatorIdByIdentityKey", [keccak256(identity)])).toBe(1n);

    // The endpoints follow OperatorAdded in the same receipt, so a node syncing logs learns both together.
    const events = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs });
    expect(events.map((e) => e.eventName)).toEqual(["OperatorAdded", "OperatorEndpointsUpdated"]);
    expect(events[1]?.args).toEqual({ operatorId: 1n, endpoints: ["/ip4/10.0.0.1/tcp/9000"] });
    expect(await cohort.read("operatorEndpoints", [1n])).toEqual(["/ip4/10.0.0.1/tcp/9000"]);
  });

  it("accepts a 64-byte name and a 0x03 key prefix", async () => {
    const key = identityKey("03");
    await cohort.send(alice, "registerOperator", args(alice, key, "n".repeat(64), 0n));
    expect((await cohort.read("getOperator", [1n])).name).toBe("n".repeat(64));
  });

  it("rejects malformed identity keys", async () => {
    const tooShort = `0x02${"11".repeat(31)}`;
    const badPrefix = `0x04${"11".repeat(32)}`;
    // x = 5: 5³ + 7 is not a square mod p, so no point has it; nobody can hold its secret.
    const offCurve = `0x02${(5).toString(16).padStart(64, "0")}`;
    for (const key of [tooShort, badPrefix, offCurve, "0x"]) {
      await cohort.expectRevert(
        alice,
        "registerOperator",
        [key, encryptionKey(), "x", 1n, [], `0x${"00".repeat(65)}`],
        "InvalidIdentityKey",
      );
    }
  });

  it("rejects an identity key another operator holds, until that operator leaves", async () => {
    const key = identityKey();
    await cohort.send(alice, "registerOperator", args(alice, key, "a", 1n));
    await cohort.expectRevert(bob, "registerOperator", args(bob, key, "b", 1n), "IdentityKeyInUse", [1n]);
    await cohort.send(alice, "removeOperator", [1n]);
    await cohort.send(bob, "registerOperator", args(bob, key, "b", 1n));
  });

  it("rejects a zero encryption key, empty or long names and fees above the cap", async () => {
    const key = identityKey();
    await cohort.expectRevert(
      alice,
      "registerOperator",
      [key, `0x${"00".repeat(32)}`, "a", 1n, [], identityProof(cohort, alice, key)],
      "InvalidEncryptionKey",
    );
    await cohort.expectRevert(alice, "registerOperator", args(alice, identityKey(), "", 1n), "InvalidOperatorName");
    await cohort.expectRevert(
      alice,
      "registerOperator",
      args(alice, identityKey(), "n".repeat(65), 1n),
      "InvalidOperatorName",
    );
    await cohort.expectRevert(
      alice,
      "registerOperator",
      args(alice, identityKey(), "a", testConfig.maxOperatorFee + 1n),
      "FeeTooHigh",
      [testConfig.maxOperatorFee],
    );
  });

  it("getOperator rejects ids never assigned", async () => {
    await registerOperators(cohort, alice, 1);
    await cohort.expectRevert(alice, "getOperator", [0n], "OperatorNotFound", [0n]);
    await cohort.expectRevert(alice, "getOperator", [2n], "OperatorNotFound", [2n]);
  });
});

describe("identity key proof of possession (issue 11, item 5)", () => {
  it("attack: a key copied from a pending registration cannot be registered first by someone else", async () => {
    const key = identityKey();
    const alices = args(alice, key, "Alice", 1n);
    // Bob front-runs with Alice's exact calldata: the proof binds her address, so it is worthless to him.
    await cohort.expectRevert(bob, "registerOperator", alices, "InvalidIdentityProof");
    // Without the key's secret he cannot make one for himself either: his own key's signature does not count.
    const bobsKey = identityKey();
    const forged = [key, encryptionKey(), "Bob", 1n, [], identityProof(cohort, bob, bobsKey)] as const;
    await cohort.expectRevert(bob, "registerOperator", forged, "InvalidIdentityProof");
    await cohort.send(alice, "registerOperator", alices);
    expect((await cohort.read("getOperator", [1n])).owner).toBe(alice.address);
  });

  it("refuses a proof for another chain or registry, a truncated one and a tampered one", async () => {
    const key = identityKey();
    const base = args(alice, key, "a", 1n);
    const proof = base[5];
    const withProof = (p: Hex) => [...base.slice(0, 5), p];
    const otherRegistry = identityProofFor(key, { registry: cohort.deployment.token });
    const otherChain = identityProofFor(key, { chainId: 1n });
    const tampered = `${proof.slice(0, -4)}${proof.slice(-4, -2) === "00" ? "01" : "00"}${proof.slice(-2)}` as Hex;
    for (const bad of [otherRegistry, otherChain, proof.slice(0, -2) as Hex, "0x" as Hex, tampered]) {
      await cohort.expectRevert(alice, "registerOperator", withProof(bad), "InvalidIdentityProof");
    }
    await cohort.send(alice, "registerOperator", base);
  });

  /** Alice's proof for `key` in a context that differs from this deployment's. */
  function identityProofFor(key: Hex, change: { chainId?: bigint; registry?: Hex }): Hex {
    return identityProofIn(key, {
      chainId: change.chainId ?? BigInt(cohort.deployment.chainId),
      registry: change.registry ?? cohort.deployment.registry,
      owner: alice.address,
    });
  }
});

describe("operator endpoints", () => {
  const longest = `/dns4/${"a".repeat(128 - "/dns4//tcp/9000".length)}/tcp/9000`;

  it("accepts up to 4 endpoints of 1..128 bytes and refuses more, empty or longer ones", async () => {
    const four = ["/ip4/1.2.3.4/tcp/1", "/ip4/1.2.3.4/tcp/2", "/dns4/x.example/tcp/3", longest];
    expect(new TextEncoder().encode(longest).length).toBe(128);
    await cohort.send(alice, "registerOperator", args(alice, identityKey(), "a", 1n, four));
    expect(await cohort.read("operatorEndpoints", [1n])).toEqual(four);
    for (const bad of [[...four, "/ip4/1.2.3.4/tcp/5"], [""], [`${longest}0`], ["/ip4/1.2.3.4/tcp/1", ""]]) {
      await cohort.expectRevert(
        alice,
        "registerOperator",
        args(alice, identityKey(), "a", 1n, bad),
        "InvalidEndpoints",
      );
      await cohort.expectRevert(alice, "setOperatorEndpoints", [1n, bad], "InvalidEndpoints");
    }
  });

  it("lets only the owner replace them, emitting the full new list each time", async () => {
    const [id] = (await registerOperators(cohort, alice, 1)) as [bigint];
    expect(await cohort.read("operatorEndpoints", [id])).toEqual([]);
    await cohort.expectRevert(bob, "setOperatorEndpoints", [id, ["/ip4/6.6.6.6/tcp/1"]], "NotOperatorOwner", [id]);

    const first = ["/ip4/10.0.0.1/tcp/9000", "/dns4/node.example/tcp/9000"];
    let receipt = await cohort.send(alice, "setOperatorEndpoints", [id, first]);
    let [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "OperatorEndpointsUpdated" });
    expect(event?.args).toEqual({ operatorId: id, endpoints: first });
    expect(await cohort.read("operatorEndpoints", [id])).toEqual(first);

    // A shorter list must not leave the old tail behind.
    receipt = await cohort.send(alice, "setOperatorEndpoints", [id, ["/ip4/10.0.0.2/tcp/9001"]]);
    [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "OperatorEndpointsUpdated" });
    expect(event?.args.endpoints).toEqual(["/ip4/10.0.0.2/tcp/9001"]);
    expect(await cohort.read("operatorEndpoints", [id])).toEqual(["/ip4/10.0.0.2/tcp/9001"]);

    await cohort.send(alice, "setOperatorEndpoints", [id, []]);
    expect(await cohort.read("operatorEndpoints", [id])).toEqual([]);

    await cohort.send(alice, "removeOperator", [id]);
    await cohort.expectRevert(alice, "setOperatorEndpoints", [id, first], "OperatorNotFound", [id]);
  });
});

describe("operator fee changes", () => {
  let id: bigint;
  beforeEach(async () => {
    [id] = (await registerOperators(cohort, alice, 1, 1_000n)) as [bigint];
  });

  async function setNextTimestamp(timestamp: bigint) {
    await cohort.testClient.setNextBlockTimestamp({ timestamp });
    await cohort.mine(1);
  }

  it("declares, waits out the timelock and executes inside the window", async () => {
    const receipt = await cohort.send(alice, "declareOperatorFee", [id, 1_100n]);
    const block = await cohort.client.getBlock({ blockNumber: receipt.blockNumber });
    const executableAt = block.timestamp + testConfig.feeDeclareTimelock;
    const expiresAt = executableAt + testConfig.feeExecutionWindow;
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "OperatorFeeDeclared" });
    expect(event?.args).toEqual({ operatorId: id, fee: 1_100n, executableAt, expiresAt });
    expect(await cohort.read("getFeeDeclaration", [id])).toEqual({ fee: 1_100n, executableAt, expiresAt });

    await cohort.expectRevert(alice, "executeOperatorFee", [id], "FeeTimelockNotElapsed", [executableAt]);
    await setNextTimestamp(executableAt);
    await cohort.send(alice, "executeOperatorFee", [id]);
    expect((await cohort.read("getOperator", [id])).fee).toBe(1_100n);
    expect((await cohort.read("getFeeDeclaration", [id])).executableAt).toBe(0n);
    await cohort.expectRevert(alice, "executeOperatorFee", [id], "NoFeeDeclared");
  });

  it("refuses to execute after the window", async () => {
    const receipt = await cohort.send(alice, "declareOperatorFee", [id, 1_050n]);
    const block = await cohort.client.getBlock({ blockNumber: receipt.blockNumber });
    const expiresAt = block.timestamp + testConfig.feeDeclareTimelock + testConfig.feeExecutionWindow;
    await setNextTimestamp(expiresAt + 1n);
    await cohort.expectRevert(alice, "executeOperatorFee", [id], "FeeDeclarationExpired", [expiresAt]);
  });

  it("caps each raise at maxFeeIncreaseBps and rejects non-raises", async () => {
    await cohort.expectRevert(alice, "declareOperatorFee", [id, 1_101n], "FeeIncreaseTooLarge", [1_100n]);
    await cohort.expectRevert(alice, "declareOperatorFee", [id, 1_000n], "FeeNotAnIncrease", [1_000n]);
    await cohort.expectRevert(alice, "declareOperatorFee", [id, 999n], "FeeNotAnIncrease", [1_000n]);
  });

  it("caps a raise at maxOperatorFee too", async () => {
    const max = testConfig.maxOperatorFee;
    await cohort.send(alice, "registerOperator", args(alice, identityKey(), "near max", max - 1n));
    await cohort.expectRevert(alice, "declareOperatorFee", [2n, max + 1n], "FeeIncreaseTooLarge", [max]);
    await cohort.send(alice, "declareOperatorFee", [2n, max]);
  });

  it("never lets a zero-fee operator raise (dropping to 0 cannot bypass the cap)", async () => {
    await cohort.send(alice, "reduceOperatorFee", [id, 0n]);
    await cohort.expectRevert(alice, "declareOperatorFee", [id, 1n], "FeeIncreaseTooLarge", [0n]);
  });

  it("cancels a declaration at any time", async () => {
    await cohort.expectRevert(alice, "cancelDeclaredOperatorFee", [id], "NoFeeDeclared");
    await cohort.send(alice, "declareOperatorFee", [id, 1_100n]);
    const receipt = await cohort.send(alice, "cancelDeclaredOperatorFee", [id]);
    expect(
      parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "OperatorFeeDeclarationCancelled" }),
    ).toHaveLength(1);
    await cohort.expectRevert(alice, "executeOperatorFee", [id], "NoFeeDeclared");
  });

  it("reduces at once and drops a pending raise", async () => {
    await cohort.send(alice, "declareOperatorFee", [id, 1_100n]);
    const receipt = await cohort.send(alice, "reduceOperatorFee", [id, 500n]);
    const events = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs });
    expect(events.map((e) => e.eventName)).toEqual(["OperatorFeeDeclarationCancelled", "OperatorFeeUpdated"]);
    expect((await cohort.read("getOperator", [id])).fee).toBe(500n);
    await cohort.expectRevert(alice, "executeOperatorFee", [id], "NoFeeDeclared");
    await cohort.expectRevert(alice, "reduceOperatorFee", [id, 500n], "FeeNotADecrease", [500n]);
    await cohort.expectRevert(alice, "reduceOperatorFee", [id, 600n], "FeeNotADecrease", [500n]);
  });

  it("lets only the operator owner change fees", async () => {
    await cohort.expectRevert(bob, "declareOperatorFee", [id, 1_100n], "NotOperatorOwner", [id]);
    await cohort.expectRevert(bob, "executeOperatorFee", [id], "NotOperatorOwner", [id]);
    await cohort.expectRevert(bob, "cancelDeclaredOperatorFee", [id], "NotOperatorOwner", [id]);
    await cohort.expectRevert(bob, "reduceOperatorFee", [id, 1n], "NotOperatorOwner", [id]);
    await cohort.expectRevert(alice, "reduceOperatorFee", [99n, 1n], "OperatorNotFound", [99n]);
  });

  it("charges the old fee up to the change and the new fee after it", async () => {
    const ids = await registerOperators(cohort, bob, 3, 0n);
    const committee = [id, ...ids];
    await registerValidatorOn(committee);
    const start = await cohort.blockNumber();
    await cohort.mine(10);
    await cohort.send(alice, "reduceOperatorFee", [id, 400n]); // block start+11
    await cohort.mine(5);
    const earnings = (await cohort.read("getOperator", [id])).earnings;
    expect(earnings).toBe(11n * 1_000n + 5n * 400n);
    expect(await cohort.blockNumber()).toBe(start + 16n);
  });
});

describe("operator settings", () => {
  it("governance verifies and unverifies; nobody else can", async () => {
    await registerOperators(cohort, alice, 1);
    await cohort.send(cohort.governance, "setOperatorVerified", [1n, true]);
    expect((await cohort.read("getOperator", [1n])).verified).toBe(true);
    await cohort.send(cohort.governance, "setOperatorVerified", [1n, false]);
    expect((await cohort.read("getOperator", [1n])).verified).toBe(false);
    await cohort.expectRevert(alice, "setOperatorVerified", [1n, true], "OwnableUnauthorizedAccount", [alice.address]);
    await cohort.expectRevert(cohort.governance, "setOperatorVerified", [7n, true], "OperatorNotFound", [7n]);
  });

  it("a private operator only takes validators from its allow-list", async () => {
    const ids = await registerOperators(cohort, alice, 4);
    await cohort.send(alice, "setOperatorPrivacy", [ids[2], true]);
    expect((await cohort.read("getOperator", [ids[2]])).privateMode).toBe(true);
    const publicKey = randomPublicKey();
    await cohort.expectRevert(
      staker,
      "registerValidator",
      [publicKey, ids, fakePayload(publicKey, 4), 0n, 1_000_000n],
      "OwnerNotAllowed",
      [ids[2]],
    );
    const receipt = await cohort.send(alice, "setOperatorAllowList", [ids[2], [staker.address, bob.address], true]);
    const [event] = parseEventLogs({
      abi: cohortRegistryAbi,
      logs: receipt.logs,
      eventName: "OperatorAllowListUpdated",
    });
    expect(event?.args.owners).toEqual([staker.address, bob.address]);
    expect(await cohort.read("isAllowed", [ids[2], staker.address])).toBe(true);
    await registerValidatorOn(ids);
    await cohort.send(alice, "setOperatorAllowList", [ids[2], [staker.address], false]);
    expect(await cohort.read("isAllowed", [ids[2], staker.address])).toBe(false);
    await cohort.send(alice, "setOperatorPrivacy", [ids[2], false]);
    await registerValidatorOn(ids);
  });

  it("only the owner changes privacy and the allow-list", async () => {
    await registerOperators(cohort, alice, 1);
    await cohort.expectRevert(bob, "setOperatorPrivacy", [1n, true], "NotOperatorOwner", [1n]);
    await cohort.expectRevert(bob, "setOperatorAllowList", [1n, [bob.address], true], "NotOperatorOwner", [1n]);
  });
});

describe("operator earnings and leaving", () => {
  it("withdraws earnings to the owner only, up to what was earned", async () => {
    const ids = await registerOperators(cohort, alice, 4, 100n);
    await registerValidatorOn(ids);
    const registeredAt = await cohort.blockNumber();
    await cohort.mine(9);
    const before = await cohort.balanceOf(alice.address);
    await cohort.expectRevert(bob, "withdrawOperatorEarnings", [ids[0], 1n], "NotOperatorOwner", [ids[0]]);
    await cohort.expectRevert(alice, "withdrawOperatorEarnings", [ids[0], 0n], "ZeroAmount");
    // The withdrawal's own block counts: 10 blocks × fee 100 × 1 validator.
    await cohort.expectRevert(alice, "withdrawOperatorEarnings", [ids[0], 1_001n], "InsufficientEarnings", [1_000n]);
    const receipt = await cohort.send(alice, "withdrawOperatorEarnings", [ids[0], 1_000n]);
    expect(receipt.blockNumber).toBe(registeredAt + 10n);
    expect(await cohort.balanceOf(alice.address)).toBe(before + 1_000n);
    expect((await cohort.read("getOperator", [ids[0]])).earnings).toBe(0n);
  });

  it("leaves only without validators, paying out earnings; the id is not reused", async () => {
    const ids = await registerOperators(cohort, alice, 4, 100n);
    const publicKey = await registerValidatorOn(ids);
    await cohort.expectRevert(alice, "removeOperator", [ids[0]], "OperatorHasValidators", [1n]);
    await cohort.expectRevert(bob, "removeOperator", [ids[0]], "NotOperatorOwner", [ids[0]]);
    await cohort.send(staker, "removeValidator", [publicKey, ids]);
    const earned = (await cohort.read("getOperator", [ids[0]])).earnings;
    expect(earned).toBeGreaterThan(0n);
    const before = await cohort.balanceOf(alice.address);
    const receipt = await cohort.send(alice, "removeOperator", [ids[0]]);
    const names = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs }).map((e) => e.eventName);
    expect(names).toEqual(["OperatorRemoved", "OperatorEarningsWithdrawn"]);
    expect(await cohort.balanceOf(alice.address)).toBe(before + earned);
    const op = await cohort.read("getOperator", [ids[0]]);
    expect(op.active).toBe(false);
    expect(op.earnings).toBe(0n);
    await cohort.expectRevert(alice, "removeOperator", [ids[0]], "OperatorNotFound", [ids[0]]);
    await cohort.expectRevert(alice, "withdrawOperatorEarnings", [ids[0], 1n], "OperatorNotFound", [ids[0]]);
    const [next] = await registerOperators(cohort, alice, 1);
    expect(next).toBe(5n);
    // A removed operator cannot be chosen for a committee.
    const publicKey2 = randomPublicKey();
    await cohort.expectRevert(
      staker,
      "registerValidator",
      [publicKey2, ids, fakePayload(publicKey2, 4), 1n, 1_000_000n],
      "OperatorNotFound",
      [ids[0]],
    );
  });

  it("enforces the governance cap on validators per operator", async () => {
    await changeConfig(cohort, { ...testConfig, maxValidatorsPerOperator: 2n });
    const ids = await registerOperators(cohort, alice, 4);
    await registerValidatorOn(ids);
    await registerValidatorOn(ids);
    const publicKey = randomPublicKey();
    await cohort.expectRevert(
      staker,
      "registerValidator",
      [publicKey, ids, fakePayload(publicKey, 4), 2n, 1_000_000n],
      "OperatorValidatorLimitReached",
      [ids[0], 2n],
    );
  });
});
