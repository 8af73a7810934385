import { ownershipMessage } from "@cohort/sdk";
import { bytesToHex, type Hex, keccak256, parseEventLogs } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cohortRegistryAbi } from "../../sdk/src/abi/index.js";
import { type Actor, type Cohort, changeConfig, registerOperators, setupCohort, testConfig } from "./harness.js";
import { fakePayload, patchByte, payloadLength, randomPublicKey, signedPayload } from "./payload.js";

let cohort: Cohort;
let operatorOwner: Actor;
let staker: Actor;
let other: Actor;
let ids: bigint[];
let moreIds: bigint[];
let snapshot: Hex;
const FEE = 100n;
const DEPOSIT = 1_000_000n;

beforeAll(async () => {
  cohort = await setupCohort();
  [, operatorOwner, staker, other] = cohort.accounts as [Actor, Actor, Actor, Actor];
  await cohort.fund([staker, other], 10n ** 24n);
  // 13 operators so every committee size can be formed.
  const all = await registerOperators(cohort, operatorOwner, 13, FEE);
  ids = all.slice(0, 4);
  moreIds = all;
});
beforeEach(async () => {
  snapshot = await cohort.snapshot();
});
afterEach(async () => {
  await cohort.revert(snapshot);
});

const nonceOf = (owner: Actor) => cohort.read<bigint>("nonces", [owner.address]);

async function register(committee = ids, owner = staker, amount = DEPOSIT) {
  const publicKey = randomPublicKey();
  const nonce = await nonceOf(owner);
  const payload = signedPayload(publicKey, committee.length, owner, nonce);
  const receipt = await cohort.send(owner, "registerValidator", [publicKey, committee, payload, nonce, amount]);
  return { publicKey, payload, receipt };
}

