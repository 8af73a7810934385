/**
 * CohortMiniPools: creation rules (opt-in), DKG confirmation by the committee's identity addresses, retry, the
 * pre-deposit, verification and funding.
 */
import { bytesToHex, type Hex, parseEventLogs } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cohortMiniPoolsAbi, depositContractAbi } from "../../sdk/src/abi/index.js";
import { ETHER, type PoolOperator, type PoolSystem, randomHex, setupPoolSystem } from "./poolFixture.js";

const BOND = 4n * ETHER;
const State = {
  AwaitingDkg: 0,
  Ready: 1,
  Active: 2,
  Failed: 3,
  Exited: 4,
  Cancelled: 5,
  PendingVerification: 6,
  Exiting: 7,
} as const;
const littleEndianGwei = (gwei: bigint) => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, gwei, true);
  return bytesToHex(bytes);
};

let system: PoolSystem;
let ops: PoolOperator[];
let committee: PoolOperator[];
let ids: bigint[];
let snapshot: Hex;

beforeAll(async () => {
  system = await setupPoolSystem(6, {}, 4);
  ops = system.operators;
  committee = ops.slice(0, 4);
  ids = committee.map((o) => o.id);
});
beforeEach(async () => {
  snapshot = await system.cohort.snapshot();
});
afterEach(async () => {
  await system.cohort.revert(snapshot);
});

const initiator = () => committee[0]!.owner;
const create = () => system.send(initiator(), "miniPools", "createMiniPool", [ids], BOND);
const confirm = (member: PoolOperator, id: bigint, r: { pubkey: Hex; signature: Hex; root: Hex }) =>
  system.send(member.identity, "miniPools", "confirmDkg", [id, r.pubkey, r.signature, r.root]);

describe("createMiniPool", () => {
  it("bonds 4 ETH into the pool and records the committee with their identity addresses", async () => {
    const receipt = await create();
    const [event] = parseEventLogs({ abi: cohortMiniPoolsAbi, logs: receipt.logs, eventName: "MiniPoolCreated" });
    expect(event!.args).toEqual({ id: 0n, initiator: ids[0], operatorIds: ids, owner: initiator().address });
    const m = await system.read("miniPools", "miniPool", [0n]);
    expect(m).toMatchObject({ initiator: ids[0], operatorIds: ids, state: State.AwaitingDkg, attempt: 0, bond: BOND });
    expect(await system.read("pool", "bondsHeld")).toBe(BOND);
    expect(await system.ethBalance(system.addresses.pool)).toBe(BOND);
    // Bonds are not depositors' ETH: neither free nor part of the exchange rate.
    expect(await system.read("pool", "freeEth")).toBe(0n);
    expect(await system.read("pool", "totalAssets")).toBe(0n);
    for (const member of committee) {
      expect(await system.read("miniPools", "operatorOfIdentity", [member.identity.address])).toBe(member.id);
      expect(await system.read("miniPools", "identityAddress", [member.id])).toBe(member.identity.address);
    }
  });

  it("refuses a wrong bond", async () => {
    for (const value of [0n, BOND - 1n, BOND + 1n]) {
      await system.expectRevert(initiator(), "miniPools", "createMiniPool", [ids], "WrongBond", [BOND], value);
    }
  });

  it("refuses a sender that does not own the first operator", async () => {
    const other = ops[1]!.owner;
    expect(other.address).not.toBe(initiator().address);
    await system.expectRevert(other, "miniPools", "createMiniPool", [ids], "NotInitiator", [ids[0]], BOND);
  });

  it("refuses duplicate, unknown and inactive operators", async () => {
    const dup = [ids[0]!, ids[1]!, ids[1]!, ids[3]!];
    await system.expectRevert(initiator(), "miniPools", "createMiniPool", [dup], "DuplicateOperator", [ids[1]], BOND);
    const unknown = [ids[0]!, ids[1]!, ids[2]!, 999n];
    await system.expectRevert(initiator(), "miniPools", "createMiniPool", [unknown], "OperatorNotActive", [999n], BOND);
    const leaver = ops[5]!;
    await system.cohort.send(leaver.owner as never, "removeOperator", [leaver.id]);
    const withLeaver = [ids[0]!, ids[1]!, ids[2]!, leaver.id];
    await system.expectRevert(
      initiator(),
      "miniPools",
      "createMiniPool",
      [withLeaver],
      "OperatorNotActive",
      [leaver.id],
      BOND,
    );
  });

  it("names only operators that opted in; only an operator's owner opts it in or out", async () => {
    const other = ops[4]!;
    await system.expectRevert(
      initiator(),
      "miniPools",
      "setAcceptsMiniPools",
      [other.id, false],
      other.owner.address === initiator().address ? "OperatorNotOptedIn" : "NotOperatorOwner",
      [other.id],
    );
    await system.send(ops[1]!.owner, "miniPools", "setAcceptsMiniPools", [ids[1], false]);
    await system.expectRevert(initiator(), "miniPools", "createMiniPool", [ids], "OperatorNotOptedIn", [ids[1]], BOND);
    await system.send(ops[1]!.owner, "miniPools", "setAcceptsMiniPools", [ids[1], true]);
    await create();
  });

  it("enforces governance's minimum of verified operators", async () => {
    const config = await system.read("pool", "poolConfig");
    await system.send(system.cohort.governance, "pool", "proposePoolConfig", [{ ...config, minVerifiedOperators: 2n }]);
    await system.cohort.testClient.increaseTime({ seconds: 2 * 24 * 3600 });
    await system.cohort.testClient.mine({ blocks: 1 });
    await system.send(system.stakers[0]!, "pool", "executePoolConfig", []);
    await system.expectRevert(
      initiator(),
      "miniPools",
      "createMiniPool",
      [ids],
      "NotEnoughVerifiedOperators",
      [2n, 0n],
      BOND,
    );
    await system.cohort.send(system.cohort.governance, "setOperatorVerified", [ids[1], true]);
    await system.cohort.send(system.cohort.governance, "setOperatorVerified", [ids[2], true]);
    await create();
  });
});

