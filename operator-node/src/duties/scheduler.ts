/**
 * Scheduler: a slot clock plus the beacon node's attester duties for the committee's validators. Duties of an epoch
 * are fetched one epoch ahead (the API's lookahead), so the first slot of an epoch does not wait for them. A duty
 * fires at 1/3 of its slot, when the slot's block should be known. Belongs in duties/ (kept here, see sigagg.ts).
 */

import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { DutyKind } from "../consensus/types.js";
import type { Logger } from "../log.js";
import type { Deadline, Duty, Scheduler } from "../workflow.js";
import { type AttesterDuty, attesterDuties } from "./attester.js";
import { type BeaconChain, slotAt, slotStartMs } from "./beacon.js";

export class AttesterScheduler implements Scheduler {
  private readonly loading = new Map<number, Promise<AttesterDuty[]>>();
  private readonly loaded = new Map<number, AttesterDuty[]>();
  /** The index-set version each epoch's duties were requested with. */
  private readonly loadedVersion = new Map<number, number>();

  constructor(
    private readonly chain: BeaconChain,
    /** Read at each epoch's load, so validators that gain an index later get duties from then on. */
    private readonly indices: () => readonly number[],
    private readonly log: Logger,
    /** Changes whenever `indices()` does: loaded epochs are requested again for the new set. */
    private readonly version: () => number = () => 0,
  ) {}

  /** The duties of one slot, once its epoch is loaded (always the case when its Duty fires). */
  dutiesAt(slot: number): AttesterDuty[] {
    return (this.loaded.get(epochOf(slot)) ?? []).filter((d) => d.slot === slot);
  }

  subscribe(onDuty: (duty: Duty, deadline: Deadline) => void): () => void {
    const slotMs = this.chain.secondsPerSlot * 1000;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const fire = async (slot: number): Promise<void> => {
      const epoch = epochOf(slot);
      this.reloadIfStale(epoch);
      this.reloadIfStale(epoch + 1);
      void this.load(epoch + 1);
      await this.load(epoch);
      this.forgetBefore(epoch - 1);
      if (stopped || this.dutiesAt(slot).length === 0) return;
      // The attestation is worth most in its slot; consensus must not outlive it.
      const deadline = performance.now() + (slotStartMs(this.chain, slot + 1) - Date.now());
      onDuty({ kind: DutyKind.attester, slot: BigInt(slot) }, deadline);
    };
    let lastFired = -1;
    const next = (): void => {
      const now = Date.now();
      let slot = Math.max(0, slotAt(this.chain, now));
      if (slotStartMs(this.chain, slot) + slotMs / 3 <= now) slot++;
      // Timers may fire a millisecond early: without this, the slot just fired would be scheduled again.
      slot = Math.max(slot, lastFired + 1);
      const at = slotStartMs(this.chain, slot) + slotMs / 3;
      timer = setTimeout(() => {
        if (stopped) return;
        lastFired = slot;
        void fire(slot);
        next();
      }, at - now);
    };
    const current = epochOf(Math.max(0, slotAt(this.chain, Date.now())));
    void this.load(current);
    void this.load(current + 1);
    next();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /**
   * A validator joined, left or got its index since the epoch was loaded: ask again (one request for all). The duties
   * loaded before stay served until the new answer arrives: members reload at their own poll times, and a member
   * with no duties for a slot would drop the consensus and partials of those that have them.
   */
  private reloadIfStale(epoch: number): void {
    const v = this.loadedVersion.get(epoch);
    if (v === undefined || v === this.version()) return;
    this.loading.delete(epoch);
    this.loadedVersion.delete(epoch);
  }

  /** Loads an epoch's duties once; a failure is logged and retried at the next slot. */
  private load(epoch: number): Promise<AttesterDuty[]> {
    let p = this.loading.get(epoch);
    if (!p) {
      this.loadedVersion.set(epoch, this.version());
      const request: Promise<AttesterDuty[]> = attesterDuties(this.chain, epoch, [...this.indices()]).then(
        (duties) => {
          // A reload may have replaced this request meanwhile: its answer is for an older set.
          if (this.loading.get(epoch) === request) this.loaded.set(epoch, duties);
          return duties;
        },
        (e: unknown) => {
          this.loading.delete(epoch);
          this.loadedVersion.delete(epoch);
          this.log.warn("attester duties unavailable; retrying next slot", { epoch, reason: String(e) });
          return [];
        },
      );
      p = request;
      this.loading.set(epoch, p);
    }
    return p;
  }

  private forgetBefore(epoch: number): void {
    for (const e of this.loading.keys()) if (e < epoch) this.loading.delete(e);
    for (const e of this.loaded.keys()) if (e < epoch) this.loaded.delete(e);
    for (const e of this.loadedVersion.keys()) if (e < epoch) this.loadedVersion.delete(e);
  }
}

export const epochOf = (slot: number): number => Math.floor(slot / SLOTS_PER_EPOCH);
