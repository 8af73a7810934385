/**
 * Property: across seeded random sequences of deposits, withdrawal requests and claims, mini-pool creation, DKG
 * confirmations (by members and by intruders), funding and oracle reports (gains and losses) from many accounts:
 *   1. ETH is conserved: the pool holds exactly freeEth + reservedForQueue + bondsHeld, and the deposit contract
 *      32 ETH per funded mini-pool;
 *   2. assets always cover shares at the reported rate: held ETH + the pool's beacon claim ≥ queued withdrawals +
 *      Σ holders' cETH valued at the rate, with at most 1 wei of rounding dust per holder;
 *   3. no deposit, withdrawal or reward is lost to rounding: each moves totalAssets by exactly its amount, shares and
 *      assets are floor()ed (never in the caller's favour), a report's delta is split with nothing left over;
 *   4. only a mini-pool's committee can confirm its DKG result.
 */
import fc from "fast-check";
import { type Account, BaseError, ContractFunctionRevertedError, type Hex, type TransactionReceipt } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { type DkgResult, ETHER, type PoolOperator, type PoolSystem, setupPoolSystem } from "./poolFixture.js";

const SEED = Number(process.env.COHORT_FC_SEED ?? 20261126);
const RUNS = Number(process.env.COHORT_FC_RUNS ?? 10);
const STAKERS = 6;

let system: PoolSystem;
let base: Hex;
/** Committees of 8 operators, overlapping so operators serve several mini-pools. */
let shapes: PoolOperator[][];
/** Everyone who is not a given committee's member tries to confirm as an intruder. */
let everyone: Account[];

beforeAll(async () => {
  system = await setupPoolSystem(8, {}, STAKERS);
  const o = system.operators;
  shapes = [
    [o[0]!, o[1]!, o[2]!, o[3]!],
    [o[4]!, o[5]!, o[6]!, o[7]!],
    [o[2]!, o[3]!, o[4]!, o[5]!],
  ];
  everyone = [...o.map((op) => op.identity), ...o.map((op) => op.owner), ...system.stakers];
  // Every run starts from a pool with stakers and one Active mini-pool, so reports and funding happen early.
  for (const staker of system.stakers) await system.send(staker, "pool", "deposit", [], 7n * ETHER);
  await system.readyMiniPool(shapes[0]!);
  await system.send(system.stakers[0]!, "miniPools", "fundNext", []);
  base = await system.cohort.snapshot();
});

type Step =
  | { kind: "deposit"; staker: number; amount: bigint }
  | { kind: "request"; staker: number; percent: number }
  | { kind: "claim"; pick: number }
  | { kind: "create"; shape: number }
  /** `repeat`: a member that already confirmed tries again; otherwise the next member confirms. */
  | { kind: "confirm"; repeat: boolean }
  | { kind: "intrude"; actor: number }
  | { kind: "fund" }
  | { kind: "report"; perMiniPool: bigint; dust: bigint };

