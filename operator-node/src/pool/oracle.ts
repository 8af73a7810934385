/**
 * Oracle reports: once per reporting period, every node serving a funded mini-pool reports, for each mini-pool
 * validator funded before the period's first epoch and not yet Exited, its beacon balance at that epoch's first slot
 * and the withdrawals to the pool the execution payloads carried for it since the last accepted report's epoch; and
 * each operator's participation. The contract accepts a report when a quorum of nodes sent the identical one, so
 * everything in it is read from the beacon chain at fixed slots: any two honest nodes on the same chain build the same
 * bytes.
 *
 * The same loop votes the second deposit: for every mini-pool whose 1 ETH pre-deposit waits for verification and
 * whose committee this node is not on, it checks on the beacon chain that the key exists with the pool's 0x01
 * withdrawal credentials (a front-runner's earlier deposit would have fixed other credentials) and only then votes.
 *
 * A balance counts the deposits the chain holds for the key but has not applied yet (Electra's pending deposits): the
 * 1 ETH pre-deposit makes the validator known, and its 31 ETH top-up then waits in that queue for minutes to days;
 * without them an honest report would book 31 ETH of the pool and the bond as lost. Before Electra the top-up waits
 * outside the beacon state instead, in eth1 data voting (hours on mainnet, minutes on the devnet): a funded validator
 * that is not yet eligible for activation and whose top-up no beacon block since its funding has carried counts the
 * top-up as in flight (`toppedUpAt`). Eligibility ends the question: it needs the full 32 ETH, so it is read from the
 * validator record and no block is scanned for it.
 *
 * Participation is per validator, from the beacon chain: did its balance (plus what was withdrawn) hold or grow over
 * the period (duties done) or fall (duties missed). An operator's figure is the average over the mini-pools it
 * serves; the members of one committee share it, because the chain cannot tell which member failed.
 */

import { cohortMiniPoolsAbi, cohortOracleAbi } from "@cohort/sdk";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { type Account, type Address, createWalletClient, type Hex, http, type PublicClient } from "viem";
import type { BeaconChain } from "../duties/beacon.js";
import { slotAt } from "../duties/beacon.js";
import type { Logger } from "../log.js";

const GWEI = 10n ** 9n;
/** A funded validator the beacon chain has not credited yet counts at its deposit. */
const DEPOSIT_GWEI = 32n * GWEI;
const BPS = 10_000;
/** Keys per validators query: one URL stays well under servers' limits (~100 bytes a key). */
const VALIDATORS_PER_QUERY = 50;
/** A validator record's epoch fields when unset. */
const FAR_FUTURE_EPOCH = "18446744073709551615";
/** MiniPoolState values (PoolTypes.sol). */
const MINIPOOL_AWAITING_DKG = 0;
const MINIPOOL_FAILED = 3;
const MINIPOOL_PENDING_VERIFICATION = 6;

export interface OracleReport {
  readonly epoch: bigint;
  /** Ascending. */
  readonly miniPoolIds: bigint[];
  /** Gwei, per mini-pool. */
  readonly balancesGwei: bigint[];
  /** Gwei withdrawn to the pool since the last accepted report, per mini-pool. */
  readonly withdrawnGwei: bigint[];
  /** Ascending. */
  readonly operatorIds: bigint[];
  readonly participationBps: number[];
}

export interface ReportedValidator {
  readonly miniPoolId: bigint;
  readonly pubkey: Hex;
  readonly operatorIds: readonly bigint[];
  /**
   * Gwei at the period's first slot, its pending deposits included; undefined when the beacon chain does not know the
   * validator yet.
   */
  readonly balance: bigint | undefined;
  /** Gwei one period earlier; undefined when unknown then. */
  readonly previousBalance: bigint | undefined;
  /** Gwei withdrawn to the pool since the last accepted report's epoch. */
  readonly withdrawn: bigint;
}

