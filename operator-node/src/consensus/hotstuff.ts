/**
 * HotStuff core for one consensus instance: a pure, deterministic state machine.
 *
 * Why basic (three-phase, non-chained) HotStuff: an instance decides exactly one value (the data of one duty of one
 * committee in one slot), so there is no chain of proposals to pipeline. Chained HotStuff's gain is amortising phases
 * across successive proposals; for single-shot decisions it would only add the bookkeeping of a block tree. Basic
 * HotStuff gives linear message complexity per view (votes go to the leader, QCs come back) and a responsive
 * view change: a new leader waits for n−f NEW-VIEW messages, never for a fixed delay.
 *
 * Per view v with leader L = leaderOf(instance, v):
 *   prepare:    L proposes highQC's value (or its own, if no QC exists), justified by highQC. A replica votes if the
 *               value passes the caller's validity predicate and safeNode holds:
 *               value == lockedQC.value  OR  highQC.view > lockedQC.view.
 *   pre-commit: L forms prepareQC from n−f prepare votes and sends it; replicas adopt it as their prepareQC and vote.
 *   commit:     L forms preCommitQC; replicas lock on it (lockedQC) and vote.
 *   decide:     L forms commitQC and sends it; anyone holding a commitQC decides its value. A decided node answers
 *               later messages from a peer with its commitQC, so stragglers decide too.
 * Pacemaker: view v lasts base·2^min(v−1, maxBackoffExponent) from its start or from this node's last vote in it
 * (progress restarts the timer), cut at the duty deadline, after which the instance expires. On timeout a node
 * enters v+1 and sends NEW-VIEW(v+1, prepareQC, value) to every member (not only the next leader, so decided
 * members can answer and lagging members can catch up). A node also jumps forward when f+1
 * members are in a higher view (one of them is honest) or when it sees a valid QC of a higher view.
 * View 1 needs no NEW-VIEW round: nobody can hold a QC yet, so its leader proposes at once.
 *
 * No I/O, clock or randomness here: inputs are messages and ticks carrying the current time; outputs are messages,
 * a decision, timer requests. The same code runs in production, in the simulator and in the benchmark.
 *
 * Crash safety: before every vote the core emits a "persist" output carrying its SafetyState (highest view/phase
 * voted, lock, prepareQC), placed before the output that carries the vote. The caller stores it durably before it
 * acts on any later output; a restarted instance is given the stored state (`restored`), refuses to vote again at or
 * below that (view, phase) and keeps its lock. Without this, a member killed after voting forgets both, and a
 * byzantine leader could collect its second vote for a conflicting value: a member that forgets is no longer honest.
 */
import { DEFAULT_MAX_VALUE_BYTES } from "./codec.js";
import {
  bytesEqual,
  firstLeader,
  msgDigest,
  msgPreimage,
  valueHash,
  verifySigned,
  voteDigest,
  votePreimage,
} from "./crypto.js";
import { qcSignersValid, qcValid } from "./qc.js";
import {
  type CertifiedValue,
  type ConsensusMsg,
  faultTolerance,
  type InstanceId,
  MsgType,
  Phase,
  type QuorumCert,
  quorumSize,
  type SafetyState,
  type Signer,
  type Verifier,
} from "./types.js";

export interface InstanceConfig {
  readonly instance: InstanceId;
  /** Committee members' 33-byte compressed secp256k1 identity keys; the index is the member index. */
  readonly committee: readonly Uint8Array[];
  /** This node's member index. */
  readonly self: number;
  readonly signer: Signer;
  readonly verifier: Verifier;
  /** The caller's validity predicate: duty code checks the data against its own beacon node. */
  readonly isValid: (value: Uint8Array) => boolean;
  /** This node's own proposal, used when it leads a view with no QC to follow. */
  readonly proposal: Uint8Array;
  /** Absolute time (host clock, ms) after which the duty is worthless: the instance gives up. */
  readonly deadline: number;
  /** Duration of view 1 (ms); later views double it up to 2^maxBackoffExponent times. */
  readonly baseTimeoutMs: number;
  readonly maxBackoffExponent?: number;
  readonly maxValueBytes?: number;
  /** Safety state this member stored for the instance before a restart (see "persist"). */
  readonly restored?: SafetyState;
}

