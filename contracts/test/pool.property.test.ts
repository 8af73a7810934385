/**
 * Property: across seeded random sequences from honest stakers and adversaries, on anvil:
 *   - a colluding committee reports ten times the true balances before every honest report (its four votes never
 *     reach the quorum of twelve eligible reporters) and tries to verify its own keys;
 *   - a front-runner deposits 1 ETH to its own credentials for keys whose DKG is not confirmed yet (the honest nodes
 *     then never verify them);
 *   - a sandwicher deposits just before a gain report and asks out right after;
 *   - keepers call fundNext at any time, also between the votes of a report;
 *   - a thief reads a victim's cETH, open requests and exited mini-pool's held ETH and tries to take them (transferFrom
 *     without allowance, claiming the victim's request, claiming or exiting the victim's mini-pool, cancelling it);
 *   - the beacon chain (modelled here: true balances, sweeps above 32 ETH and exits paid to the pool by
 *     anvil_setBalance, as withdrawals arrive without a call) gains, loses and slashes;
 * the invariants hold after every step:
 *   1. ETH is conserved: the pool holds free + reserved + bonds + initiators' held ETH + the withdrawals not yet
 *      reported; the deposit contract holds every pre-deposit, top-up and front-run deposit made;
 *   2. assets cover shares: free + reserved + the pool's beacon claim = totalAssets ≥ Σ every holder's cETH at the rate;
 *   3. a booked report raises totalAssets by at most the APR ceiling over each covered validator's booked value and the
 *      epochs since it was last booked (computed here from the config, not read from the contract's result);
 *   4. a theft attempt leaves the victim's cETH, requests, held ETH and wallet exactly as they were;
 * and at the end no staker has more (ETH received + cETH value + open requests) than it put in plus its fair share of
 * the gains booked while it held shares (and of what requests forfeit: a request earns nothing past its value at request).
 */
import { executionWithdrawalCredentials } from "@cohort/sdk/deposit/deposit";
import fc from "fast-check";
import {
  type Account,
  BaseError,
  bytesToHex,
  ContractFunctionRevertedError,
  type Hex,
  parseEventLogs,
  type TransactionReceipt,
} from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { cohortPoolAbi } from "../../sdk/src/abi/index.js";
import {
  type DkgResult,
  ETHER,
  GWEI,
  makeDkgResult,
  oracleReport,
  type PoolOperator,
  type PoolSystem,
  setupPoolSystem,
} from "./poolFixture.js";

const SEED = Number(process.env.COHORT_FC_SEED ?? 20261202);
const RUNS = Number(process.env.COHORT_FC_RUNS ?? 16);
const STAKERS = 5;
const SANDWICHER = 4;
const BPS = 10_000n;
const YEAR = 365n * 24n * 3600n;
const State = { Ready: 1, Active: 2, Exited: 4, PendingVerification: 6, Exiting: 7 } as const;

let system: PoolSystem;
let base: Hex;
let ops: PoolOperator[];
/** Committee 0 colludes; committees 1 and 2 are honest; 3 mixes the spare operator with honest ones. */
let shapes: PoolOperator[][];
let frontRunner: Account;

beforeAll(async () => {
  system = await setupPoolSystem(13, {}, STAKERS);
  ops = system.operators;
  shapes = [ops.slice(0, 4), ops.slice(4, 8), ops.slice(8, 12), [ops[12]!, ops[5]!, ops[6]!, ops[9]!]];
  frontRunner = ops[0]!.owner;
  // Every run starts with three funded validators (one per committee 0..2; twelve eligible reporters, quorum eight)
  // and 28 ETH free for the next.
  await system.send(system.stakers[0]!, "pool", "deposit", [], 112n * ETHER);
  for (const shape of shapes.slice(0, 3)) await system.fundedMiniPool(shape);
  base = await system.cohort.snapshot();
});

