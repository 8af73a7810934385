/**
 * ConsensusEngine: runs one HotStuffInstance per (committee, duty kind, slot) over a Transport. This is the I/O
 * shell around the pure core: it decodes frames, routes them, owns real timers, turns decisions into promises, and
 * writes the core's safety state to the SafetyStore before any vote that follows it leaves the process.
 */
import type { Consensus, Deadline, Decision, Transport } from "../workflow.js";
import { CodecError, DEFAULT_MAX_VALUE_BYTES, decodeMsg, encodeMsg } from "./codec.js";
import { instanceKey } from "./crypto.js";
import { HotStuffInstance, type Output } from "./hotstuff.js";
import type { ConsensusMsg, InstanceId, SafetyStore, Signer, Verifier } from "./types.js";

/** Early messages kept per (instance, member). */
const MAX_PENDING_PER_PEER_INSTANCE = 8;

export class ConsensusExpiredError extends Error {
  override readonly name = "ConsensusExpiredError";
}
export class EngineStoppedError extends Error {
  override readonly name = "EngineStoppedError";
}
/** The safety state could not be stored, so the vote that needed it was not sent. */
export class SafetyStoreError extends Error {
  override readonly name = "SafetyStoreError";
}

export interface EngineConfig {
  readonly committee: readonly Uint8Array[];
  readonly self: number;
  readonly signer: Signer;
  readonly verifier: Verifier;
  readonly transport: Transport;
  /** Monotonic clock in ms (performance.now in production; a fake in tests). Deadlines use the same clock. */
  readonly clock: () => number;
  readonly baseTimeoutMs: number;
  /**
   * First-view timeout per duty kind (ms), overriding `baseTimeoutMs` for the kinds it names: duties have different
   * budgets (timeouts.ts has defaults sized for 150 ms between operators: pass `DUTY_VIEW_TIMEOUT_MS`).
   */
  readonly viewTimeoutMs?: Readonly<Partial<Record<number, number>>>;
  readonly maxBackoffExponent?: number;
  readonly maxValueBytes?: number;
  /**
   * Instances not yet started locally whose early messages are kept; beyond it the lowest slot is evicted. Default:
   * n × maxPendingPerPeer, which the per-peer quotas never reach, so no member can evict another's messages.
   */
  readonly maxPendingInstances?: number;
  /**
   * Early messages kept per sender over all instances not yet started (default 64). Each member has its own quota,
   * so a byzantine member flooding future slots or made-up instances only ever drops its own messages, never an
   * honest member's.
   */
  readonly maxPendingPerPeer?: number;
  /**
   * Slots whose early messages may be buffered at all (the duty layer passes current slot ± a few). Without it, a
   * member could fill the buffer with far-future slots; count-based eviction alone would then drop real instances.
   */
  readonly acceptSlot?: (slot: bigint) => boolean;
  /** How long a finished instance is kept to answer stragglers with its decision. */
  readonly retainMs?: number;
  /**
   * Where each instance's safety state (votes cast, lock) is written before a vote is sent, and read back when the
   * instance starts again after a restart. Production passes `ConsensusStateStore` (store/consensus-state.ts) over
   * the node's SQLite file. Default: none, state lives only in memory — for the simulator and benchmarks, or a node
   * that never restarts within a slot; a restarted node could then vote twice in one instance.
   */
  readonly safetyStore?: SafetyStore;
  /** Stored safety state of slots more than this far behind the newest started instance is pruned (default 64). */
  readonly safetyRetainSlots?: number;
}

interface Entry {
  readonly hs: HotStuffInstance;
  readonly instance: InstanceId;
  readonly deadline: number;
  timer: NodeJS.Timeout | undefined;
  resolve: (d: Decision) => void;
  reject: (e: Error) => void;
}

export interface EngineStats {
  decided: number;
  expired: number;
  malformed: number;
  spoofed: number;
  pendingDropped: number;
  /** Early messages refused because their slot was outside `acceptSlot`. */
  outOfWindow: number;
  /** Votes withheld because their safety state could not be stored. */
  persistFailed: number;
}