describe("registerValidator", () => {
  it("registers, emits the payload, counts the nonce and pulls the deposit", async () => {
    const before = await cohort.balanceOf(staker.address);
    const { publicKey, payload, receipt } = await register();
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "ValidatorAdded" });
    expect(event?.args).toEqual({ owner: staker.address, operatorIds: ids, publicKey, payload, nonce: 0n });
    expect(await nonceOf(staker)).toBe(1n);
    expect(await cohort.balanceOf(staker.address)).toBe(before - DEPOSIT);
    expect(await cohort.balanceOf(cohort.deployment.registry)).toBe(DEPOSIT);
    const id = await cohort.read("committeeId", [staker.address, ids]);
    expect(await cohort.read("getValidator", [publicKey])).toEqual({ owner: staker.address, committeeId: id });
    expect(await cohort.read("getCommittee", [staker.address, ids])).toMatchObject({
      validatorCount: 1,
      active: true,
      balance: DEPOSIT,
    });
    for (const operatorId of ids) expect((await cohort.read("getOperator", [operatorId])).validatorCount).toBe(1);
    expect(await cohort.read("activeValidatorCount")).toBe(1n);
    console.info(`gas: registerValidator (n=4, first in committee) = ${receipt.gasUsed}`);
    const second = await register();
    console.info(`gas: registerValidator (n=4, second in committee) = ${second.receipt.gasUsed}`);
    // From the third on, no storage slot goes from zero to non-zero except the validator's own record.
    const third = await register();
    console.info(`gas: registerValidator (n=4, steady state) = ${third.receipt.gasUsed}`);
  });

  it("accepts committees of 7, 10 and 13 with their payload sizes", async () => {
    for (const n of [7, 10, 13]) {
      const { payload } = await register(moreIds.slice(0, n));
      expect((payload.length - 2) / 2).toBe(payloadLength(n));
    }
    expect(payloadLength(4)).toBe(758);
  });

  it("rejects committee sizes other than 4, 7, 10, 13", async () => {
    for (const n of [1, 3, 5, 6, 14]) {
      const committee = moreIds.slice(0, n).concat(n === 14 ? [99n] : []);
      const publicKey = randomPublicKey();
      await cohort.expectRevert(
        staker,
        "registerValidator",
        [publicKey, committee, fakePayload(publicKey, 4), 0n, DEPOSIT],
        "InvalidCommitteeSize",
        [BigInt(committee.length)],
      );
    }
  });

  it("rejects unsorted or duplicate operator ids and unknown operators", async () => {
    const publicKey = randomPublicKey();
    const payload = fakePayload(publicKey, 4);
    const args = (committee: bigint[]) => [publicKey, committee, payload, 0n, DEPOSIT];
    await cohort.expectRevert(staker, "registerValidator", args([1n, 3n, 2n, 4n]), "CommitteeNotSorted");
    await cohort.expectRevert(staker, "registerValidator", args([1n, 2n, 2n, 4n]), "CommitteeNotSorted");
    await cohort.expectRevert(staker, "registerValidator", args([1n, 2n, 3n, 40n]), "OperatorNotFound", [40n]);
    await cohort.expectRevert(staker, "registerValidator", args([0n, 2n, 3n, 4n]), "OperatorNotFound", [0n]);
  });

  it("checks the payload shape", async () => {
    const publicKey = randomPublicKey();
    const good = signedPayload(publicKey, 4, staker, 0n);
    const attempt = (payload: Hex, error: string, args?: unknown[], key: Hex = publicKey) =>
      cohort.expectRevert(staker, "registerValidator", [key, ids, payload, 0n, DEPOSIT], error, args);
    await attempt(`${good}00`, "PayloadLengthMismatch", [758n, 759n]);
    await attempt(good.slice(0, -2) as Hex, "PayloadLengthMismatch", [758n, 757n]);
    await attempt(fakePayload(publicKey, 7), "PayloadLengthMismatch", [758n, BigInt(payloadLength(7))]);
    await attempt(patchByte(good, 0, 0x44), "PayloadMagicInvalid");
    await attempt(patchByte(good, 2, 0x00), "PayloadMagicInvalid");
    await attempt(patchByte(good, 3, 2), "PayloadVersionUnsupported", [2]);
    await attempt(patchByte(good, 4, 7), "PayloadCommitteeSizeMismatch", [4n, 7n]);
    await attempt(patchByte(good, 5, 4), "PayloadThresholdMismatch", [3n, 4n]);
    await attempt(patchByte(good, 102, 0), "PayloadPublicKeyMismatch");
    await attempt(patchByte(good, 149, 0), "PayloadPublicKeyMismatch");
    await attempt(good, "PayloadPublicKeyMismatch", undefined, randomPublicKey());
    await attempt(good, "InvalidPublicKeyLength", [47n], publicKey.slice(0, -2) as Hex);
    // Bytes outside the checked fields are the nodes' business: changing one still registers.
    await cohort.send(staker, "registerValidator", [publicKey, ids, patchByte(good, 757, 0), 0n, DEPOSIT]);
  });

  it("requires the owner's current nonce", async () => {
    const publicKey = randomPublicKey();
    const payload = fakePayload(publicKey, 4);
    await cohort.expectRevert(staker, "registerValidator", [publicKey, ids, payload, 1n, DEPOSIT], "InvalidNonce", [
      0n,
      1n,
    ]);
    await register();
    await cohort.expectRevert(staker, "registerValidator", [publicKey, ids, payload, 0n, DEPOSIT], "InvalidNonce", [
      1n,
      0n,
    ]);
    // Nonces are per owner.
    expect(await nonceOf(other)).toBe(0n);
  });

  it("registers a public key only once while it is registered", async () => {
    const { publicKey, payload } = await register();
    await cohort.expectRevert(
      other,
      "registerValidator",
      [publicKey, ids, payload, 0n, DEPOSIT],
      "ValidatorAlreadyRegistered",
    );
    await cohort.send(staker, "removeValidator", [publicKey, ids]);
    // The key is free again, but only a payload its holder signed for the new owner registers it.
    await cohort.expectRevert(
      other,
      "registerValidator",
      [publicKey, ids, payload, 0n, DEPOSIT],
      "InvalidOwnershipProof",
    );
    await cohort.send(other, "registerValidator", [
      publicKey,
      ids,
      signedPayload(publicKey, 4, other, 0n),
      0n,
      DEPOSIT,
    ]);
  });

  it("requires collateral for the runway and the minimum", async () => {
    await changeConfig(cohort, { ...testConfig, liquidationRunway: 50n });
    expect((4n * FEE + testConfig.networkFee) * 50n).toBeLessThan(testConfig.minCollateral);
    const publicKey = randomPublicKey();
    const args = (amount: bigint) => [publicKey, ids, signedPayload(publicKey, 4, staker, 0n), 0n, amount];
    await cohort.expectRevert(
      staker,
      "registerValidator",
      args(testConfig.minCollateral - 1n),
      "InsufficientCollateral",
      [testConfig.minCollateral, testConfig.minCollateral - 1n],
    );
    await changeConfig(cohort, { ...testConfig, liquidationRunway: 10_000n });
    const runwayCost = (4n * FEE + testConfig.networkFee) * 10_000n;
    expect(await cohort.read("requiredCollateral", [ids, 1n])).toBe(runwayCost);
    await cohort.expectRevert(staker, "registerValidator", args(runwayCost - 1n), "InsufficientCollateral", [
      runwayCost,
      runwayCost - 1n,
    ]);
    await cohort.send(staker, "registerValidator", args(runwayCost));
  });

  it("fails cleanly without token allowance", async () => {
    const publicKey = randomPublicKey();
    const [, , , , poor] = cohort.accounts as Actor[];
    await cohort.expectRevert(
      poor!,
      "registerValidator",
      [publicKey, ids, signedPayload(publicKey, 4, poor!, 0n), 0n, DEPOSIT],
      "ERC20InsufficientAllowance",
    );
  });
});