export type Output =
  | { readonly kind: "send"; readonly to: number; readonly msg: ConsensusMsg }
  | { readonly kind: "broadcast"; readonly msg: ConsensusMsg }
  | { readonly kind: "decide"; readonly value: Uint8Array; readonly qc: QuorumCert }
  /** Call onTick at or after `at` (an earlier tick does nothing). A later request replaces an earlier one. */
  | { readonly kind: "timer"; readonly at: number }
  /** Store `state` durably before acting on any later output of this batch (a vote follows it). */
  | { readonly kind: "persist"; readonly state: SafetyState }
  | { readonly kind: "expired"; readonly view: number };

/** Why a message was ignored; exposed for metrics and tests, never thrown at the caller. */
export type Rejection =
  | "wrong-instance"
  | "bad-sender"
  | "bad-signature"
  | "bad-qc"
  | "value-hash-mismatch"
  | "not-leader"
  | "stale-view"
  | "invalid-value"
  | "unsafe"
  | "duplicate"
  | "already-voted"
  | "buffer-full"
  | "finished";

/** Future-view messages kept per sender until their view starts; bounded so a peer cannot exhaust memory. */
const MAX_BUFFERED_PER_SENDER = 8;
/** How far ahead of the current view a message is buffered; farther ones are dropped (their sender retries). */
const MAX_FUTURE_VIEWS = 64;
const MAX_QC_CACHE = 64;
/** Vote signatures known valid (own votes, votes checked on arrival); a few views' worth of n votes × 3 phases. */
const MAX_SIG_CACHE = 256;

type QcWithValue = CertifiedValue;

export class HotStuffInstance {
  readonly n: number;
  readonly f: number;
  readonly quorum: number;
  private readonly maxBackoffExponent: number;
  private readonly maxValueBytes: number;
  private readonly firstLeader: number;

  private view = 1;
  private viewEndsAt = 0;
  /**
   * Whether this view's timer counts down. A view entered by timeout or by following f+1 peers only starts its
   * timer once n−f members (itself included) are known to be in it or beyond; until then the node re-sends its
   * NEW-VIEW every base timeout and waits. Without this, a node that ran ahead while others were down keeps
   * timing out alone, one view ahead of them for ever (seed 1, instance 176).
   */
  private timerRunning = false;
  private resendAt = 0;
  private started = false;
  private prepareQC: QcWithValue | undefined;
  private lockedQC: QcWithValue | undefined;
  private decided: QcWithValue | undefined;
  private expired = false;
  /** Highest (view, phase) voted in, over this process's life and before it (restored). 0 = never voted. */
  private votedView = 0;
  private votedPhase = 0;

  // Per-view state, reset by enterView.
  private votedIn = new Set<Phase>();
  private proposal: { value: Uint8Array; hash: Uint8Array } | undefined;
  private newViews = new Map<number, QcWithValue | undefined>();
  private votes = new Map<Phase, Map<number, Uint8Array>>();
  private qcFormed = new Set<Phase>();

  private readonly peerViews = new Map<number, number>();
  private buffered = new Map<number, ConsensusMsg[]>();
  private readonly decideRepliedAt = new Map<number, { view: number; at: number }>();
  private readonly verifiedQcs = new Set<string>();
  private readonly verifiedSigs = new Set<string>();
  private readonly local: ConsensusMsg[] = [];
  private out: Output[] = [];
  private now = 0;

  /** Counters of ignored messages by reason: for metrics and for tests that check a message was refused. */
  readonly rejected = new Map<Rejection, number>();

  constructor(private readonly cfg: InstanceConfig) {
    this.n = cfg.committee.length;
    this.f = faultTolerance(this.n);
    this.quorum = quorumSize(this.n);
    this.maxBackoffExponent = cfg.maxBackoffExponent ?? 5;
    this.maxValueBytes = cfg.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.firstLeader = firstLeader(cfg.instance, cfg.committee.length);
    if (cfg.self < 0 || cfg.self >= this.n)
      throw new Error(`self index ${cfg.self} is not in a committee of ${this.n}`);
    if (this.n < 4 || this.n > 13 || (this.n - 1) % 3 !== 0) {
      throw new Error(`committee size ${this.n} is not one of 4, 7, 10, 13; fix the committee configuration`);
    }
    const r = cfg.restored;
    if (r) {
      this.votedView = r.votedView;
      this.votedPhase = r.votedPhase;
      this.lockedQC = r.locked;
      this.prepareQC = r.prepared;
    }
  }