describe("confirmDkg", () => {
  it("pre-deposits 1 ETH of the bond when all four confirm, and is Ready (queued FIFO) only once verified", async () => {
    await create();
    const result = system.dkgResult();
    const depositBefore = await system.ethBalance(system.addresses.deposit);
    for (const [i, member] of committee.entries()) {
      const receipt = await confirm(member, 0n, result);
      const logs = parseEventLogs({ abi: cohortMiniPoolsAbi, logs: receipt.logs });
      expect(logs[0]).toMatchObject({ eventName: "DkgConfirmed", args: { id: 0n, operatorId: member.id } });
      if (i < 3) expect(logs).toHaveLength(1);
      else
        expect(logs[1]).toMatchObject({ eventName: "MiniPoolReady", args: { id: 0n, validatorPubkey: result.pubkey } });
    }
    const m = await system.read("miniPools", "miniPool", [0n]);
    expect(m).toMatchObject({
      state: State.PendingVerification,
      validatorPubkey: result.pubkey,
      depositSignature: result.signature,
      depositDataRoot: result.root,
      confirmations: 0x0f,
    });
    expect(await system.ethBalance(system.addresses.deposit)).toBe(depositBefore + ETHER);
    expect(await system.read("pool", "bondsHeld")).toBe(BOND - ETHER);
    expect(await system.read("miniPools", "PRE_DEPOSIT")).toBe(ETHER);
    expect(await system.read("miniPools", "readyQueue")).toEqual([]);
    // No eligible reporters yet (nothing funded): governance verifies; once reporters exist it may not.
    await system.expectRevert(system.stakers[0]!, "oracle", "verifyByGovernance", [0n], "OnlyGovernance");
    await system.send(system.cohort.governance, "oracle", "verifyByGovernance", [0n]);
    expect(await system.read("miniPools", "miniPool", [0n])).toMatchObject({ state: State.Ready });
    expect(await system.read("miniPools", "readyQueue")).toEqual([0n]);
  });

  it("only the committee's identity addresses can confirm (not owners, not other operators' nodes)", async () => {
    await create();
    const r = system.dkgResult();
    const args = [0n, r.pubkey, r.signature, r.root];
    for (const outsider of [initiator(), ops[4]!.identity, system.stakers[0]!]) {
      await system.expectRevert(outsider, "miniPools", "confirmDkg", args, "NotCommitteeMember", [0n]);
    }
    await confirm(committee[1]!, 0n, r);
    await system.expectRevert(committee[1]!.identity, "miniPools", "confirmDkg", args, "AlreadyConfirmed", [
      0n,
      ids[1],
    ]);
  });

  it("refuses a root that is not the deposit of this pubkey and signature to the pool's credentials", async () => {
    await create();
    const r = system.dkgResult();
    const computed = await system.read("miniPools", "depositDataRoot", [r.pubkey, r.signature]);
    expect(computed).toBe(r.root);
    const member = committee[0]!.identity;
    const wrongRoot = randomHex(32);
    await system.expectRevert(
      member,
      "miniPools",
      "confirmDkg",
      [0n, r.pubkey, r.signature, wrongRoot],
      "InvalidDepositDataRoot",
      [r.root],
    );
    // A result made for other withdrawal credentials (e.g. the member's own address) cannot be confirmed either.
    const elsewhere = (await import("./poolFixture.js")).makeDkgResult(committee[0]!.identity.address);
    await system.expectRevert(
      member,
      "miniPools",
      "confirmDkg",
      [0n, elsewhere.pubkey, elsewhere.signature, elsewhere.root],
      "InvalidDepositDataRoot",
      [await system.read("miniPools", "depositDataRoot", [elsewhere.pubkey, elsewhere.signature])],
    );
    await system.expectRevert(
      member,
      "miniPools",
      "confirmDkg",
      [0n, randomHex(47), r.signature, r.root],
      "InvalidPubkeyLength",
      [47n],
    );
    await system.expectRevert(
      member,
      "miniPools",
      "confirmDkg",
      [0n, r.pubkey, randomHex(95), r.root],
      "InvalidSignatureLength",
      [95n],
    );
  });

  it("a conflicting confirmation fails the attempt; the initiator retries and the committee then succeeds", async () => {
    await create();
    const first = system.dkgResult();
    const other = system.dkgResult();
    await confirm(committee[0]!, 0n, first);
    await confirm(committee[1]!, 0n, first);
    const receipt = await confirm(committee[2]!, 0n, other);
    const [conflict] = parseEventLogs({ abi: cohortMiniPoolsAbi, logs: receipt.logs, eventName: "DkgConflict" });
    expect(conflict!.args).toEqual({ id: 0n, operatorId: ids[2] });
    expect(await system.read("miniPools", "miniPool", [0n])).toMatchObject({ state: State.Failed });
    await system.expectRevert(
      committee[3]!.identity,
      "miniPools",
      "confirmDkg",
      [0n, first.pubkey, first.signature, first.root],
      "WrongState",
      [0n, State.Failed],
    );

    await system.expectRevert(ops[1]!.owner, "miniPools", "retryDkg", [0n], "NotInitiator", [ids[0]]);
    const retry = await system.send(initiator(), "miniPools", "retryDkg", [0n]);
    const [event] = parseEventLogs({ abi: cohortMiniPoolsAbi, logs: retry.logs, eventName: "DkgRetry" });
    expect(event!.args).toEqual({ id: 0n, attempt: 1 });
    expect(await system.read("miniPools", "miniPool", [0n])).toMatchObject({
      state: State.AwaitingDkg,
      attempt: 1,
      confirmations: 0,
      validatorPubkey: "0x",
    });

    for (const member of committee) await confirm(member, 0n, other);
    expect(await system.read("miniPools", "miniPool", [0n])).toMatchObject({
      state: State.PendingVerification,
      validatorPubkey: other.pubkey,
    });
  });

  it("a member reports a DKG failure with culprits; the initiator may cancel and get the bond back", async () => {
    await create();
    const receipt = await system.send(committee[2]!.identity, "miniPools", "reportDkgFailure", [0n, [ids[3]]]);
    const [event] = parseEventLogs({ abi: cohortMiniPoolsAbi, logs: receipt.logs, eventName: "DkgFailed" });
    expect(event!.args).toEqual({ id: 0n, reporter: ids[2], culprits: [ids[3]] });
    await system.expectRevert(ops[4]!.identity, "miniPools", "reportDkgFailure", [0n, []], "WrongState", [
      0n,
      State.Failed,
    ]);

    const before = await system.ethBalance(initiator().address);
    const cancel = await system.send(initiator(), "miniPools", "cancelMiniPool", [0n]);
    const gas = cancel.gasUsed * cancel.effectiveGasPrice;
    expect(await system.ethBalance(initiator().address)).toBe(before + BOND - gas);
    expect(await system.read("pool", "bondsHeld")).toBe(0n);
    expect(await system.read("miniPools", "miniPool", [0n])).toMatchObject({ state: State.Cancelled });
  });

  it("a validator key cannot back two mini-pools", async () => {
    const { result } = await system.readyMiniPool(committee);
    await create();
    await system.expectRevert(
      committee[0]!.identity,
      "miniPools",
      "confirmDkg",
      [1n, result.pubkey, result.signature, result.root],
      "PubkeyAlreadyUsed",
    );
  });
});