const stakerIndex = fc.integer({ min: 0, max: STAKERS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("deposit"),
      staker: stakerIndex,
      // From the minimum up to 20 ETH, to the wei, so rates and amounts do not divide evenly.
      amount: fc.bigInt({ min: ETHER / 10n, max: 20n * ETHER }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("request"),
      staker: stakerIndex,
      percent: fc.integer({ min: 1, max: 100 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("claim"), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("create"), shape: fc.integer({ min: 0, max: 2 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("confirm"), repeat: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("intrude"), actor: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("fund") }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("report"),
      // Per Active mini-pool: from a 1.5 ETH loss (bigger than a bond share sometimes over several reports) to +0.5.
      perMiniPool: fc.bigInt({ min: (-3n * ETHER) / 2n, max: ETHER / 2n }),
      dust: fc.bigInt({ min: 0n, max: 10n ** 9n }),
    }),
  },
);

/** The receipt of a successful call, or the name of the custom error it reverted with. */
async function attempt(call: Promise<TransactionReceipt>): Promise<{ receipt?: TransactionReceipt; error?: string }> {
  try {
    return { receipt: await call };
  } catch (error) {
    const inner = error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (!inner) throw error;
    return { error: (inner as ContractFunctionRevertedError).data?.errorName ?? "unknown" };
  }
}

const reverted = async (call: Promise<TransactionReceipt>) => (await attempt(call)).error;

interface MiniPoolModel {
  id: bigint;
  members: PoolOperator[];
  result: DkgResult;
  confirmed: Set<number>;
}

const read = <T>(contract: Parameters<PoolSystem["read"]>[0], fn: string, args: readonly unknown[] = []) =>
  system.read<T>(contract, fn, args);

async function poolState() {
  const [free, reserved, bonds, beacon, queued, totalAssets, supply, held, deposited, initiators, rate] =
    await Promise.all([
      read<bigint>("pool", "freeEth"),
      read<bigint>("pool", "reservedForQueue"),
      read<bigint>("pool", "bondsHeld"),
      read<bigint>("pool", "beaconAssets"),
      read<bigint>("pool", "queuedAssets"),
      read<bigint>("pool", "totalAssets"),
      read<bigint>("pool", "totalSupply"),
      system.ethBalance(system.addresses.pool),
      system.ethBalance(system.addresses.deposit),
      read<bigint>("miniPools", "totalInitiatorBalance"),
      read<bigint>("pool", "exchangeRate"),
    ]);
  return { free, reserved, bonds, beacon, queued, totalAssets, supply, held, deposited, initiators, rate };
}

describe("pool accounting (property)", () => {
  it("conserves ETH, covers shares, loses nothing to rounding and lets only committees confirm", async () => {
    const seen = new Map<string, number>();
    const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 16, maxLength: 32 }), async (steps) => {
        await system.cohort.revert(base);
        base = await system.cohort.snapshot();
        const miniPools: MiniPoolModel[] = [
          { id: 0n, members: shapes[0]!, result: undefined as never, confirmed: new Set([0, 1, 2, 3]) },
        ];
        let funded = 1n;
        let epoch = 0n;
        const requests: { id: bigint; staker: number; assets: bigint; claimed: boolean }[] = [];

        for (const s of steps) {
          const before = await poolState();
          switch (s.kind) {
            case "deposit": {
              const staker = system.stakers[s.staker]!;
              const expected =
                before.supply === 0n
                  ? s.amount
                  : before.totalAssets === 0n
                    ? undefined
                    : (s.amount * before.supply) / before.totalAssets;
              const shares0 = await read<bigint>("pool", "balanceOf", [staker.address]);
              const error = await reverted(system.send(staker, "pool", "deposit", [], s.amount));
              if (expected === undefined || expected === 0n) {
                expect(error).toBeDefined();
                break;
              }
              expect(error).toBeUndefined();
              count("deposit");
              expect(await read<bigint>("pool", "balanceOf", [staker.address])).toBe(shares0 + expected);
              const after = await poolState();
              expect(after.totalAssets).toBe(before.totalAssets + s.amount);
              expect(after.rate).toBeGreaterThanOrEqual(before.rate);
              break;
            }
            case "request": {
              // Among the stakers that hold cETH, so most requests are real.
              const balances = await Promise.all(
                system.stakers.map((st) => read<bigint>("pool", "balanceOf", [st.address])),
              );
              const holders = system.stakers.filter((_, i) => balances[i]! > 0n);
              if (holders.length === 0) break;
              const staker = holders[s.staker % holders.length]!;
              const stakerIndex = system.stakers.indexOf(staker);
              const balance = balances[stakerIndex]!;
              const shares = (balance * BigInt(s.percent)) / 100n;
              if (shares === 0n) break;
              const assets = (shares * before.totalAssets) / before.supply;
              const id = await read<bigint>("pool", "queueLength");
              const error = await reverted(system.send(staker, "pool", "requestWithdrawal", [shares]));
              if (assets === 0n) {
                expect(error).toBe("WithdrawalTooSmall");
                break;
              }
              expect(error).toBeUndefined();
              count("request");
              requests.push({ id, staker: stakerIndex, assets, claimed: false });
              const after = await poolState();
              expect(after.totalAssets).toBe(before.totalAssets - assets);
              expect(after.queued).toBe(before.queued + assets);
              expect(after.rate).toBeGreaterThanOrEqual(before.rate);
              break;
            }
            case "claim": {
              const open = requests.filter((r) => !r.claimed);
              if (open.length === 0) break;
              const request = open[s.pick % open.length]!;
              const staker = system.stakers[request.staker]!;
              const [, , , ready] = await read<[string, bigint, boolean, boolean]>("pool", "withdrawalRequest", [
                request.id,
              ]);
              const wallet = await system.ethBalance(staker.address);
              const { receipt, error } = await attempt(system.send(staker, "pool", "claimWithdrawal", [request.id]));
              if (!ready) {
                expect(error).toBe("WithdrawalNotReady");
                break;
              }
              expect(error).toBeUndefined();
              count("claim");
              request.claimed = true;
              expect(await system.ethBalance(staker.address)).toBe(
                wallet + request.assets - receipt!.gasUsed * receipt!.effectiveGasPrice,
              );
              expect((await poolState()).totalAssets).toBe(before.totalAssets);
              break;
            }
            case "create": {
              const members = shapes[s.shape]!;
              const id = await read<bigint>("miniPools", "miniPoolCount");
              await system.send(
                members[0]!.owner,
                "miniPools",
                "createMiniPool",
                [members.map((m) => m.id)],
                4n * ETHER,
              );
              miniPools.push({ id, members, result: system.dkgResult(), confirmed: new Set() });
              count("create");
              break;
            }
            case "confirm": {
              const pending = miniPools.find((m) => m.confirmed.size < 4);
              if (!pending) break;
              const { id, result } = pending;
              const index =
                s.repeat && pending.confirmed.size > 0
                  ? [...pending.confirmed][0]!
                  : [0, 1, 2, 3].find((i) => !pending.confirmed.has(i))!;
              const member = pending.members[index]!;
              const error = await reverted(
                system.send(member.identity, "miniPools", "confirmDkg", [
                  id,
                  result.pubkey,
                  result.signature,
                  result.root,
                ]),
              );
              expect(error).toBe(pending.confirmed.has(index) ? "AlreadyConfirmed" : undefined);
              pending.confirmed.add(index);
              if (!error) count("confirm");
              break;
            }
            case "intrude": {
              const pending = miniPools.find((m) => m.confirmed.size < 4);
              if (!pending) break;
              const members = new Set(pending.members.map((m) => m.identity.address));
              const outsiders = everyone.filter((a) => !members.has(a.address));
              const intruder = outsiders[s.actor % outsiders.length]!;
              const { id, result } = pending;
              const error = await reverted(
                system.send(intruder, "miniPools", "confirmDkg", [id, result.pubkey, result.signature, result.root]),
              );
              expect(error).toBe("NotCommitteeMember");
              count("intrude");
              break;
            }
            case "fund": {
              const queue = await read<bigint[]>("miniPools", "readyQueue");
              const error = await reverted(system.send(system.stakers[0]!, "miniPools", "fundNext", []));
              if (queue.length === 0) expect(error).toBe("NoMiniPoolReady");
              else if (before.free < 28n * ETHER) expect(error).toBe("InsufficientPoolEth");
              else {
                expect(error).toBeUndefined();
                funded += 1n;
                count("fund");
                const after = await poolState();
                // Staking moves ETH, not value.
                expect(after.totalAssets).toBe(before.totalAssets);
                expect(after.beacon).toBe(before.beacon + 28n * ETHER);
              }
              break;
            }
            case "report": {
              const active = await read<bigint[]>("miniPools", "activeMiniPools");
              if (active.length === 0) break;
              const accounted = before.initiators + before.beacon;
              let total = accounted + s.perMiniPool * BigInt(active.length) + s.dust;
              if (total < 0n) total = 0n;
              epoch += 1n;
              // Three distinct reporters from the committees of Active mini-pools.
              const activeIds = new Set(active);
              const reporters = [
                ...new Set(miniPools.filter((m) => activeIds.has(m.id)).flatMap((m) => m.members)),
              ].slice(0, 3);
              for (const reporter of reporters) {
                await system.send(reporter.identity, "oracle", "submitReport", [epoch, total, [], []]);
              }
              count(total >= accounted ? "gain" : "loss");
              const after = await poolState();
              // The whole delta is booked: initiators' balances + the pool's claim now equal the reported total.
              if (after.beacon > 0n) expect(after.initiators + after.beacon).toBe(total);
              if (total >= accounted) expect(after.rate).toBeGreaterThanOrEqual(before.rate);
              else expect(after.rate).toBeLessThanOrEqual(before.rate);
              break;
            }
          }

          // ─── invariants after every step ───
          const now = await poolState();
          expect(now.held, "pool ETH = free + reserved + bonds").toBe(now.free + now.reserved + now.bonds);
          expect(now.deposited, "deposit contract holds 32 ETH per funded mini-pool").toBe(32n * ETHER * funded);
          const holdings = await Promise.all(
            system.stakers.map((st) => read<bigint>("pool", "balanceOf", [st.address])),
          );
          expect(holdings.reduce((a, b) => a + b, 0n)).toBe(now.supply);
          const valued = await Promise.all(holdings.map((h) => read<bigint>("pool", "convertToAssets", [h])));
          const claims = valued.reduce((a, b) => a + b, 0n);
          const backing = now.free + now.reserved + now.beacon;
          expect(backing, "assets cover the queue and every holder at the rate").toBeGreaterThanOrEqual(
            now.queued + claims,
          );
          expect(now.totalAssets).toBe(backing - now.queued);
          // Rounding dust: each holder's floor() loses less than 1 wei.
          expect(now.totalAssets - claims).toBeLessThanOrEqual(BigInt(STAKERS));
          const activeList = await read<bigint[]>("miniPools", "activeMiniPools");
          const balances = await Promise.all(
            activeList.map((id) => read<bigint>("miniPools", "initiatorBalance", [id])),
          );
          expect(balances.reduce((a, b) => a + b, 0n)).toBe(now.initiators);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    if (process.env.COHORT_PROPERTY_STATS) console.info(Object.fromEntries(seen));
    for (const what of ["deposit", "request", "claim", "create", "confirm", "intrude", "fund", "gain", "loss"]) {
      expect(seen.get(what) ?? 0, `no run ever did ${what}`).toBeGreaterThan(0);
    }
  });
});