describe("ownership proof checked on-chain (issue 11 item 6)", () => {
  it("attack: a copied public key with a garbage payload is refused, and its owner can still register it", async () => {
    const publicKey = randomPublicKey();
    // The squatter has only the public key (it is on the beacon chain): the payload's shape is right, its signature not.
    await cohort.expectRevert(
      other,
      "registerValidator",
      [publicKey, ids, fakePayload(publicKey, 4), 0n, DEPOSIT],
      "InvalidOwnershipProof",
    );
    // Copying the owner's real payload from the mempool does not help: it is signed for the owner and her nonce.
    const owners = signedPayload(publicKey, 4, staker, 0n);
    await cohort.expectRevert(
      other,
      "registerValidator",
      [publicKey, ids, owners, 0n, DEPOSIT],
      "InvalidOwnershipProof",
    );
    await cohort.send(staker, "registerValidator", [publicKey, ids, owners, 0n, DEPOSIT]);
    expect((await cohort.read("getValidator", [publicKey])).owner).toBe(staker.address);
  });

  it("refuses a signature for another nonce, a tampered one, and a proof of another key", async () => {
    const publicKey = randomPublicKey();
    const attempt = (payload: Hex) =>
      cohort.expectRevert(staker, "registerValidator", [publicKey, ids, payload, 0n, DEPOSIT], "InvalidOwnershipProof");
    await attempt(signedPayload(publicKey, 4, staker, 1n));
    const good = signedPayload(publicKey, 4, staker, 0n);
    // Last byte of the signature's x coordinate; the first byte, with the encoding flags.
    await attempt(patchByte(good, 101, (Number.parseInt(good.slice(2 + 202, 2 + 204), 16) + 1) % 256));
    await attempt(patchByte(good, 6, 0x00));
    const otherKey = randomPublicKey();
    const otherProof = signedPayload(otherKey, 4, staker, 0n).slice(2 + 12, 2 + 204);
    await attempt(`${good.slice(0, 2 + 12)}${otherProof}${good.slice(2 + 204)}` as Hex);
    await cohort.send(staker, "registerValidator", [publicKey, ids, good, 0n, DEPOSIT]);
  });

  it("the contract's ownership message is the sdk's", async () => {
    const onChain = await cohort.read<Hex>("ownershipMessage", [staker.address, 5n]);
    const sdk = ownershipMessage({
      chainId: BigInt(cohort.deployment.chainId),
      registry: cohort.deployment.registry,
      owner: staker.address,
      nonce: 5n,
    });
    expect(onChain).toBe(bytesToHex(sdk));
  });
});