/** The report every honest node builds from the same beacon data. Pure. */
export function buildReport(epoch: bigint, validators: readonly ReportedValidator[]): OracleReport {
  const sorted = [...validators].sort((a, b) => (a.miniPoolId < b.miniPoolId ? -1 : 1));
  const scores = new Map<bigint, number[]>();
  for (const v of sorted) {
    // Not on the chain yet (or only since this period): nothing was due, so nothing was missed.
    const kept =
      v.balance === undefined || v.previousBalance === undefined || v.balance + v.withdrawn >= v.previousBalance;
    for (const id of v.operatorIds) scores.set(id, [...(scores.get(id) ?? []), kept ? BPS : 0]);
  }
  const operatorIds = [...scores.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const participationBps = operatorIds.map((id) => {
    const s = scores.get(id)!;
    return Math.floor(s.reduce((a, b) => a + b, 0) / s.length);
  });
  return {
    epoch,
    miniPoolIds: sorted.map((v) => v.miniPoolId),
    balancesGwei: sorted.map((v) => v.balance ?? DEPOSIT_GWEI),
    withdrawnGwei: sorted.map((v) => v.withdrawn),
    operatorIds,
    participationBps,
  };
}

/** Gwei per validator index withdrawn to `address` in a block's execution payload withdrawals. Pure. */
export function withdrawalsTo(
  address: Address,
  withdrawals: readonly { validator_index: string; address: string; amount: string }[],
): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const w of withdrawals) {
    if (w.address.toLowerCase() !== address.toLowerCase()) continue;
    sums.set(w.validator_index, (sums.get(w.validator_index) ?? 0n) + BigInt(w.amount));
  }
  return sums;
}

/** What a report reads from a block body: withdrawals, and deposits for the top-up search. */
interface ReportedBlock extends BlockDeposits {
  execution_payload?: { withdrawals?: { validator_index: string; address: string; amount: string }[] };
}

/** Deposits a block body carries: the eth1 bridge's (before Electra) and the execution requests' (Electra on). */
export interface BlockDeposits {
  deposits?: readonly { data: { pubkey: string; amount: string } }[];
  execution_requests?: { deposits?: readonly { pubkey: string; amount: string }[] };
}

/** Gwei withdrawn to `address` per validator index over some blocks' execution payloads. Pure. */
function withdrawalsIn(address: Address, blocks: ReadonlyMap<number, ReportedBlock>): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const body of blocks.values()) {
    for (const [index, gwei] of withdrawalsTo(address, body.execution_payload?.withdrawals ?? [])) {
      sums.set(index, (sums.get(index) ?? 0n) + gwei);
    }
  }
  return sums;
}

/** Lower-case 0x pubkeys among `watched` that a block body carries a deposit of exactly `amountGwei` for. Pure. */
export function depositsOf(body: BlockDeposits, watched: ReadonlySet<string>, amountGwei: bigint): string[] {
  const all = [...(body.deposits ?? []).map((d) => d.data), ...(body.execution_requests?.deposits ?? [])];
  return all
    .filter((d) => BigInt(d.amount) === amountGwei && watched.has(d.pubkey.toLowerCase()))
    .map((d) => d.pubkey.toLowerCase());
}

/** The epoch to report at `currentEpoch`: the latest complete period boundary. */
export function reportEpoch(currentEpoch: number, periodEpochs: number): bigint {
  return BigInt(Math.max(0, Math.floor((currentEpoch - 1) / periodEpochs) * periodEpochs));
}

export interface OracleReporterConfig {
  readonly client: Pick<PublicClient, "readContract" | "simulateContract" | "waitForTransactionReceipt">;
  readonly rpcUrl: string;
  readonly miniPools: Address;
  readonly operatorId: bigint;
  readonly account: Account;
  readonly beacon: BeaconChain;
  readonly periodEpochs: number;
  readonly log: Logger;
}

export class OracleReporter {
  private oracle: Address | undefined;
  /** The last report epoch that needs nothing more from this node. */
  private settled: bigint | undefined;
  /** Lowest mini-pool id that may still need this node's verification vote. */
  private verifyFrom = 0n;
  /**
   * Per funded validator (lower-case pubkey) not yet seen eligible: the last slot whose block was searched for its
   * top-up, and the slot whose block carried it, once found.
   */
  private readonly topUps = new Map<string, { through: number; arrivedAt?: number }>();
  private topUpGwei: bigint | undefined;

  constructor(private readonly cfg: OracleReporterConfig) {}