type Step =
  | { kind: "deposit"; staker: number; amount: bigint }
  | { kind: "request"; staker: number; percent: number }
  | { kind: "claim"; pick: number }
  | { kind: "create"; shape: number }
  | { kind: "confirm" }
  | { kind: "frontrun" }
  | { kind: "verify" }
  | { kind: "fund" }
  | { kind: "beacon"; pick: number; deltaGwei: bigint }
  | { kind: "report"; days: number; keeperBetween: boolean }
  | { kind: "sandwich"; amount: bigint }
  | { kind: "exit"; pick: number; byGovernance: boolean }
  | { kind: "claimBond"; pick: number }
  | { kind: "steal"; victim: number; pick: number };

const pick = fc.nat({ max: 1000 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("deposit"),
      staker: fc.integer({ min: 0, max: STAKERS - 2 }),
      amount: fc.bigInt({ min: ETHER / 10n, max: 20n * ETHER }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("request"),
      staker: fc.integer({ min: 0, max: STAKERS - 1 }),
      percent: fc.integer({ min: 1, max: 100 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("claim"), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("create"), shape: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("confirm") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("frontrun") }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("verify") }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("fund") }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("beacon"),
      pick,
      // Mostly rewards and small penalties, sometimes a slashing.
      deltaGwei: fc.oneof(
        { weight: 4, arbitrary: fc.bigInt({ min: -GWEI / 10n, max: GWEI / 5n }) },
        { weight: 1, arbitrary: fc.bigInt({ min: -6n * GWEI, max: -GWEI }) },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("report"),
      days: fc.integer({ min: 0, max: 30 }),
      keeperBetween: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("sandwich"), amount: fc.bigInt({ min: ETHER, max: 50n * ETHER }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("exit"), pick, byGovernance: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("claimBond"), pick }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("steal"), victim: fc.integer({ min: 0, max: STAKERS - 2 }), pick }),
  },
);

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
const read = <T>(contract: Parameters<PoolSystem["read"]>[0], fn: string, args: readonly unknown[] = []) =>
  system.read<T>(contract, fn, args);
const gas = (r: TransactionReceipt) => r.gasUsed * r.effectiveGasPrice;

interface MiniPoolModel {
  id: bigint;
  members: PoolOperator[];
  result: DkgResult;
  confirmed: number;
  frontRun: boolean;
}
interface Validator {
  balance: bigint;
  /** Paid to the pool since the last accepted report (gwei). */
  withdrawn: bigint;
  /** Beacon epoch its value was last booked at (funding, then each accepted report covering it). */
  bookedEpoch: bigint;
}
interface StakerBook {
  putIn: bigint;
  received: bigint;
  fairGain: bigint;
}

