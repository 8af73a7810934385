/**
 * When our validators propose: the epoch's proposer duties from the beacon node and a slot clock that fires at the
 * start of each of our slots (a block is worth most early in its slot: attesters vote on the head at 1/3).
 *
 * Duties fetched before their epoch starts are a prediction (the shuffling's dependent block may still change, and a
 * beacon node may not serve the next epoch at all): they are fetched again at the epoch's first slot and the answer
 * of the epoch itself replaces them. Only duties fetched once the epoch has started are kept for the whole epoch.
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { DutyKind } from "../consensus/types.js";
import type { Logger } from "../log.js";
import type { Deadline, Duty, Scheduler } from "../workflow.js";
import { type BeaconChain, slotAt, slotStartMs } from "./beacon.js";
import { type ProposerDuties, type ProposerDuty, proposerDuties } from "./proposer.js";

interface Loaded {
  readonly duties: ProposerDuties;
  /** Fetched once the epoch had started: no later answer for the epoch is needed. */
  readonly settled: boolean;
}

export class ProposerScheduler implements Scheduler {
  private readonly loaded = new Map<number, Loaded>();
  private readonly loading = new Map<number, { readonly settled: boolean; readonly done: Promise<void> }>();

  constructor(
    private readonly chain: BeaconChain,
    /** Read at each epoch's load, so validators that gain an index later get duties from then on. */
    private readonly indices: () => ReadonlySet<number>,
    private readonly log: Logger,
  ) {}

  dutyAt(slot: number): ProposerDuty | undefined {
    return this.loaded.get(epochOf(slot))?.duties.duties.find((d) => d.slot === slot);
  }

  /** Whether the duties of `slot`'s epoch are known (settled or predicted). */
  knows(slot: number): boolean {
    return this.loaded.has(epochOf(slot));
  }

  subscribe(onDuty: (duty: Duty, deadline: Deadline) => void): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let lastFired = -1;
    let firstSlot: number | undefined;
    /** Our proposal slots already handed out, so a duty learnt of late is handed out once, as expired. */
    const handed = new Set<number>();
    const fire = async (slot: number): Promise<void> => {
      const epoch = epochOf(slot);
      firstSlot ??= slot;
      await this.load(epoch);
      // Nodes that serve the next epoch let its first slot start from a prediction; others refuse, quietly.
      if (slot % SLOTS_PER_EPOCH === SLOTS_PER_EPOCH - 1) void this.load(epoch + 1, true);
      for (const e of this.loaded.keys()) if (e < epoch - 1) this.loaded.delete(e);
      for (const s of handed) if (s < (epoch - 1) * SLOTS_PER_EPOCH) handed.delete(s);
      if (stopped) return;
      // Our slots that passed while the epoch's duties could not be loaded: already over, so handed out expired.
      for (const d of this.loaded.get(epoch)?.duties.duties ?? []) {
        if (d.slot >= firstSlot && d.slot < slot && !handed.has(d.slot)) {
          handed.add(d.slot);
          onDuty({ kind: DutyKind.proposer, slot: BigInt(d.slot) }, performance.now() - 1);
        }
      }
      if (!this.dutyAt(slot) || handed.has(slot)) return;
      handed.add(slot);
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

  /**
   * Loads an epoch's duties until an answer fetched inside the epoch is held; a failure is logged (unless expected)
   * and retried at the next slot. A prediction that fails to settle is kept and used.
   */
  private load(epoch: number, quiet = false): Promise<void> {
    if (this.loaded.get(epoch)?.settled) return Promise.resolve();
    const settled = Date.now() >= slotStartMs(this.chain, epoch * SLOTS_PER_EPOCH);
    const inFlight = this.loading.get(epoch);
    if (inFlight?.settled || (inFlight && !settled)) return inFlight.done;
    // A prediction still in flight when the epoch starts is waited for, then asked again.
    const done = (inFlight?.done ?? Promise.resolve()).then(() => this.fetch(epoch, settled, quiet));
    const entry = { settled, done };
    this.loading.set(epoch, entry);
    void done.finally(() => {
      if (this.loading.get(epoch) === entry) this.loading.delete(epoch);
    });
    return done;
  }

  private async fetch(epoch: number, settled: boolean, quiet: boolean): Promise<void> {
    if (this.loaded.get(epoch)?.settled) return;
    try {
      const duties = await proposerDuties(this.chain, epoch, this.indices());
      const before = this.loaded.get(epoch)?.duties;
      if (before && before.dependentRoot !== duties.dependentRoot) {
        this.log.info("proposer duties changed with their dependent root", {
          epoch,
          predicted: before.dependentRoot,
          dependentRoot: duties.dependentRoot,
        });
      }
      this.loaded.set(epoch, { duties, settled });
    } catch (e) {
      if (!quiet) this.log.warn("proposer duties unavailable; retrying next slot", { epoch, reason: String(e) });
    }
  }
}

const epochOf = (slot: number): number => Math.floor(slot / SLOTS_PER_EPOCH);