  /** Reports once for the current period when this operator is due to; returns the report sent, if any. */
  async tick(): Promise<OracleReport | undefined> {
    const { client, miniPools, operatorId } = this.cfg;
    const epoch = reportEpoch(Math.floor(slotAt(this.cfg.beacon, Date.now()) / SLOTS_PER_EPOCH), this.cfg.periodEpochs);
    const served = await client.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "activeMiniPoolsOf",
      args: [operatorId],
    });
    if (served === 0n) return undefined;
    await this.verifyPending();
    // Nothing more can be due for a settled epoch (the contract's last epoch and our report only ever move forward),
    // so the node's poll loop asks the chain nothing until the next period.
    if (epoch === this.settled) return undefined;
    this.oracle ??= await client.readContract({ address: miniPools, abi: cohortMiniPoolsAbi, functionName: "oracle" });
    const last = await client.readContract({ address: this.oracle, abi: cohortOracleAbi, functionName: "lastEpoch" });
    const due = epoch > last && BigInt(await this.reportOf(epoch)) === 0n;
    const report = due ? buildReport(epoch, await this.validators(epoch, last)) : undefined;
    if (report) await this.submit(report);
    this.settled = epoch;
    return report;
  }

  private reportOf(epoch: bigint) {
    return this.cfg.client.readContract({
      address: this.oracle!,
      abi: cohortOracleAbi,
      functionName: "reportOf",
      args: [epoch, this.cfg.operatorId],
    });
  }

  /**
   * Votes verifyValidator for pre-deposited keys of other committees that the beacon chain shows with the pool's
   * credentials. Scans mini-pool ids from the lowest one that may still wait, so each id is read a bounded number of
   * times.
   */
  private async verifyPending(): Promise<void> {
    const { client, miniPools, operatorId } = this.cfg;
    this.oracle ??= await client.readContract({ address: miniPools, abi: cohortMiniPoolsAbi, functionName: "oracle" });
    const count = await client.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "miniPoolCount",
    });
    const credentials = (await client.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "withdrawalCredentials",
    })) as Hex;
    let stillWaiting: bigint | undefined;
    for (let id = this.verifyFrom; id < count; id++) {
      const m = await client.readContract({
        address: miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "miniPool",
        args: [id],
      });
      // Before the pre-deposit (AwaitingDkg, Failed) it may still come; later states need nothing more.
      if (m.state === MINIPOOL_AWAITING_DKG || m.state === MINIPOOL_FAILED) stillWaiting ??= id;
      if (m.state !== MINIPOOL_PENDING_VERIFICATION) continue;
      stillWaiting ??= id;
      if (m.operatorIds.includes(operatorId)) continue;
      const voted = await client.readContract({
        address: this.oracle,
        abi: cohortOracleAbi,
        functionName: "hasVerified",
        args: [id, operatorId],
      });
      if (voted) continue;
      const seen = await this.credentialsOf(m.validatorPubkey as Hex);
      if (seen === undefined) continue; // the pre-deposit is not processed yet: next poll
      if (seen.toLowerCase() !== credentials.toLowerCase()) {
        this.cfg.log.warn("mini-pool key has foreign withdrawal credentials: not verifying", { miniPool: id, seen });
        continue;
      }
      await this.sendTx("verifyValidator", [id]);
      this.cfg.log.info("mini-pool key verified on the beacon chain", { miniPool: id });
    }
    this.verifyFrom = stillWaiting ?? count;
  }

  /** The withdrawal credentials the beacon chain holds for a key (head state), or undefined if it has none yet. */
  private async credentialsOf(pubkey: Hex): Promise<string | undefined> {
    const res = await fetch(`${this.cfg.beacon.url}/eth/v1/beacon/states/head/validators?id=${pubkey}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`beacon node answered ${res.status} for validator ${pubkey}`);
    const body = (await res.json()) as { data: { validator: { withdrawal_credentials: string } }[] };
    return body.data[0]?.validator.withdrawal_credentials;
  }

  private async validators(epoch: bigint, lastEpoch: bigint): Promise<ReportedValidator[]> {
    const { client, miniPools } = this.cfg;
    const ids = await client.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "activeMiniPools",
    });
    const all = await Promise.all(
      ids.map(async (id) => ({
        id,
        pool: await client.readContract({
          address: miniPools,
          abi: cohortMiniPoolsAbi,
          functionName: "miniPool",
          args: [id],
        }),
      })),
    );
    // Exactly the set the contract binds a report to: funded before the report's epoch.
    const covered = all.filter((p) => p.pool.fundedEpoch < epoch);
    const pubkeys = covered.map((p) => p.pool.validatorPubkey as Hex);
    const slot = Number(epoch) * SLOTS_PER_EPOCH;
    const previousSlot = Math.max(0, slot - this.cfg.periodEpochs * SLOTS_PER_EPOCH);
    const now = await this.balances(slot, pubkeys, true);
    // The previous period's state only weighs participation; a node that no longer has it counts duties as done.
    const before = await this.balances(previousSlot, pubkeys, false);
    const fundedSlots = covered.map((p) => Number(p.pool.fundedEpoch) * SLOTS_PER_EPOCH);
    const blocks = this.canonicalBlocks(slot);
    const inFlight = await this.topUpsInFlight(
      slot,
      pubkeys.map((k, i) => ({ key: k.toLowerCase(), fundedSlot: fundedSlots[i]! })),
      now,
      blocks,
    );
    const poolAddress = `0x${(
      (await client.readContract({
        address: miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "withdrawalCredentials",
      })) as Hex
    ).slice(-40)}` as Address;
    const withdrawn = withdrawalsIn(poolAddress, await blocks(Number(lastEpoch) * SLOTS_PER_EPOCH));
    return covered.map((p, i) => {
      const key = pubkeys[i]!.toLowerCase();
      const index = now.get(key)?.index ?? before.get(key)?.index;
      const at = (found: Map<string, { balance: bigint }>, s: number) => {
        const v = found.get(key);
        return v === undefined ? undefined : v.balance + (inFlight(key, s) ? this.topUpGwei! : 0n);
      };
      return {
        miniPoolId: p.id,
        pubkey: pubkeys[i]!,
        operatorIds: [...p.pool.operatorIds],
        balance: at(now, slot),
        previousBalance: at(before, previousSlot),
        withdrawn: index === undefined ? 0n : (withdrawn.get(index) ?? 0n),
      };
    });
  }

  /**
   * Which funded validators' top-ups are still outside the beacon state (before Electra: in eth1 data voting), as a
   * function of (pubkey, slot ≤ `slot`). A validator counts while the chain knows it (its pre-deposit), is not yet
   * eligible for activation at `slot`, was funded by then and no block from its funding slot through that slot carried
   * a deposit of the top-up's amount for it. Each block is read once per validator: the search resumes where it
   * stopped, and ends for good once the top-up is found or the validator is seen eligible.
   */
  private async topUpsInFlight(
    slot: number,
    validators: readonly { key: string; fundedSlot: number }[],
    found: Map<string, { eligible: boolean; pending: bigint }>,
    blocks: (from: number) => Promise<ReadonlyMap<number, ReportedBlock>>,
  ): Promise<(key: string, at: number) => boolean> {
    if (!validators.some((v) => found.get(v.key)?.eligible === false)) return () => false;
    this.topUpGwei ??=
      DEPOSIT_GWEI -
      (await this.cfg.client.readContract({
        address: this.cfg.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "PRE_DEPOSIT",
      })) /
        GWEI;
    const watched = new Map<string, { fundedSlot: number; through: number; arrivedAt?: number }>();
    for (const v of validators) {
      const known = found.get(v.key);
      if (!known) continue;
      // Eligible, or the top-up in the state's own queue (Electra; already counted): it has arrived.
      if (known.eligible || known.pending >= this.topUpGwei) {
        this.topUps.delete(v.key);
        continue;
      }
      const state = this.topUps.get(v.key) ?? { through: v.fundedSlot - 1 };
      this.topUps.set(v.key, state);
      watched.set(v.key, { fundedSlot: v.fundedSlot, ...state });
    }
    if (watched.size === 0) return () => false;
    const searching = [...watched].filter(([, w]) => w.arrivedAt === undefined && w.through < slot);
    if (searching.length > 0) {
      const from = Math.min(...searching.map(([, w]) => w.through + 1));
      const bodies = await blocks(from - 1);
      for (let s = from; s <= slot; s++) {
        const keys = new Set(searching.filter(([, w]) => w.through < s && w.arrivedAt === undefined).map(([k]) => k));
        if (keys.size === 0) continue;
        const body = bodies.get(s);
        const arrived = body ? new Set(depositsOf(body, keys, this.topUpGwei)) : new Set<string>();
        for (const key of keys) {
          const state = this.topUps.get(key)!;
          state.through = s;
          if (arrived.has(key)) state.arrivedAt = s;
          watched.set(key, { ...watched.get(key)!, ...state });
        }
      }
    }
    return (key, at) => {
      const w = watched.get(key);
      if (!w || at < w.fundedSlot) return false;
      return w.arrivedAt === undefined || w.arrivedAt > at;
    };
  }

  /**
   * The canonical blocks of slots (from, `to`], by slot, for any `from` asked: walked back from the head by parent
   * roots, once, as far as the lowest `from` asked so far. Not by slot lookups: Lodestar answers 404 both for an empty
   * slot and for a block it is just moving into its archive (seen right after finalization, at the epoch start when
   * reports are built), and a block missed that way would drop its withdrawals from one node's report only.
   */
  private canonicalBlocks(to: number): (from: number) => Promise<ReadonlyMap<number, ReportedBlock>> {
    const bodies = new Map<number, ReportedBlock>();
    let next: string | undefined = "head";
    let lowest = Number.POSITIVE_INFINITY;
    return async (from) => {
      while (next !== undefined && lowest > from) {
        const res = await fetch(`${this.cfg.beacon.url}/eth/v2/beacon/blocks/${next}`);
        if (!res.ok) throw new Error(`beacon node answered ${res.status} for block ${next}`);
        const { message } = (
          (await res.json()) as { data: { message: { slot: string; parent_root: string; body: ReportedBlock } } }
        ).data;
        lowest = Number(message.slot);
        if (lowest <= to) bodies.set(lowest, message.body);
        next = lowest === 0 ? undefined : message.parent_root;
      }
      return new Map([...bodies].filter(([slot]) => slot > from));
    };
  }

  /**
   * Gwei balances (plus pending deposits, also given apart), indices and activation eligibility at a slot's state, by
   * lower-case 0x pubkey; validators unknown to the chain are absent.
   */
  private async balances(
    slot: number,
    pubkeys: readonly Hex[],
    stateRequired: boolean,
  ): Promise<Map<string, { balance: bigint; index: string; eligible: boolean; pending: bigint }>> {
    const found = new Map<string, { balance: bigint; index: string; eligible: boolean; pending: bigint }>();
    const listed: {
      index: string;
      balance: string;
      validator: { pubkey: string; activation_eligibility_epoch: string };
    }[] = [];
    for (let i = 0; i < pubkeys.length; i += VALIDATORS_PER_QUERY) {
      // One `id` parameter per key: Lodestar 1.5.1 reads "id=a,b" as one unknown id and answers an empty list, which
      // reported every mini-pool at its 32 ETH deposit with nothing withdrawn once there were two.
      const ids = pubkeys.slice(i, i + VALIDATORS_PER_QUERY).map((k) => `id=${k}`);
      const res = await fetch(`${this.cfg.beacon.url}/eth/v1/beacon/states/${slot}/validators?${ids.join("&")}`);
      // Unknown keys are left out of a 200; a 404 is the state itself missing (pruned, or not yet regenerated). Read
      // as "validators unknown" it would report each at its 32 ETH deposit, so the report's own state must be there.
      if (res.status === 404 && stateRequired) {
        throw new Error(`the beacon node has no state at slot ${slot} (404); the report waits for it`);
      }
      if (res.status === 404) return found;
      if (!res.ok) throw new Error(`beacon node answered ${res.status} for the validators at slot ${slot}`);
      listed.push(...((await res.json()) as { data: typeof listed }).data);
    }
    const pending = listed.length > 0 ? await this.pendingDeposits(slot) : new Map<string, bigint>();
    for (const v of listed) {
      const key = v.validator.pubkey.toLowerCase();
      found.set(key, {
        balance: BigInt(v.balance) + (pending.get(key) ?? 0n),
        pending: pending.get(key) ?? 0n,
        index: v.index,
        eligible: v.validator.activation_eligibility_epoch !== FAR_FUTURE_EPOCH,
      });
    }
    return found;
  }

  /** Gwei of deposits queued in a slot's state and not yet applied, by lower-case 0x pubkey. */
  private async pendingDeposits(slot: number): Promise<Map<string, bigint>> {
    const sums = new Map<string, bigint>();
    const res = await fetch(`${this.cfg.beacon.url}/eth/v1/beacon/states/${slot}/pending_deposits`);
    // This state's validators were just served, so a refusal here is of the route, not the state: a chain before
    // Electra has no such queue (its deposits are applied when included), so nothing is pending.
    if (res.status === 404 || res.status === 400) return sums;
    if (!res.ok) throw new Error(`beacon node answered ${res.status} for the pending deposits at slot ${slot}`);
    const body = (await res.json()) as { data: { pubkey: string; amount: string }[] };
    for (const d of body.data) {
      const key = d.pubkey.toLowerCase();
      sums.set(key, (sums.get(key) ?? 0n) + BigInt(d.amount));
    }
    return sums;
  }

  private async submit(r: OracleReport): Promise<void> {
    const hash = await this.sendTx("submitReport", [r]);
    this.cfg.log.info("oracle report sent", {
      epoch: r.epoch,
      validators: r.miniPoolIds.length,
      operators: r.operatorIds.map(String),
      tx: hash,
    });
  }

  private async sendTx(functionName: "submitReport" | "verifyValidator", args: readonly unknown[]): Promise<Hex> {
    const { request } = await this.cfg.client.simulateContract({
      address: this.oracle!,
      abi: cohortOracleAbi,
      functionName,
      args,
      account: this.cfg.account,
      // biome-ignore lint/suspicious/noExplicitAny: two functions of one ABI; viem checks args at run time
    } as any);
    const hash = await createWalletClient({
      account: this.cfg.account,
      transport: http(this.cfg.rpcUrl),
    }).writeContract(request);
    const receipt = await this.cfg.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted in block ${receipt.blockNumber}`);
    return hash;
  }
}