describe("bulkRegisterValidators", () => {
  it("registers many with consecutive nonces into one committee", async () => {
    const publicKeys = Array.from({ length: 10 }, randomPublicKey);
    const payloads = publicKeys.map((pk, i) => signedPayload(pk, 4, staker, BigInt(i)));
    const receipt = await cohort.send(staker, "bulkRegisterValidators", [publicKeys, ids, payloads, 0n, 10n * DEPOSIT]);
    const events = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "ValidatorAdded" });
    expect(events.map((e) => e.args.nonce)).toEqual(publicKeys.map((_, i) => BigInt(i)));
    expect(events.map((e) => e.args.publicKey)).toEqual(publicKeys);
    expect(events.map((e) => e.args.payload)).toEqual(payloads);
    expect(await nonceOf(staker)).toBe(10n);
    expect((await cohort.read("getCommittee", [staker.address, ids])).validatorCount).toBe(10);
    expect((await cohort.read("getOperator", [ids[0]])).validatorCount).toBe(10);
    console.info(
      `gas: bulkRegisterValidators (10 × n=4) = ${receipt.gasUsed} (${receipt.gasUsed / 10n} per validator)`,
    );
  });

  it("rejects empty and mismatched batches, duplicates inside a batch and a bad payload anywhere", async () => {
    const pks = [randomPublicKey(), randomPublicKey()];
    const payloads = pks.map((pk, i) => signedPayload(pk, 4, staker, BigInt(i)));
    await cohort.expectRevert(staker, "bulkRegisterValidators", [[], ids, [], 0n, DEPOSIT], "EmptyBatch");
    await cohort.expectRevert(
      staker,
      "bulkRegisterValidators",
      [pks, ids, payloads.slice(1), 0n, DEPOSIT],
      "BatchLengthMismatch",
    );
    await cohort.expectRevert(
      staker,
      "bulkRegisterValidators",
      [[pks[0], pks[0]], ids, [payloads[0], payloads[0]], 0n, DEPOSIT],
      "ValidatorAlreadyRegistered",
    );
    await cohort.expectRevert(
      staker,
      "bulkRegisterValidators",
      [pks, ids, [payloads[0], patchByte(payloads[1]!, 3, 9)], 0n, DEPOSIT],
      "PayloadVersionUnsupported",
      [9],
    );
    await cohort.expectRevert(staker, "bulkRegisterValidators", [pks, ids, payloads, 3n, DEPOSIT], "InvalidNonce", [
      0n,
      3n,
    ]);
  });

  it("checks operator capacity for the whole batch", async () => {
    await changeConfig(cohort, { ...testConfig, maxValidatorsPerOperator: 2n });
    const pks = [randomPublicKey(), randomPublicKey(), randomPublicKey()];
    await cohort.expectRevert(
      staker,
      "bulkRegisterValidators",
      [pks, ids, pks.map((pk) => fakePayload(pk, 4)), 0n, DEPOSIT],
      "OperatorValidatorLimitReached",
      [ids[0], 2n],
    );
  });
});

describe("removeValidator and exitValidator", () => {
  it("removes: stops charging for it and frees the key", async () => {
    const { publicKey } = await register();
    await register();
    await cohort.expectRevert(other, "removeValidator", [publicKey, ids], "NotValidatorOwner");
    await cohort.expectRevert(staker, "removeValidator", [randomPublicKey(), ids], "ValidatorNotFound");
    await cohort.expectRevert(staker, "removeValidator", [publicKey, moreIds.slice(4, 8)], "ValidatorNotInCommittee");
    const receipt = await cohort.send(staker, "removeValidator", [publicKey, ids]);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "ValidatorRemoved" });
    expect(event?.args).toEqual({ owner: staker.address, operatorIds: ids, publicKey });
    expect((await cohort.read("getCommittee", [staker.address, ids])).validatorCount).toBe(1);
    expect((await cohort.read("getOperator", [ids[0]])).validatorCount).toBe(1);
    expect(await cohort.read("activeValidatorCount")).toBe(1n);
    expect((await cohort.read("getValidator", [publicKey])).owner).toBe("0x0000000000000000000000000000000000000000");
  });

  it("exit is an event for the committee; nothing else changes", async () => {
    const { publicKey } = await register();
    await cohort.expectRevert(other, "exitValidator", [publicKey, ids], "NotValidatorOwner");
    await cohort.expectRevert(staker, "exitValidator", [randomPublicKey(), ids], "ValidatorNotFound");
    const receipt = await cohort.send(staker, "exitValidator", [publicKey, ids]);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "ValidatorExitRequested" });
    expect(event?.args).toEqual({ owner: staker.address, operatorIds: ids, publicKey });
    expect((await cohort.read("getValidator", [publicKey])).owner).toBe(staker.address);
  });
});