  get currentView(): number {
    return this.view;
  }
  get decision(): Uint8Array | undefined {
    return this.decided?.value;
  }
  get isFinished(): boolean {
    return this.decided !== undefined || this.expired;
  }
  get locked(): QuorumCert | undefined {
    return this.lockedQC?.qc;
  }

  leader(view: number): number {
    return (this.firstLeader + view - 1) % this.n;
  }

  /** Starts view 1. Call once, when the duty is due. */
  start(now: number): Output[] {
    if (this.started) return [];
    this.started = true;
    this.now = now;
    // A restarted member resumes in the last view it voted in instead of replaying views where it can no longer
    // vote. It sends no NEW-VIEW for it: its prepareQC may be of that very view, which a NEW-VIEW may not carry;
    // its timeout (NEW-VIEW for the next view) or its peers' messages move it on.
    const resume = Math.max(1, this.votedView);
    this.enterView(resume, now, false);
    return this.flush();
  }

  onMessage(msg: ConsensusMsg, now: number): Output[] {
    if (!this.started)
      throw new Error("HotStuffInstance.onMessage before start(); buffer messages until the duty starts");
    this.now = now;
    this.receive(msg, now, false);
    return this.flush();
  }

  /** Timer tick: may be called at any time; acts only on what is due. */
  onTick(now: number): Output[] {
    if (!this.started || this.isFinished) return [];
    this.now = now;
    if (now >= this.cfg.deadline) {
      this.expired = true;
      this.out.push({ kind: "expired", view: this.view });
    } else if (this.timerRunning && now >= this.viewEndsAt) {
      this.enterView(this.view + 1, now, true);
    } else if (this.timerRunning) {
      this.out.push({ kind: "timer", at: this.viewEndsAt }); // the view was extended by a vote since the timer was set
    } else if (!this.timerRunning && now >= this.resendAt) {
      this.sendNewView();
      this.armTimer(now);
    }
    return this.flush();
  }

  // ---- internals ----

  private reject(why: Rejection) {
    this.rejected.set(why, (this.rejected.get(why) ?? 0) + 1);
  }

  private flush(): Output[] {
    // Messages to self are handled here, after the handler that produced them, so handlers never re-enter.
    while (this.local.length > 0 && !this.isFinished) this.receive(this.local.shift()!, this.now, true);
    this.local.length = 0;
    const out = this.out;
    this.out = [];
    return out;
  }

  private timeoutFor(view: number): number {
    return this.cfg.baseTimeoutMs * 2 ** Math.min(view - 1, this.maxBackoffExponent);
  }

  private enterView(view: number, now: number, sendNewView: boolean) {
    this.view = view;
    this.votedIn = new Set();
    this.proposal = undefined;
    this.newViews = new Map();
    this.votes = new Map();
    this.qcFormed = new Set();
    // Entered at start, after a restart, or on a QC of this view (n−f members were here): count down at once.
    this.timerRunning = !sendNewView || this.wishesAtLeast(view) >= this.quorum;
    this.armTimer(now);
    if (sendNewView) {
      this.sendNewView();
    } else if (view === 1 && this.leader(1) === this.cfg.self) {
      this.propose(this.cfg.proposal, undefined);
    }
    // Replay messages that arrived early for this view; drop those for views now past.
    const ready: ConsensusMsg[] = [];
    for (const [sender, list] of this.buffered) {
      const keep = list.filter((m) => m.view > view);
      for (const m of list) if (m.view === view) ready.push(m);
      if (keep.length > 0) this.buffered.set(sender, keep);
      else this.buffered.delete(sender);
    }
    for (const m of ready) this.local.push(m);
  }

  private sendNewView() {
    const p = this.prepareQC;
    this.emitAll(
      this.signed({ type: MsgType.newView, view: this.view, ...(p ? { justify: p.qc, value: p.value } : {}) }),
    );
  }

  private armTimer(now: number) {
    if (this.timerRunning) {
      this.viewEndsAt = Math.min(now + this.timeoutFor(this.view), this.cfg.deadline);
      this.out.push({ kind: "timer", at: this.viewEndsAt });
    } else {
      this.resendAt = Math.min(now + this.cfg.baseTimeoutMs, this.cfg.deadline);
      this.out.push({ kind: "timer", at: this.resendAt });
    }
  }