describe("funding", () => {
  it("28 ETH deposited in pieces tops the oldest verified mini-pool up to 32 ETH through the deposit contract", async () => {
    const { result } = await system.readyMiniPool(committee);
    await system.expectRevert(system.stakers[0]!, "miniPools", "fundNext", [], "NoMiniPoolReady");
    await system.verify(0n);
    await system.expectRevert(system.stakers[0]!, "miniPools", "fundNext", [], "InsufficientPoolEth", [
      28n * ETHER,
      0n,
    ]);

    // 28 ETH from several stakers in uneven pieces, all ≥ 0.1 ETH.
    const pieces = [ETHER / 10n, 3n * ETHER, (ETHER * 19n) / 10n, 10n * ETHER, 13n * ETHER];
    expect(pieces.reduce((a, b) => a + b)).toBe(28n * ETHER);
    for (const [i, piece] of pieces.entries()) {
      await system.send(system.stakers[i % system.stakers.length]!, "pool", "deposit", [], piece);
    }
    expect(await system.read("pool", "freeEth")).toBe(28n * ETHER);

    const depositBefore = await system.ethBalance(system.addresses.deposit);
    const receipt = await system.send(system.stakers[0]!, "miniPools", "fundNext", []);
    expect(await system.ethBalance(system.addresses.deposit)).toBe(depositBefore + 31n * ETHER);
    const [funded] = parseEventLogs({ abi: cohortMiniPoolsAbi, logs: receipt.logs, eventName: "MiniPoolFunded" });
    expect(funded!.args).toEqual({ id: 0n, validatorPubkey: result.pubkey });
    const [deposit] = parseEventLogs({ abi: depositContractAbi, logs: receipt.logs, eventName: "DepositEvent" });
    const credentials = await system.read("pool", "withdrawalCredentials");
    expect(deposit!.args).toEqual({
      pubkey: result.pubkey,
      withdrawal_credentials: credentials,
      amount: littleEndianGwei(31n * 10n ** 9n),
      signature: result.signature,
      // The pre-deposit was deposit 0.
      index: littleEndianGwei(1n),
    });

    expect(await system.read("miniPools", "miniPool", [0n])).toMatchObject({
      state: State.Active,
      booked: 32n * ETHER,
      initiatorClaim: BOND,
    });
    expect(await system.read("miniPools", "readyQueue")).toEqual([]);
    expect(await system.read("miniPools", "activeMiniPools")).toEqual([0n]);
    expect(await system.read("miniPools", "initiatorBalance", [0n])).toBe(BOND);
    expect(await system.read("pool", "bondsHeld")).toBe(0n);
    expect(await system.read("pool", "freeEth")).toBe(0n);
    expect(await system.read("pool", "beaconAssets")).toBe(28n * ETHER);
    // Staking moved ETH, not value: the rate is unchanged.
    expect(await system.read("pool", "totalAssets")).toBe(28n * ETHER);
    expect(await system.read("pool", "exchangeRate")).toBe(ETHER);
    for (const id of ids) expect(await system.read("miniPools", "activeMiniPoolsOf", [id])).toBe(1n);
    await system.expectRevert(system.stakers[0]!, "miniPools", "fundNext", [], "NoMiniPoolReady");
  });

  it("withdrawals wait while the ETH is staked and are paid first from new deposits", async () => {
    const [alice, bob] = system.stakers;
    await system.send(alice!, "pool", "deposit", [], 28n * ETHER);
    await system.fundedMiniPool(committee);
    await system.send(alice!, "pool", "requestWithdrawal", [ETHER]);
    await system.send(alice!, "pool", "requestWithdrawal", [2n * ETHER]);
    await system.expectRevert(alice!, "pool", "claimWithdrawal", [0n], "WithdrawalNotReady", [0n]);
    expect(await system.read("pool", "nextUnfundedRequest")).toBe(0n);

    // 1.5 ETH arrives: request 0 (1 ETH) is funded, request 1 is half funded and still waits.
    await system.send(bob!, "pool", "deposit", [], (3n * ETHER) / 2n);
    expect(await system.read("pool", "nextUnfundedRequest")).toBe(1n);
    expect(await system.read("pool", "freeEth")).toBe(0n);
    await system.send(alice!, "pool", "claimWithdrawal", [0n]);
    await system.expectRevert(alice!, "pool", "claimWithdrawal", [1n], "WithdrawalNotReady", [1n]);
    // 3.5 ETH in, 3 ETH requested: 0.5 ETH is left free for staking.
    await system.send(bob!, "pool", "deposit", [], 2n * ETHER);
    expect(await system.read("pool", "freeEth")).toBe(ETHER / 2n);
    await system.send(alice!, "pool", "claimWithdrawal", [1n]);
    expect(await system.read("pool", "queuedAssets")).toBe(0n);
  });
});