describe("fee recipient", () => {
  const payee = "0x00000000000000000000000000000000000000fe";
  const updates = (receipt: { logs: Parameters<typeof parseEventLogs>[0]["logs"] }) =>
    parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "FeeRecipientUpdated" }).map((e) => e.args);

  it("is the owner by default; only the owner changes it, zero resets it, and the event carries the effective one", async () => {
    const { publicKey, receipt } = await register();
    expect(updates(receipt)).toEqual([]);
    expect(await cohort.read("feeRecipientOf", [publicKey])).toBe(staker.address);

    await cohort.expectRevert(other, "setFeeRecipient", [publicKey, other.address], "NotValidatorOwner");
    const set = await cohort.send(staker, "setFeeRecipient", [publicKey, payee]);
    expect(updates(set)).toEqual([{ publicKey, feeRecipient: payee }]);
    expect(await cohort.read("feeRecipientOf", [publicKey])).toBe(payee);

    const reset = await cohort.send(staker, "setFeeRecipient", [
      publicKey,
      "0x0000000000000000000000000000000000000000",
    ]);
    expect(updates(reset)).toEqual([{ publicKey, feeRecipient: staker.address }]);
    expect(await cohort.read("feeRecipientOf", [publicKey])).toBe(staker.address);
  });

  it("refuses unknown keys, survives a move, and does not pass to the key's next owner after removal", async () => {
    const unknown = randomPublicKey();
    await cohort.expectRevert(staker, "setFeeRecipient", [unknown, payee], "ValidatorNotFound");
    await cohort.expectRevert(staker, "feeRecipientOf", [unknown], "ValidatorNotFound");

    const { publicKey } = await register();
    await cohort.send(staker, "setFeeRecipient", [publicKey, payee]);
    const newIds = [ids[0]!, ids[1]!, ids[2]!, moreIds[4]!];
    const nonce = await nonceOf(staker);
    await cohort.send(staker, "moveValidator", [
      publicKey,
      ids,
      newIds,
      signedPayload(publicKey, 4, staker, nonce),
      nonce,
      DEPOSIT,
    ]);
    expect(await cohort.read("feeRecipientOf", [publicKey])).toBe(payee);

    await cohort.send(staker, "removeValidator", [publicKey, newIds]);
    await cohort.expectRevert(staker, "feeRecipientOf", [publicKey], "ValidatorNotFound");
    // The same key registered again (by another owner) pays that owner, not the old owner's choice.
    const otherNonce = await nonceOf(other);
    await cohort.send(other, "registerValidator", [
      publicKey,
      ids,
      signedPayload(publicKey, 4, other, otherNonce),
      otherNonce,
      DEPOSIT,
    ]);
    expect(await cohort.read("feeRecipientOf", [publicKey])).toBe(other.address);
  });
});

describe("moveValidator (key-share restoration)", () => {
  it("moves to a new committee with a fresh payload and nonce", async () => {
    const { publicKey } = await register();
    const target = [ids[0]!, ids[1]!, moreIds[5]!, moreIds[6]!];
    const payload = signedPayload(publicKey, 4, staker, 1n);
    const receipt = await cohort.send(staker, "moveValidator", [publicKey, ids, target, payload, 1n, DEPOSIT]);
    const [event] = parseEventLogs({
      abi: cohortRegistryAbi,
      logs: receipt.logs,
      eventName: "ValidatorCommitteeChanged",
    });
    expect(event?.args).toEqual({
      owner: staker.address,
      publicKey,
      oldOperatorIds: ids,
      operatorIds: target,
      payload,
      nonce: 1n,
    });
    expect(await nonceOf(staker)).toBe(2n);
    expect((await cohort.read("getValidator", [publicKey])).committeeId).toBe(
      await cohort.read("committeeId", [staker.address, target]),
    );
    expect((await cohort.read("getOperator", [ids[0]])).validatorCount).toBe(1);
    expect((await cohort.read("getOperator", [ids[2]])).validatorCount).toBe(0);
    expect((await cohort.read("getOperator", [moreIds[5]])).validatorCount).toBe(1);
    expect(await cohort.read("activeValidatorCount")).toBe(1n);
    // The old committee keeps its balance for its owner to withdraw.
    expect((await cohort.read("getCommittee", [staker.address, ids])).validatorCount).toBe(0);
  });

  it("rejects the same committee, a stale nonce, a bad payload and strangers", async () => {
    const { publicKey } = await register();
    const target = moreIds.slice(4, 8);
    const payload = signedPayload(publicKey, 4, staker, 1n);
    await cohort.expectRevert(staker, "moveValidator", [publicKey, ids, ids, payload, 1n, 0n], "SameCommittee");
    await cohort.expectRevert(staker, "moveValidator", [publicKey, ids, target, payload, 0n, DEPOSIT], "InvalidNonce", [
      1n,
      0n,
    ]);
    await cohort.expectRevert(
      staker,
      "moveValidator",
      [publicKey, ids, target, fakePayload(randomPublicKey(), 4), 1n, DEPOSIT],
      "PayloadPublicKeyMismatch",
    );
    await cohort.expectRevert(
      other,
      "moveValidator",
      [publicKey, ids, target, payload, 0n, DEPOSIT],
      "NotValidatorOwner",
    );
    await cohort.expectRevert(
      staker,
      "moveValidator",
      [publicKey, ids, target, payload, 1n, 0n],
      "InsufficientCollateral",
    );
  });
});

