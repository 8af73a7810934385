/**
 * Property: across random sequences of registrations, top-ups, withdrawals, fee changes, removals, liquidations and
 * mined blocks,
 *   1. fee-token conservation holds at every block:
 *        registry token balance + badDebt == Σ operator earnings + network earnings + Σ committee balances
 *   2. nobody's tokens move except by their own successful action (deposits out, withdrawals and liquidation rewards in),
 *      and attempts on other people's funds revert.
 */
import fc from "fast-check";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  type Hex,
  parseEventLogs,
  type TransactionReceipt,
} from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { cohortRegistryAbi } from "../../sdk/src/abi/index.js";
import type { CohortConfig } from "../deploy/config.js";
import {
  type Actor,
  type Cohort,
  encryptionKey,
  identityKey,
  identityProof,
  type RegistryFunction,
  setupCohort,
} from "./harness.js";
import { randomPublicKey, signedPayload } from "./payload.js";

const config: CohortConfig = {
  networkFee: 50n,
  maxOperatorFee: 10_000n,
  maxFeeIncreaseBps: 1_000n,
  feeDeclareTimelock: 100n,
  feeExecutionWindow: 100n,
  // Short runway and small deposits so that committees run dry, get liquidated and sometimes leave bad debt.
  liquidationRunway: 20n,
  minCollateral: 10_000n,
  maxValidatorsPerOperator: 100n,
};

/** Committees are formed from 6 operators; three fixed shapes keep overlaps (shared operators) frequent. */
const SHAPES: bigint[][] = [
  [1n, 2n, 3n, 4n],
  [3n, 4n, 5n, 6n],
  [1n, 2n, 5n, 6n],
];

type Step =
  | { kind: "register"; staker: number; shape: number; count: number; amount: number }
  | { kind: "deposit"; from: number; owner: number; shape: number; amount: number }
  | { kind: "withdraw"; staker: number; shape: number; percent: number }
  | { kind: "remove"; staker: number; pick: number }
  | { kind: "liquidate"; caller: number; owner: number; shape: number }
  | { kind: "reactivate"; staker: number; shape: number; amount: number }
  | { kind: "move"; pick: number; shape: number; amount: number }
  | { kind: "raiseFee"; operator: number; bps: number }
  | { kind: "reduceFee"; operator: number; percent: number }
  | { kind: "withdrawOperator"; operator: number; percent: number }
  | { kind: "withdrawNetwork"; percent: number }
  | { kind: "mine"; blocks: number }
  | { kind: "steal"; thief: number; victim: number; shape: number; what: "committee" | "operator" | "validator" };