  /** Members (this one included) whose latest NEW-VIEW is for `view` or a later one. */
  private wishesAtLeast(view: number): number {
    let count = 1;
    for (const v of this.peerViews.values()) if (v >= view) count++;
    return count;
  }

  /**
   * A peer's NEW-VIEW says it has left every view below msg.view. f+1 such peers in views ≥ w include an honest one
   * whose timer really expired: join the lowest such w. n−f of them in this view or beyond: start its timer.
   */
  private noteNewView(msg: ConsensusMsg, now: number) {
    if (msg.view <= (this.peerViews.get(msg.sender) ?? 0)) return;
    this.peerViews.set(msg.sender, msg.view);
    const views = [...this.peerViews.values()].sort((a, b) => b - a);
    const target = views[this.f];
    if (target !== undefined && target > this.view && target <= this.view + MAX_FUTURE_VIEWS)
      this.enterView(target, now, true);
    if (!this.timerRunning && this.wishesAtLeast(this.view) >= this.quorum) {
      this.timerRunning = true;
      this.armTimer(now);
    }
  }

  private signed(body: Omit<ConsensusMsg, "signature" | "instance" | "sender">): ConsensusMsg {
    const unsigned = { ...body, instance: this.cfg.instance, sender: this.cfg.self };
    return { ...unsigned, signature: this.cfg.signer.sign(msgDigest(unsigned, this.maxValueBytes)) };
  }

  private emitAll(msg: ConsensusMsg) {
    this.out.push({ kind: "broadcast", msg });
    this.local.push(msg);
  }

  private emitTo(to: number, msg: ConsensusMsg) {
    if (to === this.cfg.self) this.local.push(msg);
    else this.out.push({ kind: "send", to, msg });
  }

  private propose(value: Uint8Array, justify: QcWithValue | undefined) {
    this.proposal = { value, hash: valueHash(value) };
    this.emitAll(
      this.signed({ type: MsgType.prepare, view: this.view, value, ...(justify ? { justify: justify.qc } : {}) }),
    );
  }

  private vote(phase: Phase, hash: Uint8Array) {
    this.votedIn.add(phase);
    // Votes only ever move forward in (view, phase); anything at or below the last one may conflict with a vote
    // this member sent before a restart, whose content it no longer knows.
    if (this.view < this.votedView || (this.view === this.votedView && phase <= this.votedPhase))
      return this.reject("already-voted");
    this.votedView = this.view;
    this.votedPhase = phase;
    this.out.push({ kind: "persist", state: this.safetyState() });
    // Progress: the view's timer restarts, so a timeout need only outlast one phase (vote to leader, QC back), not
    // the whole view; a dead leader is still noticed one timeout after the last step it made. At most 3 votes per
    // view, so a slow leader stretches a view to 4 timeouts at most.
    // Lazily: the pending timer fires at the old time and onTick asks for the new one (no timer churn per vote).
    if (this.timerRunning)
      this.viewEndsAt = Math.max(this.viewEndsAt, Math.min(this.now + this.timeoutFor(this.view), this.cfg.deadline));
    const signature = this.cfg.signer.sign(voteDigest(this.cfg.instance, phase, this.view, hash));
    // Our own vote comes back inside the leader's QC: no need to verify what we signed ourselves.
    this.rememberSig(this.cfg.self, phase, this.view, hash, signature);
    const msg: ConsensusMsg = {
      type: MsgType.vote,
      instance: this.cfg.instance,
      view: this.view,
      sender: this.cfg.self,
      vote: { phase, valueHash: hash },
      signature,
    };
    this.emitTo(this.leader(this.view), msg);
  }

  private safetyState(): SafetyState {
    return {
      votedView: this.votedView,
      votedPhase: this.votedPhase as Phase,
      ...(this.lockedQC ? { locked: this.lockedQC } : {}),
      ...(this.prepareQC ? { prepared: this.prepareQC } : {}),
    };
  }

  private sameInstance(msg: ConsensusMsg): boolean {
    const a = msg.instance;
    const b = this.cfg.instance;
    return a.slot === b.slot && a.dutyKind === b.dutyKind && bytesEqual(a.committeeId, b.committeeId);
  }