describe("moveValidator from a liquidated committee", () => {
  it("is allowed, so a validator can be rescued onto a funded committee", async () => {
    const { publicKey } = await register();
    const perBlock = 4n * FEE + testConfig.networkFee;
    await cohort.mine(Number(DEPOSIT / perBlock));
    await cohort.send(other, "liquidate", [staker.address, ids]);
    const target = moreIds.slice(4, 8);
    await cohort.send(staker, "moveValidator", [
      publicKey,
      ids,
      target,
      signedPayload(publicKey, 4, staker, 1n),
      1n,
      DEPOSIT,
    ]);
    expect((await cohort.read("getCommittee", [staker.address, ids])).validatorCount).toBe(0);
    expect((await cohort.read("getOperator", [target[0]])).validatorCount).toBe(1);
    expect(await cohort.read("activeValidatorCount")).toBe(1n);
  });

  it("cannot move into a liquidated committee", async () => {
    const target = moreIds.slice(4, 8);
    await register(target);
    const perBlock = 4n * FEE + testConfig.networkFee;
    await cohort.mine(Number(DEPOSIT / perBlock));
    await cohort.send(other, "liquidate", [staker.address, target]);
    const { publicKey } = await register();
    await cohort.expectRevert(
      staker,
      "moveValidator",
      [publicKey, ids, target, fakePayload(publicKey, 4), 2n, DEPOSIT],
      "CommitteeIsLiquidated",
    );
  });
});

describe("committee funds", () => {
  it("anyone deposits; the deposit is credited to the named owner's committee", async () => {
    await register();
    const receipt = await cohort.send(other, "deposit", [staker.address, ids, 5_000n]);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "CommitteeDeposited" });
    expect(event?.args).toEqual({ owner: staker.address, operatorIds: ids, from: other.address, amount: 5_000n });
    const perBlock = 4n * FEE + testConfig.networkFee;
    expect(await cohort.read("committeeBalance", [staker.address, ids])).toBe(DEPOSIT + 5_000n - perBlock);
    await cohort.expectRevert(other, "deposit", [staker.address, ids, 0n], "ZeroAmount");
    await cohort.expectRevert(other, "deposit", [other.address, ids, 1n], "CommitteeNotFound");
  });

  it("the owner withdraws down to the collateral floor, nobody else can", async () => {
    await register();
    const perBlock = 4n * FEE + testConfig.networkFee;
    // Balance in the next block, where the withdrawal lands: deposit minus one block of fees.
    const available = DEPOSIT - perBlock;
    const required = await cohort.read<bigint>("requiredCollateral", [ids, 1n]);
    const headroom = available - required;
    await cohort.expectRevert(staker, "withdraw", [ids, 0n], "ZeroAmount");
    await cohort.expectRevert(staker, "withdraw", [ids, available + 1n], "InsufficientBalance", [available]);
    await cohort.expectRevert(staker, "withdraw", [ids, headroom + 1n], "InsufficientCollateral", [
      required,
      required - 1n,
    ]);
    await cohort.expectRevert(staker, "withdraw", [ids, 2n ** 255n], "SafeCastOverflowedUintToInt", [2n ** 255n]);
    // `other` has no committee on these operators: its own committee id is empty.
    await cohort.expectRevert(other, "withdraw", [ids, 1n], "CommitteeNotFound");
    const before = await cohort.balanceOf(staker.address);
    await cohort.send(staker, "withdraw", [ids, headroom]);
    expect(await cohort.balanceOf(staker.address)).toBe(before + headroom);
  });

  it("a committee without validators can withdraw everything", async () => {
    const { publicKey } = await register();
    await cohort.send(staker, "removeValidator", [publicKey, ids]);
    const balance = await cohort.read<bigint>("committeeBalance", [staker.address, ids]);
    await cohort.send(staker, "withdraw", [ids, balance]);
    expect(await cohort.read("committeeBalance", [staker.address, ids])).toBe(0n);
  });
});

