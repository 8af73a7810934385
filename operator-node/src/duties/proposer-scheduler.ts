/**
 * When our validators propose: the epoch's proposer duties from the beacon node and a slot clock that fires at the
 * start of each of our slots (a block is worth most early in its slot: attesters vote on the head at 1/3).
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { DutyKind } from "../consensus/types.js";
import type { Logger } from "../log.js";
import type { Deadline, Duty, Scheduler } from "../workflow.js";
import { type BeaconChain, slotAt, slotStartMs } from "./beacon.js";
import { type ProposerDuty, proposerDuties } from "./proposer.js";

export class ProposerScheduler implements Scheduler {
  private readonly loaded = new Map<number, ProposerDuty[]>();
  private readonly loading = new Map<number, Promise<void>>();

  constructor(
    private readonly chain: BeaconChain,
    /** Read at each epoch's load, so validators that gain an index later get duties from then on. */
    private readonly indices: () => ReadonlySet<number>,
    private readonly log: Logger,
  ) {}

  dutyAt(slot: number): ProposerDuty | undefined {
    return this.loaded.get(epochOf(slot))?.find((d) => d.slot === slot);
  }

  subscribe(onDuty: (duty: Duty, deadline: Deadline) => void): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let lastFired = -1;
    const fire = async (slot: number): Promise<void> => {
      const epoch = epochOf(slot);
      await this.load(epoch);
      // Nodes that serve the next epoch let its first slot start without a request; others refuse, quietly.
      if (slot % SLOTS_PER_EPOCH === SLOTS_PER_EPOCH - 1) void this.load(epoch + 1, true);
      for (const e of this.loaded.keys()) if (e < epoch - 1) this.loaded.delete(e);
      if (stopped || !this.dutyAt(slot)) return;
      // A block after its slot is still valid but is an orphan risk; consensus must not outlive the slot.
      onDuty(
        { kind: DutyKind.proposer, slot: BigInt(slot) },
        performance.now() + slotStartMs(this.chain, slot + 1) - Date.now(),
      );
    };
    const next = (): void => {
      const now = Date.now();
      // Timers may fire a millisecond early: never schedule the slot just fired again.
      const slot = Math.max(slotAt(this.chain, now) + 1, lastFired + 1, 0);
      timer = setTimeout(() => {
        if (stopped) return;
        lastFired = slot;
        void fire(slot);
        next();
      }, slotStartMs(this.chain, slot) - now);
    };
    void this.load(epochOf(Math.max(0, slotAt(this.chain, Date.now()))));
    next();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Loads an epoch's duties once; a failure is logged (unless expected) and retried at the next slot. */
  private load(epoch: number, quiet = false): Promise<void> {
    if (this.loaded.has(epoch)) return Promise.resolve();
    let p = this.loading.get(epoch);
    if (!p) {
      p = proposerDuties(this.chain, epoch, this.indices()).then(
        (duties) => {
          this.loaded.set(epoch, duties);
          this.loading.delete(epoch);
        },
        (e: unknown) => {
          this.loading.delete(epoch);
          if (!quiet) this.log.warn("proposer duties unavailable; retrying next slot", { epoch, reason: String(e) });
        },
      );
      this.loading.set(epoch, p);
    }
    return p;
  }
}

const epochOf = (slot: number): number => Math.floor(slot / SLOTS_PER_EPOCH);