  private verifySignature(msg: ConsensusMsg): boolean {
    const key = this.cfg.committee[msg.sender]!;
    let preimage: Uint8Array;
    try {
      preimage =
        msg.type === MsgType.vote
          ? votePreimage(msg.instance, msg.vote!.phase, msg.view, msg.vote!.valueHash)
          : msgPreimage(msg, this.maxValueBytes);
    } catch {
      return false; // not encodable (e.g. a QC listing a signer twice): nothing an honest member signs
    }
    if (!verifySigned(this.cfg.verifier, key, preimage, msg.signature)) return false;
    if (msg.type === MsgType.vote) {
      this.rememberSig(msg.sender, msg.vote!.phase, msg.view, msg.vote!.valueHash, msg.signature);
    }
    return true;
  }

  /**
   * Whether the sender's signature on the message itself must be checked. PRE-COMMIT, COMMIT and DECIDE carry a QC
   * of n−f vote signatures that alone justifies everything done with them (vote pre-commit on a prepareQC of this
   * view, lock on a preCommitQC, decide on a commitQC), whoever relays it; the QC is always verified before use.
   * Their outer signature adds no safety and cost one verification each per member per instance. PREPARE (no QC
   * in view 1, and the proposal is what a member votes for), NEW-VIEW (it moves the pacemaker) and votes (they go
   * into QCs) are always checked.
   */
  private needsOuterSignature(msg: ConsensusMsg): boolean {
    return msg.type !== MsgType.preCommit && msg.type !== MsgType.commit && msg.type !== MsgType.decide;
  }

  /**
   * A vote this node would drop anyway (not its view's leader, QC of that phase formed, sender already counted):
   * refused before its signature is checked. The leader gets n−1 votes per phase and needs n−f−1 of them.
   */
  private uselessVote(msg: ConsensusMsg): Rejection | undefined {
    if (msg.type !== MsgType.vote) return undefined;
    // A vote of the decided view crossed our DECIDE broadcast to its sender: no reply needed. Should that DECIDE be
    // lost, the sender's timeout sends a NEW-VIEW, which is answered (replyDecided).
    if (this.decided) return msg.view <= this.decided.qc.view ? "finished" : undefined;
    if (msg.view !== this.view) return undefined;
    if (this.leader(this.view) !== this.cfg.self) return "not-leader";
    const phase = msg.vote!.phase;
    if (this.qcFormed.has(phase) || this.votes.get(phase)?.has(msg.sender)) return "duplicate";
    return undefined;
  }

  private sigKey(signer: number, phase: Phase, view: number, hash: Uint8Array, sig: Uint8Array): string {
    return `${signer}:${phase}:${view}:${Buffer.from(hash).toString("hex")}:${Buffer.from(sig).toString("hex")}`;
  }

  private rememberSig(signer: number, phase: Phase, view: number, hash: Uint8Array, sig: Uint8Array) {
    if (this.verifiedSigs.size >= MAX_SIG_CACHE) this.verifiedSigs.clear();
    this.verifiedSigs.add(this.sigKey(signer, phase, view, hash, sig));
  }

  /** A QC is valid if it holds n−f distinct members' valid vote signatures. Results are cached (QCs get relayed). */
  private verifyQc(qc: QuorumCert): boolean {
    if (!qcSignersValid(qc, this.n)) return false;
    const key = qcKey(qc);
    if (this.verifiedQcs.has(key)) return true;
    const known = (signer: number, sig: Uint8Array) =>
      this.verifiedSigs.has(this.sigKey(signer, qc.phase, qc.view, qc.valueHash, sig));
    if (!qcValid(qc, this.cfg.instance, this.cfg.committee, this.cfg.verifier, known)) return false;
    this.rememberQc(key);
    return true;
  }

  private rememberQc(key: string) {
    if (this.verifiedQcs.size >= MAX_QC_CACHE) this.verifiedQcs.clear();
    this.verifiedQcs.add(key);
  }

  /** The QC is valid and `value` is what it certifies. */
  private checkQcValue(qc: QuorumCert, value: Uint8Array | undefined): boolean {
    if (!value || !bytesEqual(valueHash(value), qc.valueHash)) {
      this.reject("value-hash-mismatch");
      return false;
    }
    if (!this.verifyQc(qc)) {
      this.reject("bad-qc");
      return false;
    }
    return true;
  }