describe("fee views for the dapp (issue 16)", () => {
  const perBlock = 4n * FEE + testConfig.networkFee;
  const MAX = 2n ** 256n - 1n;
  const view = (fn: "committeeBurnRate" | "liquidationBlock" | "isLiquidatable", at?: bigint) =>
    cohort.read(fn, [staker.address, ids], at);

  it("the liquidation block is the first block at which liquidate succeeds", async () => {
    expect(await view("liquidationBlock")).toBe(MAX);
    await register();
    await register();
    expect(await view("committeeBurnRate")).toBe(2n * perBlock);
    const at = await view("liquidationBlock");
    const now = await cohort.blockNumber();
    expect(at).toBeGreaterThan(now + 1n);
    // The last safe block: liquidate, evaluated in the next block (= at), must then succeed, and not one block earlier.
    await cohort.mine(Number(at - now - 2n));
    // Simulated in the pending block, at − 1.
    await cohort.expectRevert(other, "liquidate", [staker.address, ids], "CommitteeNotLiquidatable");
    await cohort.mine(1);
    expect(await view("isLiquidatable")).toBe(false);
    expect(await view("liquidationBlock")).toBe(at);
    const receipt = await cohort.send(other, "liquidate", [staker.address, ids]);
    expect(receipt.blockNumber).toBe(at);
    expect(await view("committeeBurnRate")).toBe(0n);
    expect(await view("liquidationBlock")).toBe(MAX);
  });

  it("a top-up for N blocks keeps the committee safe for exactly N blocks after the deposit's block", async () => {
    await register();
    await cohort.mine(50);
    const N = 1_000n;
    const read = await cohort.blockNumber();
    // The deposit lands one block after the read, which burns one block more.
    const need = await cohort.read<bigint>("topUpNeeded", [staker.address, ids, 0n, N + 1n], read);
    const receipt = await cohort.send(other, "deposit", [staker.address, ids, need]);
    expect(receipt.blockNumber).toBe(read + 1n);
    expect(await view("liquidationBlock")).toBe(receipt.blockNumber + N + 1n);
    expect(await cohort.read("topUpNeeded", [staker.address, ids, 0n, N])).toBe(0n);
  });

  it("a top-up for more validators is the collateral they need beyond the balance; nothing when it is covered", async () => {
    await register();
    const at = await cohort.blockNumber();
    const balance = await cohort.read<bigint>("committeeBalance", [staker.address, ids], at);
    const required = await cohort.read<bigint>("requiredCollateral", [ids, 10n], at);
    expect(required).toBeGreaterThan(balance);
    expect(await cohort.read("topUpNeeded", [staker.address, ids, 9n, 0n], at)).toBe(required - balance);
    expect(await cohort.read("topUpNeeded", [staker.address, ids, 0n, 0n], at)).toBe(0n);
    // A committee that does not exist yet needs the whole floor.
    const fresh = moreIds.slice(4, 8);
    expect(await cohort.read("topUpNeeded", [staker.address, fresh, 1n, 0n], at)).toBe(
      await cohort.read<bigint>("requiredCollateral", [fresh, 1n], at),
    );
  });
});