export class ConsensusEngine implements Consensus {
  readonly stats: EngineStats = {
    decided: 0,
    expired: 0,
    malformed: 0,
    spoofed: 0,
    pendingDropped: 0,
    outOfWindow: 0,
    persistFailed: 0,
  };
  private readonly live = new Map<string, Entry>();
  private readonly pending = new Map<string, { slot: bigint; msgs: ConsensusMsg[] }>();
  /** Messages each member has in `pending`: the per-peer quota. */
  private readonly pendingBySender: number[];
  private stopped = false;
  private prunedBelow = 0n;

  constructor(private readonly cfg: EngineConfig) {
    this.pendingBySender = cfg.committee.map(() => 0);
    cfg.transport.onFrame((from, frame) => this.onFrame(from, frame));
  }

  propose(
    instance: InstanceId,
    proposal: Uint8Array,
    deadline: Deadline,
    isValid: (value: Uint8Array) => boolean,
  ): Promise<Decision> {
    if (this.stopped) return Promise.reject(new EngineStoppedError("consensus engine is stopped"));
    const key = instanceKey(instance);
    if (this.live.has(key)) {
      return Promise.reject(new Error(`instance ${key} already started; propose once per duty`));
    }
    this.gc();
    const restored = this.cfg.safetyStore?.load(instance);
    this.pruneSafety(instance.slot);
    const hs = new HotStuffInstance({
      instance,
      committee: this.cfg.committee,
      self: this.cfg.self,
      signer: this.cfg.signer,
      verifier: this.cfg.verifier,
      isValid,
      proposal,
      deadline,
      baseTimeoutMs: this.cfg.viewTimeoutMs?.[instance.dutyKind] ?? this.cfg.baseTimeoutMs,
      ...(this.cfg.maxBackoffExponent !== undefined ? { maxBackoffExponent: this.cfg.maxBackoffExponent } : {}),
      ...(this.cfg.maxValueBytes !== undefined ? { maxValueBytes: this.cfg.maxValueBytes } : {}),
      ...(restored ? { restored } : {}),
    });
    return new Promise<Decision>((resolve, reject) => {
      const entry: Entry = { hs, instance, deadline, timer: undefined, resolve, reject };
      this.live.set(key, entry);
      const now = this.cfg.clock();
      this.apply(entry, hs.start(now));
      const early = this.pending.get(key);
      this.dropPending(key);
      for (const m of early?.msgs ?? []) {
        if (hs.isFinished) break;
        this.apply(entry, hs.onMessage(m, this.cfg.clock()));
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.live.values()) {
      if (e.timer) clearTimeout(e.timer);
      if (!e.hs.isFinished) e.reject(new EngineStoppedError("consensus engine stopped before a decision"));
    }
    this.live.clear();
    for (const key of [...this.pending.keys()]) this.dropPending(key);
  }

  private onFrame(from: number, frame: Uint8Array): void {
    if (this.stopped) return;
    let msg: ConsensusMsg;
    try {
      msg = decodeMsg(frame, this.cfg.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES);
    } catch (e) {
      if (e instanceof CodecError) {
        this.stats.malformed++;
        return;
      }
      throw e;
    }
    // The transport proved who sent the frame; a member may not speak for another.
    if (msg.sender !== from || from >= this.cfg.committee.length) {
      this.stats.spoofed++;
      return;
    }
    const key = instanceKey(msg.instance);
    const entry = this.live.get(key);
    if (entry) {
      this.apply(entry, entry.hs.onMessage(msg, this.cfg.clock()));
      return;
    }
    this.buffer(key, msg);
  }

  /** Keeps early messages for an instance this node has not started yet (clock skew, slower beacon node). */
  private buffer(key: string, msg: ConsensusMsg): void {
    if (this.cfg.acceptSlot && !this.cfg.acceptSlot(msg.instance.slot)) {
      this.stats.outOfWindow++;
      return;
    }
    if (this.pendingBySender[msg.sender]! >= (this.cfg.maxPendingPerPeer ?? 64)) {
      this.stats.pendingDropped++;
      return;
    }
    let p = this.pending.get(key);
    if (!p) {
      // By default never below what the per-peer quotas allow, so only an explicit cap evicts by slot.
      const max = this.cfg.maxPendingInstances ?? this.cfg.committee.length * (this.cfg.maxPendingPerPeer ?? 64);
      if (this.pending.size >= max) {
        let lowest: string | undefined;
        for (const [k, v] of this.pending)
          if (lowest === undefined || v.slot < this.pending.get(lowest)!.slot) lowest = k;
        if (this.pending.get(lowest!)!.slot > msg.instance.slot) {
          this.stats.pendingDropped++;
          return;
        }
        this.dropPending(lowest!);
        this.stats.pendingDropped++;
      }
      p = { slot: msg.instance.slot, msgs: [] };
      this.pending.set(key, p);
    }
    // An honest member sends a handful of messages per view; a few views' worth per member is plenty.
    let fromSender = 0;
    for (const m of p.msgs) if (m.sender === msg.sender) fromSender++;
    if (fromSender >= MAX_PENDING_PER_PEER_INSTANCE) {
      this.stats.pendingDropped++;
      return;
    }
    p.msgs.push(msg);
    this.pendingBySender[msg.sender]!++;
  }

  private dropPending(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    for (const m of p.msgs) this.pendingBySender[m.sender]!--;
    this.pending.delete(key);
  }

  /** Early messages kept, per member, for all not-yet-started instances together (tests check the bound). */
  pendingFrom(member: number): number {
    return this.pendingBySender[member] ?? 0;
  }

  private apply(entry: Entry, outs: Output[]): void {
    const slot = entry.instance.slot;
    for (const o of outs) {
      switch (o.kind) {
        case "persist":
          try {
            this.cfg.safetyStore?.save(entry.instance, o.state);
          } catch (e) {
            // Nothing after this output may leave: it is the vote the state was written for.
            this.stats.persistFailed++;
            entry.reject(
              new SafetyStoreError(
                `could not record consensus state durably (${String(e)}); the vote was withheld. Check the node's disk and database file`,
              ),
            );
            return;
          }
          break;
        case "send":
          this.cfg.transport.send(o.to, encodeMsg(o.msg, this.cfg.maxValueBytes), slot);
          break;
        case "broadcast":
          this.cfg.transport.broadcast(encodeMsg(o.msg, this.cfg.maxValueBytes), slot);
          break;
        case "timer": {
          if (entry.timer) clearTimeout(entry.timer);
          const delay = Math.max(0, o.at - this.cfg.clock());
          entry.timer = setTimeout(() => this.fire(entry, o.at), delay);
          break;
        }
        case "decide":
          if (entry.timer) clearTimeout(entry.timer);
          entry.timer = undefined;
          this.stats.decided++;
          entry.resolve({ instance: entry.instance, value: o.value, proof: o.qc });
          break;
        case "expired":
          this.stats.expired++;
          entry.reject(
            new ConsensusExpiredError(
              `no decision by the duty deadline (view ${o.view}); the committee lacked n−f live, connected members`,
            ),
          );
          break;
      }
    }
  }

  /**
   * The core's contract: call onTick at or after the requested time. Node timers may fire up to ~1 ms before the
   * monotonic clock reaches it (libuv rounds to its cached loop time); a tick that early changes nothing and requests
   * no new timer, which would leave the instance stuck in its view. So re-arm until the time has really come.
   */
  private fire(entry: Entry, at: number): void {
    entry.timer = undefined;
    if (this.stopped || entry.hs.isFinished) return;
    const now = this.cfg.clock();
    if (now < at) {
      entry.timer = setTimeout(() => this.fire(entry, at), Math.max(1, Math.ceil(at - now)));
      return;
    }
    this.apply(entry, entry.hs.onTick(now));
  }

  /** Prunes stored safety state once per newer slot; older instances are past their deadlines for good. */
  private pruneSafety(slot: bigint): void {
    const store = this.cfg.safetyStore;
    const below = slot - BigInt(this.cfg.safetyRetainSlots ?? 64);
    if (!store || below <= this.prunedBelow) return;
    this.prunedBelow = below;
    store.pruneBelow(below);
  }

  /** Forgets finished instances once their retention has passed; they answered stragglers until then. */
  private gc(): void {
    const now = this.cfg.clock();
    const retain = this.cfg.retainMs ?? 60_000;
    for (const [k, e] of this.live) {
      if (e.hs.isFinished && now > e.deadline + retain) {
        if (e.timer) clearTimeout(e.timer);
        this.live.delete(k);
      }
    }
  }
}