  private receive(msg: ConsensusMsg, now: number, fromSelf: boolean) {
    if (this.expired) return this.reject("finished");
    if (!fromSelf) {
      if (!this.sameInstance(msg)) return this.reject("wrong-instance");
      if (msg.sender >= this.n || msg.sender === this.cfg.self) return this.reject("bad-sender");
      // Nothing honest proposes an empty value (duty data never is): refused before signatures, QCs or state.
      if (msg.value && (msg.value.length === 0 || msg.value.length > this.maxValueBytes))
        return this.reject("invalid-value");
      const useless = this.uselessVote(msg);
      if (useless) return this.reject(useless);
      if (this.needsOuterSignature(msg) && !this.verifySignature(msg)) return this.reject("bad-signature");
    }
    if (msg.type === MsgType.decide) return this.onDecide(msg);
    if (this.decided) return this.replyDecided(msg);
    if (msg.type === MsgType.newView && !fromSelf) this.noteNewView(msg, now);
    if (msg.view < this.view) return this.reject("stale-view");
    if (msg.view > this.view) return this.onFutureView(msg, now);
    this.onCurrentView(msg);
  }

  private onDecide(msg: ConsensusMsg) {
    if (this.decided) return this.reject("duplicate");
    const qc = msg.justify!;
    if (qc.phase !== Phase.commit) return this.reject("bad-qc");
    if (!this.checkQcValue(qc, msg.value)) return;
    this.decided = { qc, value: msg.value! };
    this.out.push({ kind: "decide", value: msg.value!, qc });
  }

  private replyDecided(msg: ConsensusMsg) {
    // One reply per peer per view it is in, and again after a base timeout if it is still there: a peer that
    // restarted lost the reply along with everything else and asks again from the same view (seed 1, instance
    // 6470). Never more than one per base timeout per view: never a flood.
    const last = this.decideRepliedAt.get(msg.sender);
    if (last && msg.view <= last.view && this.now - last.at < this.cfg.baseTimeoutMs) return this.reject("finished");
    this.decideRepliedAt.set(msg.sender, { view: Math.max(msg.view, last?.view ?? 0), at: this.now });
    const d = this.decided!;
    this.emitTo(msg.sender, this.signed({ type: MsgType.decide, view: d.qc.view, justify: d.qc, value: d.value }));
  }

  private onFutureView(msg: ConsensusMsg, now: number) {
    // A valid QC of a higher view proves n−f members were there: follow at once, without a NEW-VIEW round.
    if ((msg.type === MsgType.preCommit || msg.type === MsgType.commit) && msg.justify!.view === msg.view) {
      if (msg.sender !== this.leader(msg.view)) return this.reject("not-leader");
      if (!this.checkQcValue(msg.justify!, msg.value)) return;
      this.enterView(msg.view, now, false);
      this.onCurrentView(msg);
      return;
    }
    if (msg.view > this.view + MAX_FUTURE_VIEWS) return this.reject("stale-view");
    this.bufferMsg(msg);
  }

  private bufferMsg(msg: ConsensusMsg) {
    const list = this.buffered.get(msg.sender) ?? [];
    if (list.length >= MAX_BUFFERED_PER_SENDER) return this.reject("buffer-full");
    list.push(msg);
    this.buffered.set(msg.sender, list);
  }

  private onCurrentView(msg: ConsensusMsg) {
    switch (msg.type) {
      case MsgType.newView:
        return this.onNewView(msg);
      case MsgType.prepare:
        return this.onPrepare(msg);
      case MsgType.preCommit:
        return this.onPhaseCert(msg, Phase.prepare, Phase.preCommit);
      case MsgType.commit:
        return this.onPhaseCert(msg, Phase.preCommit, Phase.commit);
      case MsgType.vote:
        return this.onVote(msg);
    }
  }

  private onNewView(msg: ConsensusMsg) {
    if (this.leader(this.view) !== this.cfg.self || this.proposal) return;
    if (this.newViews.has(msg.sender)) return this.reject("duplicate");
    let high: QcWithValue | undefined;
    if (msg.justify) {
      if (msg.justify.phase !== Phase.prepare || msg.justify.view >= msg.view) return this.reject("bad-qc");
      if (!this.checkQcValue(msg.justify, msg.value)) return;
      high = { qc: msg.justify, value: msg.value! };
    }
    this.newViews.set(msg.sender, high);
    if (this.newViews.size < this.quorum) return;
    // highQC: the prepareQC of the highest view among n−f NEW-VIEWs. Following it keeps any locked value.
    let highQC: QcWithValue | undefined;
    for (const q of this.newViews.values()) if (q && (!highQC || q.qc.view > highQC.qc.view)) highQC = q;
    this.propose(highQC ? highQC.value : this.cfg.proposal, highQC);
  }