describe("liquidation and reactivation", () => {
  const perBlock = 4n * FEE + testConfig.networkFee;

  it("anyone liquidates a committee below the floor and takes its collateral", async () => {
    await register();
    const required = await cohort.read<bigint>("requiredCollateral", [ids, 1n]);
    // Liquidatable once DEPOSIT - k × perBlock < required.
    const blocksToFloor = (DEPOSIT - required) / perBlock + 1n;
    await cohort.expectRevert(other, "liquidate", [staker.address, ids], "CommitteeNotLiquidatable");
    await cohort.mine(Number(blocksToFloor) - 1);
    expect(await cohort.read("isLiquidatable", [staker.address, ids])).toBe(false);
    await cohort.mine(1);
    expect(await cohort.read("isLiquidatable", [staker.address, ids])).toBe(true);
    const before = await cohort.balanceOf(other.address);
    const receipt = await cohort.send(other, "liquidate", [staker.address, ids]);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "CommitteeLiquidated" });
    expect(event?.args.liquidator).toBe(other.address);
    expect(event?.args.badDebt).toBe(0n);
    const collateral = event!.args.collateral;
    expect(collateral).toBeGreaterThan(0n);
    expect(collateral).toBeLessThan(required);
    expect(await cohort.balanceOf(other.address)).toBe(before + collateral);
    expect(await cohort.read("getCommittee", [staker.address, ids])).toMatchObject({
      active: false,
      validatorCount: 1,
      balance: 0n,
    });
    expect((await cohort.read("getOperator", [ids[0]])).validatorCount).toBe(0);
    expect(await cohort.read("activeValidatorCount")).toBe(0n);
    await cohort.expectRevert(other, "liquidate", [staker.address, ids], "CommitteeNotLiquidatable");
    expect(await cohort.read("isLiquidatable", [staker.address, ids])).toBe(false);
    // No charging while liquidated.
    await cohort.mine(50);
    expect(await cohort.read("committeeBalance", [staker.address, ids])).toBe(0n);
  });

  it("books bad debt when a committee is liquidated too late", async () => {
    await register();
    await cohort.mine(Number(DEPOSIT / perBlock) + 10);
    expect(await cohort.read<bigint>("committeeBalance", [staker.address, ids])).toBeLessThan(0n);
    const receipt = await cohort.send(other, "liquidate", [staker.address, ids]);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "CommitteeLiquidated" });
    expect(event?.args.collateral).toBe(0n);
    expect(event?.args.badDebt).toBeGreaterThan(0n);
    expect(await cohort.read("badDebt")).toBe(event?.args.badDebt);
  });

  it("regression: removing the last validator of an indebted committee books its shortfall as bad debt", async () => {
    // The owner lets the committee run dry, then removes its only validator instead of being liquidated: the debt
    // used to stay behind as the negative balance of an empty committee, owed to operators by nobody.
    const { publicKey } = await register();
    await cohort.mine(Number(DEPOSIT / perBlock) + 10);
    const receipt = await cohort.send(staker, "removeValidator", [publicKey, ids]);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "CommitteeBadDebt" });
    expect(event?.args.amount).toBeGreaterThan(0n);
    expect(await cohort.read("badDebt")).toBe(event?.args.amount);
    expect(await cohort.read("committeeBalance", [staker.address, ids])).toBe(0n);
    // The account starts clean: a new validator there needs only the ordinary collateral.
    const required = await cohort.read<bigint>("requiredCollateral", [ids, 1n]);
    expect(await cohort.read("topUpNeeded", [staker.address, ids, 1n, 0n])).toBe(required);
  });

  it("a liquidated committee takes no new validators until reactivated, and can shed them", async () => {
    const { publicKey } = await register();
    await register();
    await cohort.mine(Number((2n * DEPOSIT) / (2n * perBlock)));
    await cohort.send(other, "liquidate", [staker.address, ids]);
    const next = randomPublicKey();
    await cohort.expectRevert(
      staker,
      "registerValidator",
      [next, ids, fakePayload(next, 4), 2n, DEPOSIT],
      "CommitteeIsLiquidated",
    );
    await cohort.expectRevert(other, "reactivate", [ids, DEPOSIT], "CommitteeNotFound");
    const required = await cohort.read<bigint>("requiredCollateral", [ids, 2n]);
    await cohort.expectRevert(staker, "reactivate", [ids, required - 1n], "InsufficientCollateral", [
      required,
      required - 1n,
    ]);
    // Removing from a liquidated committee works and touches no operator counts.
    await cohort.send(staker, "removeValidator", [publicKey, ids]);
    expect((await cohort.read("getCommittee", [staker.address, ids])).validatorCount).toBe(1);
    const receipt = await cohort.send(staker, "reactivate", [ids, DEPOSIT]);
    const [event] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "CommitteeReactivated" });
    expect(event?.args).toEqual({ owner: staker.address, operatorIds: ids, amount: DEPOSIT });
    expect((await cohort.read("getOperator", [ids[0]])).validatorCount).toBe(1);
    expect(await cohort.read("committeeBalance", [staker.address, ids])).toBe(DEPOSIT);
    await cohort.expectRevert(staker, "reactivate", [ids, DEPOSIT], "CommitteeAlreadyActive");
  });

  it("deposits into a liquidated committee count toward reactivation", async () => {
    await register();
    await cohort.mine(Number(DEPOSIT / perBlock));
    await cohort.send(other, "liquidate", [staker.address, ids]);
    await cohort.send(other, "deposit", [staker.address, ids, DEPOSIT]);
    await cohort.send(staker, "reactivate", [ids, 0n]);
    expect(await cohort.read("committeeBalance", [staker.address, ids])).toBe(DEPOSIT);
  });

  it("a private operator's allow-list applies to reactivation", async () => {
    await register();
    await cohort.mine(Number(DEPOSIT / perBlock));
    await cohort.send(other, "liquidate", [staker.address, ids]);
    await cohort.send(operatorOwner, "setOperatorPrivacy", [ids[1], true]);
    await cohort.expectRevert(staker, "reactivate", [ids, DEPOSIT], "OwnerNotAllowed", [ids[1]]);
  });
});

describe("committee ids", () => {
  it("are keccak256(owner ‖ operator ids as 32-byte words)", async () => {
    const expected = keccak256(
      `0x${staker.address.slice(2).toLowerCase()}${ids.map((i) => i.toString(16).padStart(64, "0")).join("")}`,
    );
    expect(await cohort.read("committeeId", [staker.address, ids])).toBe(expected);
  });
});