const staker = fc.integer({ min: 0, max: 2 });
const shape = fc.integer({ min: 0, max: SHAPES.length - 1 });
const operator = fc.integer({ min: 0, max: 5 });
const percent = fc.integer({ min: 1, max: 100 });

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("register"),
      staker,
      shape,
      count: fc.integer({ min: 1, max: 3 }),
      amount: fc.integer({ min: 5_000, max: 40_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("deposit"),
      from: staker,
      owner: staker,
      shape,
      amount: fc.integer({ min: 1, max: 50_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("withdraw"), staker, shape, percent: fc.integer({ min: 1, max: 110 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove"), staker, pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("liquidate"), caller: staker, owner: staker, shape }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("reactivate"), staker, shape, amount: fc.nat() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("move"),
      pick: fc.nat(),
      shape,
      amount: fc.integer({ min: 0, max: 50_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("raiseFee"), operator, bps: fc.integer({ min: 1, max: 1_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reduceFee"), operator, percent }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("withdrawOperator"), operator, percent }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdrawNetwork"), percent }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("mine"), blocks: fc.integer({ min: 1, max: 400 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("steal"),
      thief: staker,
      victim: staker,
      shape,
      what: fc.constantFrom("committee", "operator", "validator"),
    }),
  },
) as fc.Arbitrary<Step>;

let cohort: Cohort;
let governance: Actor;
let operatorOwners: Actor[];
let stakers: Actor[];
let everyone: Actor[];
let base: Hex;

beforeAll(async () => {
  cohort = await setupCohort(config);
  const accounts = cohort.accounts;
  governance = accounts[0]!;
  operatorOwners = [accounts[1]!, accounts[2]!];
  stakers = [accounts[3]!, accounts[4]!, accounts[5]!];
  everyone = [governance, ...operatorOwners, ...stakers];
  await cohort.fund(stakers, 10n ** 12n);
  for (let i = 0; i < 6; i++) {
    const owner = operatorOwners[i % 2]!;
    const key = identityKey();
    await cohort.send(owner, "registerOperator", [
      key,
      encryptionKey(),
      `op${i + 1}`,
      BigInt(10 + 20 * i),
      [],
      identityProof(cohort, owner, key),
    ]);
  }
  base = await cohort.snapshot();
});

/**
 * A fixed seed keeps CI deterministic (the exploration checks below hold for it); set COHORT_FC_SEED / COHORT_FC_RUNS
 * to explore other sequences locally.
 */
const SEED = Number(process.env.COHORT_FC_SEED ?? 20261126);
const RUNS = Number(process.env.COHORT_FC_RUNS ?? 20);

/** Functions that succeeded at least once over all runs, and whether bad debt ever arose: proof the runs explored. */
const succeeded = new Map<RegistryFunction, number>();
let sawBadDebt = false;

async function attempt(
  actor: Actor,
  fn: RegistryFunction,
  args: readonly unknown[],
): Promise<TransactionReceipt | undefined> {
  try {
    const receipt = await cohort.send(actor, fn, args);
    succeeded.set(fn, (succeeded.get(fn) ?? 0) + 1);
    return receipt;
  } catch (error) {
    if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError)) return undefined;
    throw error;
  }
}

async function checkConservation(blockNumber: bigint): Promise<void> {
  const committees = stakers.flatMap((s) => SHAPES.map((ids) => [s.address, ids] as const));
  const [held, badDebt, network, operators, balances] = await Promise.all([
    cohort.balanceOf(cohort.deployment.registry, blockNumber),
    cohort.read<bigint>("badDebt", [], blockNumber),
    cohort.read<bigint>("networkEarnings", [], blockNumber),
    Promise.all(
      [1n, 2n, 3n, 4n, 5n, 6n].map((id) => cohort.read<{ earnings: bigint }>("getOperator", [id], blockNumber)),
    ),
    Promise.all(committees.map(([owner, ids]) => cohort.read<bigint>("committeeBalance", [owner, ids], blockNumber))),
  ]);
  if (badDebt > 0n) sawBadDebt = true;
  const claims = operators.reduce((sum, op) => sum + op.earnings, 0n) + network + balances.reduce((a, b) => a + b, 0n);
  expect(held + badDebt, `conservation at block ${blockNumber}`).toBe(claims);
}

/** Every (owner, shape) committee with its state at `block`, in a fixed order. */
async function committeeStates(block: bigint) {
  const pairs = stakers.flatMap((owner) => SHAPES.map((ids) => ({ owner, ids })));
  return Promise.all(
    pairs.map(async ({ owner, ids }) => {
      const [balance, committee] = await Promise.all([
        cohort.read<bigint>("committeeBalance", [owner.address, ids], block),
        cohort.read<{ active: boolean; validatorCount: number }>("getCommittee", [owner.address, ids], block),
      ]);
      return { owner, ids, balance, active: committee.active, validatorCount: committee.validatorCount };
    }),
  );
}

const walletBalances = () => Promise.all(everyone.map((a) => cohort.balanceOf(a.address)));

describe("fee accounting (property)", () => {
  it("conserves tokens and moves nobody's funds but their own", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 8, maxLength: 28 }), async (steps) => {
        await cohort.revert(base);
        base = await cohort.snapshot();
        const validators: { owner: number; shape: number; publicKey: Hex }[] = [];
        const nonces = [0n, 0n, 0n];

        for (const s of steps) {
          const before = await walletBalances();
          // What each wallet's balance should change by: only the actor of a successful step may move.
          const expected = new Map<Address, bigint>();
          const credit = (actor: Actor, delta: bigint) =>
            expected.set(actor.address, (expected.get(actor.address) ?? 0n) + delta);

          switch (s.kind) {
            case "register": {
              const owner = stakers[s.staker]!;
              const keys = Array.from({ length: s.count }, randomPublicKey);
              const ids = SHAPES[s.shape]!;
              const amount = BigInt(s.amount * s.count);
              const receipt = await attempt(owner, "bulkRegisterValidators", [
                keys,
                ids,
                keys.map((k, i) => signedPayload(k, 4, owner, nonces[s.staker]! + BigInt(i))),
                nonces[s.staker]!,
                amount,
              ]);
              if (receipt) {
                nonces[s.staker]! += BigInt(s.count);
                for (const publicKey of keys) validators.push({ owner: s.staker, shape: s.shape, publicKey });
                credit(owner, -amount);
              }
              break;
            }
            case "deposit": {
              // Anyone tops up any existing committee (random ones mostly do not exist and must revert).
              const from = stakers[s.from]!;
              const all = await committeeStates(await cohort.blockNumber());
              const existing = all.filter((c) => c.active || c.validatorCount > 0 || c.balance !== 0n);
              const c =
                existing.length > 0
                  ? existing[(s.owner * 3 + s.shape) % existing.length]!
                  : all[s.owner * 3 + s.shape]!;
              const receipt = await attempt(from, "deposit", [c.owner.address, c.ids, BigInt(s.amount)]);
              if (existing.length === 0)
                expect(receipt, "deposited into a committee that does not exist").toBeUndefined();
              if (receipt) credit(from, -BigInt(s.amount));
              break;
            }
            case "withdraw": {
              // Pick a funded committee (random ones are mostly empty) and withdraw a share of its headroom above the
              // collateral floor; above 100% it must revert.
              const block = await cohort.blockNumber();
              const all = await committeeStates(block);
              const funded = all.filter((c) => c.balance > 0n);
              const c =
                funded.length > 0 ? funded[(s.staker * 3 + s.shape) % funded.length]! : all[s.staker * 3 + s.shape]!;
              const floor =
                c.active && c.validatorCount > 0
                  ? await cohort.read<bigint>("requiredCollateral", [c.ids, BigInt(c.validatorCount)])
                  : 0n;
              const headroom = c.balance - floor;
              const amount = headroom > 0n ? (headroom * BigInt(s.percent)) / 100n : 1n;
              if (amount === 0n) break;
              const receipt = await attempt(c.owner, "withdraw", [c.ids, amount]);
              if (receipt) credit(c.owner, amount);
              break;
            }
            case "remove": {
              const mine = validators.filter((v) => v.owner === s.pick % 3);
              if (mine.length === 0) break;
              const v = mine[s.pick % mine.length]!;
              const receipt = await attempt(stakers[v.owner]!, "removeValidator", [v.publicKey, SHAPES[v.shape]!]);
              expect(receipt, "an owner can always remove their validator").toBeDefined();
              validators.splice(validators.indexOf(v), 1);
              break;
            }
            case "liquidate": {
              const caller = stakers[s.caller]!;
              // Random targets are rarely liquidatable; prefer one that is, as a keeper bot would.
              const candidates = stakers.flatMap((owner) => SHAPES.map((ids) => [owner.address, ids] as const));
              const flags = await Promise.all(
                // As of the block the liquidation will land in.
                candidates.map((args) =>
                  cohort.client.readContract({
                    address: cohort.deployment.registry,
                    abi: cohortRegistryAbi,
                    functionName: "isLiquidatable",
                    args: [args[0], args[1]],
                    blockTag: "pending",
                  }),
                ),
              );
              const due = candidates.filter((_, i) => flags[i]);
              const target =
                due.length > 0 ? due[(s.owner * 3 + s.shape) % due.length]! : candidates[s.owner * 3 + s.shape]!;
              const receipt = await attempt(caller, "liquidate", [...target]);
              if (due.length === 0) expect(receipt, "liquidated a healthy committee").toBeUndefined();
              if (receipt) {
                const [event] = parseEventLogs({
                  abi: cohortRegistryAbi,
                  logs: receipt.logs,
                  eventName: "CommitteeLiquidated",
                });
                credit(caller, event!.args.collateral);
              }
              break;
            }
            case "reactivate": {
              const all = await committeeStates(await cohort.blockNumber());
              const liquidated = all.filter((c) => !c.active && c.validatorCount > 0);
              const c =
                liquidated.length > 0
                  ? liquidated[(s.staker * 3 + s.shape) % liquidated.length]!
                  : all[s.staker * 3 + s.shape]!;
              const required = await cohort.read<bigint>("requiredCollateral", [
                c.ids,
                BigInt(Math.max(c.validatorCount, 1)),
              ]);
              // Between 0.5× and 2.5× what is required: some fail, most succeed.
              const amount = (required * BigInt(50 + (s.amount % 200))) / 100n;
              const receipt = await attempt(c.owner, "reactivate", [c.ids, amount]);
              if (receipt) credit(c.owner, -amount);
              break;
            }
            case "move": {
              if (validators.length === 0) break;
              const v = validators[s.pick % validators.length]!;
              const owner = stakers[v.owner]!;
              const receipt = await attempt(owner, "moveValidator", [
                v.publicKey,
                SHAPES[v.shape]!,
                SHAPES[s.shape]!,
                signedPayload(v.publicKey, 4, owner, nonces[v.owner]!),
                nonces[v.owner]!,
                BigInt(s.amount),
              ]);
              if (receipt) {
                nonces[v.owner]! += 1n;
                v.shape = s.shape;
                credit(owner, -BigInt(s.amount));
              }
              break;
            }
            case "raiseFee": {
              const id = BigInt(s.operator + 1);
              const owner = operatorOwners[s.operator % 2]!;
              const { fee } = await cohort.read<{ fee: bigint }>("getOperator", [id]);
              const declared = await attempt(owner, "declareOperatorFee", [id, fee + (fee * BigInt(s.bps)) / 10_000n]);
              if (!declared) break;
              const [event] = parseEventLogs({
                abi: cohortRegistryAbi,
                logs: declared.logs,
                eventName: "OperatorFeeDeclared",
              });
              await cohort.testClient.setNextBlockTimestamp({ timestamp: event!.args.executableAt });
              expect(await attempt(owner, "executeOperatorFee", [id])).toBeDefined();
              break;
            }
            case "reduceFee": {
              const id = BigInt(s.operator + 1);
              const { fee } = await cohort.read<{ fee: bigint }>("getOperator", [id]);
              await attempt(operatorOwners[s.operator % 2]!, "reduceOperatorFee", [
                id,
                (fee * BigInt(100 - s.percent)) / 100n,
              ]);
              break;
            }
            case "withdrawOperator": {
              const id = BigInt(s.operator + 1);
              const owner = operatorOwners[s.operator % 2]!;
              const { earnings } = await cohort.read<{ earnings: bigint }>("getOperator", [id]);
              const amount = (earnings * BigInt(s.percent)) / 100n;
              if (amount > 0n && (await attempt(owner, "withdrawOperatorEarnings", [id, amount])))
                credit(owner, amount);
              break;
            }
            case "withdrawNetwork": {
              const amount = ((await cohort.read<bigint>("networkEarnings")) * BigInt(s.percent)) / 100n;
              if (amount > 0n && (await attempt(governance, "withdrawNetworkEarnings", [governance.address, amount]))) {
                credit(governance, amount);
              }
              break;
            }
            case "mine": {
              // Accrual is linear between transactions; also check a block in the middle of the mined range.
              const half = Math.floor(s.blocks / 2);
              if (half > 0) {
                await cohort.mine(half);
                await checkConservation(await cohort.blockNumber());
              }
              await cohort.mine(s.blocks - half);
              break;
            }
            case "steal": {
              const thief = stakers[s.thief]!;
              if (s.thief === s.victim) break;
              const victim = stakers[s.victim]!;
              const ids = SHAPES[s.shape]!;
              if (s.what === "committee") {
                // A committee id includes its owner: asking for the victim's balance can only ever draw on the
                // thief's own committee of that shape. The victim's balance only accrues its fees meanwhile.
                const block = await cohort.blockNumber();
                const victimBalance = await cohort.read<bigint>("committeeBalance", [victim.address, ids], block);
                const rate = await cohort.read<bigint>("committeeBurnRate", [victim.address, ids], block);
                const amount = victimBalance > 0n ? victimBalance : 1n;
                const receipt = await attempt(thief, "withdraw", [ids, amount]);
                if (receipt) {
                  credit(thief, amount);
                  const [event] = parseEventLogs({
                    abi: cohortRegistryAbi,
                    logs: receipt.logs,
                    eventName: "CommitteeWithdrawn",
                  });
                  expect(event!.args.owner, "whose committee paid").toBe(thief.address);
                }
                const now = await cohort.blockNumber();
                expect(
                  await cohort.read<bigint>("committeeBalance", [victim.address, ids], now),
                  "the victim's committee balance",
                ).toBe(victimBalance - rate * (now - block));
              } else if (s.what === "operator") {
                // Operators belong to the operator owners, never to a staker.
                const id = BigInt(s.shape + 1);
                const { earnings } = await cohort.read<{ earnings: bigint }>("getOperator", [id]);
                const amount = earnings > 0n ? earnings : 1n;
                expect(await attempt(thief, "withdrawOperatorEarnings", [id, amount])).toBeUndefined();
                const after = await cohort.read<{ earnings: bigint }>("getOperator", [id]);
                expect(after.earnings, "the operator's earnings").toBeGreaterThanOrEqual(earnings);
              } else {
                const target = validators.find((v) => v.owner === s.victim);
                if (target) {
                  const before = await cohort.read<{ owner: Address }>("getValidator", [target.publicKey]);
                  expect(before.owner).toBe(victim.address);
                  expect(
                    await attempt(thief, "removeValidator", [target.publicKey, SHAPES[target.shape]!]),
                  ).toBeUndefined();
                  const after = await cohort.read<{ owner: Address }>("getValidator", [target.publicKey]);
                  expect(after.owner, "the victim's validator").toBe(victim.address);
                }
              }
              break;
            }
          }

          const after = await walletBalances();
          everyone.forEach((actor, i) => {
            expect(after[i]! - before[i]!, `${s.kind}: wallet ${actor.address}`).toBe(
              expected.get(actor.address) ?? 0n,
            );
          });
          await checkConservation(await cohort.blockNumber());
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    for (const fn of [
      "bulkRegisterValidators",
      "deposit",
      "withdraw",
      "removeValidator",
      "liquidate",
      "reactivate",
      "moveValidator",
      "executeOperatorFee",
      "reduceOperatorFee",
      "withdrawOperatorEarnings",
      "withdrawNetworkEarnings",
    ] as const) {
      expect(succeeded.get(fn) ?? 0, `no run ever succeeded in ${fn}`).toBeGreaterThan(0);
    }
    expect(sawBadDebt, "no run ever produced bad debt").toBe(true);
    if (process.env.COHORT_PROPERTY_STATS) console.info(Object.fromEntries(succeeded));
    // Each registration and move now runs the on-chain BLS check (and a noble signature here): about twice the time.
  }, 180_000);
});