  /** The caller's predicate parses duty data; bytes it cannot parse are an invalid proposal, never a crash. */
  private valid(value: Uint8Array): boolean {
    try {
      return this.cfg.isValid(value);
    } catch {
      return false;
    }
  }

  private onPrepare(msg: ConsensusMsg) {
    if (msg.sender !== this.leader(this.view)) return this.reject("not-leader");
    if (this.votedIn.has(Phase.prepare)) return this.reject("duplicate");
    const value = msg.value!;
    // The predicate first: cheaper than the QC, and a refused value leaves nothing behind (not even a cached QC).
    if (!this.valid(value)) return this.reject("invalid-value");
    const justify = msg.justify;
    if (justify) {
      if (justify.phase !== Phase.prepare || justify.view >= this.view) return this.reject("bad-qc");
      if (!this.checkQcValue(justify, value)) return;
    }
    const hash = valueHash(value);
    // safeNode: extends the locked value, or is justified by a QC newer than the lock.
    const lock = this.lockedQC?.qc;
    if (lock && !bytesEqual(lock.valueHash, hash) && !(justify && justify.view > lock.view))
      return this.reject("unsafe");
    if (justify && (!this.prepareQC || justify.view > this.prepareQC.qc.view)) this.prepareQC = { qc: justify, value };
    this.vote(Phase.prepare, hash);
  }

  /** pre-commit (carries prepareQC) and commit (carries preCommitQC) messages: adopt the QC, then vote. */
  private onPhaseCert(msg: ConsensusMsg, certPhase: Phase, votePhase: Phase) {
    if (msg.sender !== this.leader(this.view)) return this.reject("not-leader");
    if (this.votedIn.has(votePhase)) return this.reject("duplicate");
    const qc = msg.justify!;
    if (qc.phase !== certPhase || qc.view !== this.view) return this.reject("bad-qc");
    if (!this.checkQcValue(qc, msg.value)) return;
    const held = { qc, value: msg.value! };
    if (certPhase === Phase.prepare) {
      if (!this.prepareQC || qc.view >= this.prepareQC.qc.view) this.prepareQC = held;
    } else {
      this.lockedQC = held;
    }
    this.vote(votePhase, qc.valueHash);
  }

  private onVote(msg: ConsensusMsg) {
    if (this.leader(this.view) !== this.cfg.self) return this.reject("not-leader");
    const v = msg.vote!;
    if (!this.proposal || !bytesEqual(v.valueHash, this.proposal.hash)) return this.reject("unsafe");
    if (this.qcFormed.has(v.phase)) return this.reject("duplicate");
    let byPhase = this.votes.get(v.phase);
    if (!byPhase) {
      byPhase = new Map();
      this.votes.set(v.phase, byPhase);
    }
    if (byPhase.has(msg.sender)) return this.reject("duplicate");
    byPhase.set(msg.sender, msg.signature);
    if (byPhase.size < this.quorum) return;

    this.qcFormed.add(v.phase);
    const signers = [...byPhase.keys()].sort((a, b) => a - b).slice(0, this.quorum);
    const qc: QuorumCert = {
      phase: v.phase,
      view: this.view,
      valueHash: v.valueHash,
      signers,
      signatures: signers.map((s) => byPhase.get(s)!),
    };
    // Every vote in it was verified on arrival: do not verify the QC again when our own message comes back.
    this.rememberQc(qcKey(qc));
    const value = this.proposal.value;
    const next =
      v.phase === Phase.prepare ? MsgType.preCommit : v.phase === Phase.preCommit ? MsgType.commit : MsgType.decide;
    this.emitAll(this.signed({ type: next, view: this.view, justify: qc, value }));
  }
}

function qcKey(qc: QuorumCert): string {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  return `${qc.phase}:${qc.view}:${hex(qc.valueHash)}:${qc.signers.join(",")}:${qc.signatures.map(hex).join("")}`;
}
