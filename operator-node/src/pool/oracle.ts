/**
 * Oracle reports: once per reporting period, every node serving an Active mini-pool reports the total beacon balance
 * of all Active mini-pool validators at the period's first slot, and each operator's participation. The contract
 * accepts a report when a quorum of nodes sent the identical one, so everything in it is read from the beacon chain
 * at a fixed slot: any two honest nodes on the same chain build the same bytes.
 *
 * Participation is per validator, from the beacon chain: did its balance hold or grow over the period (duties done)
 * or fall (duties missed). An operator's figure is the average over the mini-pools it serves; the members of one
 * committee share it, because the chain cannot tell which member failed. Per-member blame needs signed evidence of
 * who sent partial signatures, which is a later step.
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

export interface OracleReport {
  readonly epoch: bigint;
  /** Wei. */
  readonly totalBalance: bigint;
  /** Ascending. */
  readonly operatorIds: bigint[];
  readonly participationBps: number[];
}

export interface ReportedValidator {
  readonly pubkey: Hex;
  readonly operatorIds: readonly bigint[];
  /** Gwei at the period's first slot; undefined when the beacon chain does not know the validator yet. */
  readonly balance: bigint | undefined;
  /** Gwei one period earlier; undefined when unknown then. */
  readonly previousBalance: bigint | undefined;
}

/** The report every honest node builds from the same beacon data. Pure. */
export function buildReport(epoch: bigint, validators: readonly ReportedValidator[]): OracleReport {
  let total = 0n;
  const scores = new Map<bigint, number[]>();
  for (const v of validators) {
    total += v.balance ?? DEPOSIT_GWEI;
    // Not on the chain yet (or only since this period): nothing was due, so nothing was missed.
    const kept = v.balance === undefined || v.previousBalance === undefined || v.balance >= v.previousBalance;
    for (const id of v.operatorIds) scores.set(id, [...(scores.get(id) ?? []), kept ? BPS : 0]);
  }
  const operatorIds = [...scores.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const participationBps = operatorIds.map((id) => {
    const s = scores.get(id)!;
    return Math.floor(s.reduce((a, b) => a + b, 0) / s.length);
  });
  return { epoch, totalBalance: total * GWEI, operatorIds, participationBps };
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

  constructor(private readonly cfg: OracleReporterConfig) {}

  /** Reports once for the current period when this operator is due to; returns the report sent, if any. */
  async tick(): Promise<OracleReport | undefined> {
    const { client, miniPools, operatorId } = this.cfg;
    const epoch = reportEpoch(Math.floor(slotAt(this.cfg.beacon, Date.now()) / SLOTS_PER_EPOCH), this.cfg.periodEpochs);
    // Nothing more can be due for a settled epoch (the contract's last epoch and our report only ever move forward),
    // so the node's poll loop asks the chain nothing until the next period.
    if (epoch === this.settled) return undefined;
    const served = await client.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "activeMiniPoolsOf",
      args: [operatorId],
    });
    if (served === 0n) return undefined;
    this.oracle ??= await client.readContract({ address: miniPools, abi: cohortMiniPoolsAbi, functionName: "oracle" });
    const last = await client.readContract({ address: this.oracle, abi: cohortOracleAbi, functionName: "lastEpoch" });
    const due = epoch > last && BigInt(await this.reportOf(epoch)) === 0n;
    const report = due ? buildReport(epoch, await this.validators(epoch)) : undefined;
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

  private async validators(epoch: bigint): Promise<ReportedValidator[]> {
    const { client, miniPools } = this.cfg;
    const ids = await client.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "activeMiniPools",
    });
    const pools = await Promise.all(
      ids.map((id) =>
        client.readContract({ address: miniPools, abi: cohortMiniPoolsAbi, functionName: "miniPool", args: [id] }),
      ),
    );
    const pubkeys = pools.map((p) => p.validatorPubkey as Hex);
    const slot = Number(epoch) * SLOTS_PER_EPOCH;
    const now = await this.balances(slot, pubkeys);
    const before = await this.balances(Math.max(0, slot - this.cfg.periodEpochs * SLOTS_PER_EPOCH), pubkeys);
    return pools.map((p, i) => ({
      pubkey: pubkeys[i]!,
      operatorIds: [...p.operatorIds],
      balance: now.get(pubkeys[i]!.toLowerCase()),
      previousBalance: before.get(pubkeys[i]!.toLowerCase()),
    }));
  }

  /** Gwei balances at a slot's state, by lower-case 0x pubkey; validators unknown to the chain are absent. */
  private async balances(slot: number, pubkeys: readonly Hex[]): Promise<Map<string, bigint>> {
    const found = new Map<string, bigint>();
    if (pubkeys.length === 0) return found;
    const url = `${this.cfg.beacon.url}/eth/v1/beacon/states/${slot}/validators?id=${pubkeys.join(",")}`;
    const res = await fetch(url);
    if (res.status === 404) return found;
    if (!res.ok) throw new Error(`beacon node answered ${res.status} for the validators at slot ${slot}`);
    const body = (await res.json()) as { data: { balance: string; validator: { pubkey: string } }[] };
    for (const v of body.data) found.set(v.validator.pubkey.toLowerCase(), BigInt(v.balance));
    return found;
  }

  private async submit(r: OracleReport): Promise<void> {
    const { request } = await this.cfg.client.simulateContract({
      address: this.oracle!,
      abi: cohortOracleAbi,
      functionName: "submitReport",
      args: [r.epoch, r.totalBalance, r.operatorIds, r.participationBps],
      account: this.cfg.account,
    });
    const hash = await createWalletClient({
      account: this.cfg.account,
      transport: http(this.cfg.rpcUrl),
    }).writeContract(request);
    const receipt = await this.cfg.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`submitReport reverted in block ${receipt.blockNumber}`);
    this.cfg.log.info("oracle report sent", {
      epoch: r.epoch,
      totalBalanceWei: r.totalBalance,
      operators: r.operatorIds.map(String),
      tx: hash,
    });
  }
}