describe("pool accounting under adversaries (property)", () => {
  it("conserves ETH, covers shares and pays nobody more than its fair share", async () => {
    const seen = new Map<string, number>();
    const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 30, maxLength: 50 }), async (steps) => {
        await system.cohort.revert(base);
        base = await system.cohort.snapshot();
        const miniPools: MiniPoolModel[] = [];
        const truth = new Map<bigint, Validator>();
        for (const id of [0n, 1n, 2n]) {
          const { fundedEpoch } = await read<{ fundedEpoch: bigint }>("miniPools", "miniPool", [id]);
          truth.set(id, { balance: 32n * GWEI, withdrawn: 0n, bookedEpoch: fundedEpoch });
        }
        const { maxAprBps } = await read<{ maxAprBps: bigint }>("pool", "poolConfig");
        const secondsPerEpoch = await read<bigint>("oracle", "secondsPerEpoch");
        const books: StakerBook[] = system.stakers.map((_, i) => ({
          putIn: i === 0 ? 112n * ETHER : 0n,
          received: 0n,
          fairGain: 0n,
        }));
        const requests: { id: bigint; staker: number; claimed: boolean }[] = [];
        let deposited = await system.ethBalance(system.addresses.deposit);
        let unbooked = 0n;

        const holdings = () => Promise.all(system.stakers.map((s) => read<bigint>("pool", "balanceOf", [s.address])));
        const payToPool = async (wei: bigint) => {
          const balance = await system.ethBalance(system.addresses.pool);
          await system.cohort.testClient.setBalance({ address: system.addresses.pool, value: balance + wei });
          unbooked += wei;
        };
        const deposit = async (staker: number, amount: bigint) => {
          const error = await reverted(system.send(system.stakers[staker]!, "pool", "deposit", [], amount));
          if (!error) books[staker]!.putIn += amount;
          else expect(error).toBe("LossPending");
          return error;
        };
        const request = async (staker: number, percent: number) => {
          const balance = await read<bigint>("pool", "balanceOf", [system.stakers[staker]!.address]);
          const shares = (balance * BigInt(percent)) / 100n;
          if (shares === 0n) return;
          const id = await read<bigint>("pool", "queueLength");
          const error = await reverted(system.send(system.stakers[staker]!, "pool", "requestWithdrawal", [shares]));
          if (error) expect(error).toBe("WithdrawalTooSmall");
          else requests.push({ id, staker, claimed: false });
        };
        /** A keeper's fundNext at any moment: it funds only a verified key, never a front-run one. */
        const keeperFund = async () => {
          const { error } = await attempt(system.send(system.stakers[2]!, "miniPools", "fundNext", []));
          if (error) {
            expect(["NoMiniPoolReady", "InsufficientPoolEth"]).toContain(error);
            return;
          }
          const active = await read<bigint[]>("miniPools", "activeMiniPools");
          const id = active[active.length - 1]!;
          expect(miniPools.find((m) => m.id === id)?.frontRun).not.toBe(true);
          const { fundedEpoch } = await read<{ fundedEpoch: bigint }>("miniPools", "miniPool", [id]);
          truth.set(id, { balance: 32n * GWEI, withdrawn: 0n, bookedEpoch: fundedEpoch });
          deposited += 31n * ETHER;
          count("fund");
        };
        /** Honest report of the truth, after the colluders' inflated one; returns whether it was booked. */
        const report = async (days: number, keeperBetween: boolean) => {
          await system.advanceEpochs(BigInt(days) * 225n + 1n);
          const epoch = await system.currentEpoch();
          const active = await read<bigint[]>("miniPools", "activeMiniPools");
          const covered: bigint[] = [];
          for (const id of active) {
            if ((await read<{ fundedEpoch: bigint }>("miniPools", "miniPool", [id])).fundedEpoch < epoch)
              covered.push(id);
          }
          const serving: PoolOperator[] = [];
          for (const o of ops) {
            if ((await read<bigint>("miniPools", "activeMiniPoolsOf", [o.id])) > 0n) serving.push(o);
          }
          const truthful = oracleReport(
            epoch,
            covered.map((id) => ({
              id,
              balanceGwei: truth.get(id)!.balance,
              withdrawnGwei: truth.get(id)!.withdrawn,
            })),
            [],
          );
          const inflated = { ...truthful, balancesGwei: truthful.balancesGwei.map((b) => b * 10n + 1n) };
          const colluders = serving.filter((o) => shapes[0]!.includes(o));
          for (const c of colluders) await system.send(c.identity, "oracle", "submitReport", [inflated]);
          count("collusion");
          const shares = await holdings();
          const supply = await read<bigint>("pool", "totalSupply");
          const assets = await read<bigint>("pool", "totalAssets");
          // The most the rules let this report add: each covered validator's booked value at the APR ceiling over
          // the epochs since its last booking. Bound to the set computed above, as the report is.
          let ceiling = 0n;
          for (const id of covered) {
            const { booked } = await read<{ booked: bigint }>("miniPools", "miniPool", [id]);
            const elapsed = (epoch - truth.get(id)!.bookedEpoch) * secondsPerEpoch;
            ceiling += (booked * maxAprBps * elapsed) / (BPS * YEAR);
          }
          const honest = serving.filter((o) => !shapes[0]!.includes(o));
          let accepted = false;
          for (const [i, h] of honest.entries()) {
            if (keeperBetween && i === 1) {
              await keeperFund();
              count("keeperBetweenVotes");
            }
            const { receipt, error } = await attempt(system.send(h.identity, "oracle", "submitReport", [truthful]));
            expect(error).toBeUndefined();
            const booked = parseEventLogs({ abi: cohortPoolAbi, logs: receipt!.logs, eventName: "WithdrawalsBooked" });
            for (const b of booked) unbooked -= b.args.toBuffer + b.args.toInitiators;
            if (parseEventLogs({ abi: cohortPoolAbi, logs: receipt!.logs, eventName: "ExchangeRateUpdated" }).length) {
              accepted = true;
              break;
            }
          }
          if (!accepted) {
            // Fewer than a quorum of honest reporters serve (possible after exits), or the loss was delayed.
            if (await read<boolean>("oracle", "lossPending")) {
              count("delayedLoss");
              await system.cohort.testClient.increaseTime({ seconds: 24 * 3600 });
              await system.cohort.testClient.mine({ blocks: 1 });
              const receipt = await system.send(system.stakers[1]!, "oracle", "bookDelayedReport", [truthful]);
              for (const b of parseEventLogs({
                abi: cohortPoolAbi,
                logs: receipt.logs,
                eventName: "WithdrawalsBooked",
              }))
                unbooked -= b.args.toBuffer + b.args.toInitiators;
              accepted = true;
            } else return false;
          }
          // Colluders never moved the rate: the booked epoch is the honest one's.
          expect(await read("oracle", "lastEpoch")).toBe(epoch);
          for (const id of covered) {
            const v = truth.get(id)!;
            v.withdrawn = 0n;
            v.bookedEpoch = epoch;
            if (v.balance === 0n)
              expect((await read<{ state: number }>("miniPools", "miniPool", [id])).state).toBe(State.Exited);
          }
          const gain = (await read<bigint>("pool", "totalAssets")) - assets;
          expect(gain, `report at epoch ${epoch} raised assets above the APR ceiling`).toBeLessThanOrEqual(ceiling);
          if (gain > 0n) for (const [i, s] of shares.entries()) books[i]!.fairGain += (gain * s) / supply + 1n;
          count(gain > 0n ? "gain" : "loss");
          return true;
        };

        for (const s of steps) {
          switch (s.kind) {
            case "deposit":
              if (!(await deposit(s.staker, s.amount))) count("deposit");
              break;
            case "request":
              await request(s.staker, s.percent);
              count("request");
              break;
            case "claim": {
              const open = requests.filter((r) => !r.claimed);
              if (open.length === 0) break;
              const r = open[s.pick % open.length]!;
              const staker = system.stakers[r.staker]!;
              const [locked, payout] = await read<[bigint, bigint]>("pool", "withdrawalShares", [r.id]);
              const forfeited = (await read<bigint>("pool", "convertToAssets", [locked])) - payout;
              const held = await holdings();
              const unlocked =
                (await read<bigint>("pool", "totalSupply")) -
                (await read<bigint>("pool", "balanceOf", [system.addresses.pool]));
              const wallet = await system.ethBalance(staker.address);
              const { receipt, error } = await attempt(system.send(staker, "pool", "claimWithdrawal", [r.id]));
              if (error) {
                expect(["WithdrawalNotReady", "LossPending"]).toContain(error);
                break;
              }
              r.claimed = true;
              books[r.staker]!.received += payout;
              // A request earns nothing past its value at request: what it forfeits goes to the other holders.
              if (forfeited > 0n)
                for (const [i, h] of held.entries()) books[i]!.fairGain += (forfeited * h) / unlocked + 1n;
              expect(await system.ethBalance(staker.address)).toBe(wallet + payout - gas(receipt!));
              count("claim");
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
              miniPools.push({ id, members, result: system.dkgResult(), confirmed: 0, frontRun: false });
              count("create");
              break;
            }
            case "frontrun": {
              const target = miniPools.find((m) => m.confirmed < 4 && !m.frontRun);
              if (!target) break;
              // Same key, the front-runner's own credentials: the first deposit of a key sets them on the beacon chain.
              const theirs = makeDkgResult(frontRunner.address);
              const credentials = bytesToHex(executionWithdrawalCredentials(frontRunner.address));
              await system.send(
                frontRunner,
                "deposit",
                "deposit",
                [theirs.pubkey, credentials, theirs.signature, theirs.root],
                ETHER,
              );
              deposited += ETHER;
              target.frontRun = true;
              count("frontrun");
              break;
            }
            case "confirm": {
              const m = miniPools.find((p) => p.confirmed < 4);
              if (!m) break;
              const member = m.members[m.confirmed]!;
              const { result } = m;
              await system.send(member.identity, "miniPools", "confirmDkg", [
                m.id,
                result.pubkey,
                result.signature,
                result.root,
              ]);
              m.confirmed += 1;
              if (m.confirmed === 4) deposited += ETHER;
              count("confirm");
              break;
            }
            case "verify": {
              const m = miniPools.find((p) => p.confirmed === 4);
              if (!m) break;
              const state = (await read<{ state: number }>("miniPools", "miniPool", [m.id])).state;
              if (state !== State.PendingVerification) break;
              // A member's own vote never counts: refused as its own committee's, or before that as no reporter at all.
              const member = m.members[1]!;
              const serving = (await read<bigint>("miniPools", "activeMiniPoolsOf", [member.id])) > 0n;
              await system.expectRevert(
                member.identity,
                "oracle",
                "verifyValidator",
                [m.id],
                serving ? "OwnCommittee" : "NotEligibleReporter",
                [serving ? m.id : member.identity.address],
              );
              // Honest nodes find a front-run key with other credentials and do not vote.
              if (m.frontRun) {
                count("frontrunRefused");
                break;
              }
              // The colluders verify others' honest keys too: blocking them would gain them nothing.
              const quorum = await read<bigint>("oracle", "verificationQuorum", [m.id]);
              // Votes of an earlier verify step that fell short of the quorum stand; those operators do not vote twice.
              let votes = await read<bigint>("oracle", "verificationVotes", [m.id]);
              for (const o of ops) {
                if (votes >= quorum || m.members.includes(o)) continue;
                if ((await read<bigint>("miniPools", "activeMiniPoolsOf", [o.id])) === 0n) continue;
                if (await read<boolean>("oracle", "hasVerified", [m.id, o.id])) continue;
                await system.send(o.identity, "oracle", "verifyValidator", [m.id]);
                votes += 1n;
              }
              const after = (await read<{ state: number }>("miniPools", "miniPool", [m.id])).state;
              expect(after === State.Ready || votes < quorum).toBe(true);
              if (after === State.Ready) count("verified");
              break;
            }
            case "fund":
              await keeperFund();
              break;
            case "beacon": {
              const live = [...truth.entries()].filter(([, v]) => v.balance > 0n);
              if (live.length === 0) break;
              const [, v] = live[s.pick % live.length]!;
              v.balance = v.balance + s.deltaGwei > 0n ? v.balance + s.deltaGwei : 1n;
              // The beacon chain sweeps everything above 32 ETH to the withdrawal address.
              if (v.balance > 32n * GWEI) {
                const excess = v.balance - 32n * GWEI;
                v.balance -= excess;
                v.withdrawn += excess;
                await payToPool(excess * 10n ** 9n);
                count("sweep");
              }
              break;
            }
            case "report":
              await report(s.days, s.keeperBetween);
              break;
            case "sandwich": {
              if (await deposit(SANDWICHER, s.amount)) break;
              for (const v of truth.values()) if (v.balance > 0n) v.balance += GWEI / 100n;
              if (await report(1, false)) count("sandwich");
              await request(SANDWICHER, 100);
              break;
            }
            case "exit": {
              const active = await read<bigint[]>("miniPools", "activeMiniPools");
              if (active.length === 0) break;
              const id = active[s.pick % active.length]!;
              const m = await read<{ state: number; owner: Hex }>("miniPools", "miniPool", [id]);
              if (m.state !== State.Active) break;
              const by = s.byGovernance
                ? system.cohort.governance
                : [...ops.map((o) => o.owner)].find((a) => a.address === m.owner)!;
              await system.send(by, "miniPools", "requestExit", [id]);
              // The beacon chain exits it and pays the whole balance to the pool.
              const v = truth.get(id)!;
              v.withdrawn += v.balance;
              await payToPool(v.balance * 10n ** 9n);
              v.balance = 0n;
              count("exit");
              break;
            }
            case "claimBond": {
              const exited: bigint[] = [];
              for (const id of truth.keys()) {
                const m = await read<{ state: number; bondReturned: boolean }>("miniPools", "miniPool", [id]);
                if (m.state === State.Exited && !m.bondReturned) exited.push(id);
              }
              if (exited.length === 0) break;
              const id = exited[s.pick % exited.length]!;
              const m = await read<{ owner: Hex; initiatorHeld: bigint }>("miniPools", "miniPool", [id]);
              const owner = ops.map((o) => o.owner).find((a) => a.address === m.owner)!;
              const wallet = await system.ethBalance(owner.address);
              const receipt = await system.send(owner, "miniPools", "claimBond", [id]);
              expect(await system.ethBalance(owner.address)).toBe(wallet + m.initiatorHeld - gas(receipt));
              count("bondReturned");
              break;
            }
            case "steal": {
              // The sandwicher turns thief; its victims are the other stakers and the initiators.
              const thief = system.stakers[SANDWICHER]!;
              const victim = system.stakers[s.victim]!;
              const victimShares = await read<bigint>("pool", "balanceOf", [victim.address]);
              const open = requests.filter((r) => r.staker === s.victim && !r.claimed);
              const target = open.length ? open[s.pick % open.length]! : undefined;
              const targetPayout = target
                ? (await read<[bigint, bigint]>("pool", "withdrawalShares", [target.id]))[1]
                : undefined;
              const thiefShares = await read<bigint>("pool", "balanceOf", [thief.address]);
              const victimWallet = await system.ethBalance(victim.address);
              if (victimShares > 0n) {
                await system.expectRevert(
                  thief,
                  "pool",
                  "transferFrom",
                  [victim.address, thief.address, victimShares],
                  "ERC20InsufficientAllowance",
                  [thief.address, 0n, victimShares],
                );
                count("stealShares");
              }
              if (target && targetPayout! > 0n) {
                await system.expectRevert(thief, "pool", "claimWithdrawal", [target.id], "NotRequestOwner", [
                  target.id,
                ]);
                count("stealRequest");
              }
              // An initiator's mini-pool: its held ETH once exited, or its bond while active.
              const ids = [...truth.keys()];
              const id = ids[s.pick % ids.length]!;
              const m = await read<{ state: number; initiator: bigint; initiatorHeld: bigint; bondReturned: boolean }>(
                "miniPools",
                "miniPool",
                [id],
              );
              if (m.state === State.Exited && !m.bondReturned && m.initiatorHeld > 0n) {
                await system.expectRevert(thief, "miniPools", "claimBond", [id], "NotInitiator", [m.initiator]);
                count("stealBond");
              } else if (m.state === State.Active) {
                await system.expectRevert(thief, "miniPools", "requestExit", [id], "NotOwnerOrGovernance", [id]);
                count("stealExit");
              }
              // The victim's holdings are exactly what they were, and the thief gained nothing.
              expect(await read<bigint>("pool", "balanceOf", [victim.address]), "victim's cETH").toBe(victimShares);
              expect(await system.ethBalance(victim.address), "victim's wallet").toBe(victimWallet);
              if (target)
                expect((await read<[bigint, bigint]>("pool", "withdrawalShares", [target.id]))[1]).toBe(targetPayout);
              const after = await read<{ initiatorHeld: bigint; state: number }>("miniPools", "miniPool", [id]);
              expect([after.state, after.initiatorHeld]).toEqual([m.state, m.initiatorHeld]);
              expect(await read<bigint>("pool", "balanceOf", [thief.address])).toBe(thiefShares);
              break;
            }
          }

          // ─── invariants after every step ───
          const [free, reserved, bonds, initiatorsHeld, beacon, totalAssets, supply, poolEth, depositEth, unbookedEth] =
            await Promise.all([
              read<bigint>("pool", "freeEth"),
              read<bigint>("pool", "reservedForQueue"),
              read<bigint>("pool", "bondsHeld"),
              read<bigint>("pool", "initiatorsHeld"),
              read<bigint>("pool", "beaconAssets"),
              read<bigint>("pool", "totalAssets"),
              read<bigint>("pool", "totalSupply"),
              system.ethBalance(system.addresses.pool),
              system.ethBalance(system.addresses.deposit),
              read<bigint>("pool", "unbookedEth"),
            ]);
          expect(unbookedEth, "withdrawals not yet reported").toBe(unbooked);
          expect(poolEth, "pool ETH = free + reserved + bonds + initiators' + unreported").toBe(
            free + reserved + bonds + initiatorsHeld + unbooked,
          );
          expect(depositEth, "deposit contract holds every deposit made").toBe(deposited);
          expect(totalAssets).toBe(free + reserved + beacon);
          const all = [
            ...(await holdings()),
            await read<bigint>("pool", "balanceOf", [await read<Hex>("pool", "DEAD")]),
            await read<bigint>("pool", "balanceOf", [system.addresses.pool]),
          ];
          expect(
            all.reduce((a, b) => a + b, 0n),
            "every share is held by a staker, DEAD or a request",
          ).toBe(supply);
          const valued = await Promise.all(all.map((h) => read<bigint>("pool", "convertToAssets", [h])));
          expect(
            valued.reduce((a, b) => a + b, 0n),
            "assets cover shares",
          ).toBeLessThanOrEqual(totalAssets);
          // Per-validator booking adds up: the pool's beacon claim is what each funded validator's booked value leaves
          // after its initiator's part, and initiators' parts never exceed the value they are part of.
          let poolParts = 0n;
          for (const id of await read<bigint[]>("miniPools", "activeMiniPools")) {
            const v = await read<{ booked: bigint; initiatorClaim: bigint }>("miniPools", "miniPool", [id]);
            expect(v.initiatorClaim, `mini-pool ${id}: initiator's part within its value`).toBeLessThanOrEqual(
              v.booked,
            );
            poolParts += v.booked - v.initiatorClaim;
          }
          expect(beacon, "beaconAssets = Σ (booked − initiator's part) over funded validators").toBe(poolParts);
        }

        // ─── nobody ends with more than it put in plus its fair share of booked gains ───
        const final = await holdings();
        for (const [i, book] of books.entries()) {
          let open = 0n;
          for (const r of requests.filter((q) => q.staker === i && !q.claimed)) {
            open += (await read<[bigint, bigint]>("pool", "withdrawalShares", [r.id]))[1];
          }
          const value = await read<bigint>("pool", "convertToAssets", [final[i]!]);
          expect(book.received + value + open, `staker ${i}`).toBeLessThanOrEqual(book.putIn + book.fairGain);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    if (process.env.COHORT_PROPERTY_STATS) console.info(Object.fromEntries(seen));
    for (const what of [
      "deposit",
      "claim",
      "confirm",
      "collusion",
      "frontrun",
      "frontrunRefused",
      "verified",
      "keeperBetweenVotes",
      "sandwich",
      "gain",
      "loss",
      "sweep",
      "exit",
      "fund",
      "stealShares",
      "stealRequest",
      "stealExit",
    ]) {
      expect(seen.get(what) ?? 0, `no run ever did ${what}`).toBeGreaterThan(0);
    }
  });
});
