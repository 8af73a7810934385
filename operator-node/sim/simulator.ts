/**
 * Seeded, deterministic network simulator running the real HotStuff core and codec.
 *
 * Each instance is its own scenario: n nodes, a fault plan drawn from the seed, virtual time. Before GST (global
 * stabilisation time) the network delays, drops, duplicates and reorders messages, partitions heal, and honest nodes
 * crash and restart: a restarted node is a new instance given only the SafetyState it had persisted (the engine's
 * SQLite store in production), so everything else it knew is lost. Up to f nodes are faulty: byzantine ones
 * (equivocating leaders, conflicting votes, replays, garbage bytes, view-number spam) or crashed for good. After GST
 * every message between live nodes arrives within a bounded delay. Checked per instance:
 *   agreement   — no two honest nodes decide different values;
 *   validity    — the decided value was proposed by someone and passes the predicate;
 *   termination — every honest node decides before the deadline (the network is good after GST, ≤ f faulty).
 * Same seed ⇒ same run: a failure prints the command that replays it.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { CodecError, decodeMsg, encodeMsg } from "../src/consensus/codec.js";
import {
  bytesEqual,
  msgDigest,
  Secp256k1Signer,
  valueHash,
  voteDigest,
  wasmSecp256k1Verifier,
} from "../src/consensus/crypto.js";
import { HotStuffInstance, type Output, type Rejection } from "../src/consensus/hotstuff.js";
import {
  type ConsensusMsg,
  faultTolerance,
  type InstanceId,
  MsgType,
  Phase,
  type QuorumCert,
  type SafetyState,
  type Signer,
} from "../src/consensus/types.js";
import { FakeSimSigner, fakeSimVerifier } from "./fake-signer.js";

/** Small, fast, seedable PRNG (splitmix32 seeding + xorshift128**-like mixing); deterministic across platforms. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }
  u32(): number {
    // sfc32
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  float(): number {
    return this.u32() / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

export interface SimOptions {
  readonly n: number;
  /** Scenario seed; the whole run is a function of it. */
  readonly seed: number;
  /** Use real secp256k1 signatures (slow) instead of the fake simulator signer. */
  readonly realSignatures?: boolean;
  /** Set false for a fault-free run (happy path). */
  readonly faults?: boolean;
  /** Receives one line per event (fault plan, deliveries, ticks, decisions): for replaying a failure by eye. */
  readonly trace?: (line: string) => void;
  /** Makes f members byzantine with exactly these behaviours (instead of a random mix). */
  readonly byzantine?: readonly Behaviour[];
}

export interface SimResult {
  readonly n: number;
  readonly seed: number;
  readonly ok: boolean;
  readonly failure?: string;
  readonly decided: boolean;
  /** Highest view in which an honest node decided (1 = first leader succeeded). */
  readonly viewsUsed: number;
  /** Virtual ms from start to the last honest decision. */
  readonly decideTimeMs: number;
  readonly messages: number;
  readonly garbageRefused: number;
  readonly byzantine: number;
  readonly crashed: number;
  /** Messages honest members refused, by reason (members alive at the end): shows the adversary really acted. */
  readonly refused: Partial<Record<Rejection, number>>;
}

const BASE_TIMEOUT_MS = 1000;
const DEADLINE_MS = 600_000;
const MAX_BACKOFF_EXP = 4;

/**
 * What a byzantine member may do (each drawn independently):
 *   equivocate       — as leader, a different PREPARE to each member: valid, invalid, empty or unparseable values;
 *   conflictingVotes — votes for other value hashes than the proposal's;
 *   replay / garbage — old frames again, bit-flipped or truncated frames;
 *   viewSpam         — NEW-VIEWs for far-future views;
 *   forgeQc          — QCs over a value nobody validly proposed, with its own signature repeated under several
 *                      signer indices or under indices outside the committee;
 *   otherInstances   — floods messages of made-up instances and future slots (per-peer early-message quota);
 *   silent           — sends nothing.
 */
export type Behaviour =
  | "equivocate"
  | "conflictingVotes"
  | "replay"
  | "garbage"
  | "viewSpam"
  | "forgeQc"
  | "otherInstances"
  | "silent";
const BEHAVIOURS: readonly Behaviour[] = [
  "equivocate",
  "conflictingVotes",
  "replay",
  "garbage",
  "viewSpam",
  "forgeQc",
  "otherInstances",
  "silent",
];

/** First byte of a value the duty code cannot parse: its predicate throws on it (the core must not). */
const UNPARSEABLE = 0xff;

/** Valid values have an even first byte: honest nodes propose them, byzantine ones sometimes do not. */
export function simIsValid(value: Uint8Array): boolean {
  if (value[0] === UNPARSEABLE) throw new Error("unparseable duty data");
  return value.length >= 1 && value.length <= 512 && (value[0]! & 1) === 0;
}

function simIsValidNoThrow(value: Uint8Array): boolean {
  try {
    return simIsValid(value);
  } catch {
    return false;
  }
}

function validValue(rng: Rng): Uint8Array {
  const v = rng.bytes(8 + rng.int(120));
  v[0] = v[0]! & 0xfe;
  return v;
}

function invalidValue(rng: Rng): Uint8Array {
  const v = rng.bytes(8 + rng.int(40));
  v[0] = v[0]! | 1;
  return v;
}

const keyCache = new Map<string, { signers: Signer[]; committee: Uint8Array[] }>();

function committeeKeys(n: number, real: boolean): { signers: Signer[]; committee: Uint8Array[] } {
  const k = `${n}:${real}`;
  const hit = keyCache.get(k);
  if (hit) return hit;
  const signers: Signer[] = [];
  const committee: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const sk = sha256(new TextEncoder().encode(`cohort-sim-key-${i}`));
    if (real) {
      const s = new Secp256k1Signer(sk);
      signers.push(s);
      committee.push(s.publicKey);
    } else {
      const pk = new Uint8Array(33);
      pk[0] = 2;
      pk.set(sk, 1);
      signers.push(new FakeSimSigner(pk));
      committee.push(pk);
    }
  }
  const out = { signers, committee };
  keyCache.set(k, out);
  return out;
}

interface Event {
  readonly at: number;
  readonly seq: number;
  readonly kind: "deliver" | "tick" | "start" | "crash" | "restart";
  readonly node: number;
  readonly from?: number;
  readonly bytes?: Uint8Array;
  /** A message the codec cannot carry (a QC listing one signer twice), handed over as an object. */
  readonly msg?: ConsensusMsg;
}

/** Binary min-heap on (at, seq): deterministic order for equal times. */
class EventQueue {
  private readonly h: Event[] = [];
  get size(): number {
    return this.h.length;
  }
  private less(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  push(e: Event): void {
    const h = this.h;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

export function runScenario(opts: SimOptions): SimResult {
  const { n, seed } = opts;
  const faults = opts.faults ?? true;
  const rng = new Rng(seed);
  const f = faultTolerance(n);
  const { signers, committee } = committeeKeys(n, opts.realSignatures ?? false);
  const verifier = opts.realSignatures ? wasmSecp256k1Verifier : fakeSimVerifier;
  const committeeId = sha256(new Uint8Array([n, 0x5a]));
  const instance: InstanceId = { committeeId, dutyKind: rng.int(7), slot: BigInt(seed) * 32n + BigInt(rng.int(32)) };

  // ---- fault plan ----
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const faulty = faults ? rng.int(f + 1) : 0;
  const nByz = faults ? rng.int(faulty + 1) : 0;
  // Behaviours added later draw from their own stream, so every older seed still replays the same scenario.
  const adv = new Rng(seed ^ 0xa5a5a5a5);
  const byzantine = new Map<number, Set<Behaviour>>();
  for (const i of order.slice(0, nByz)) {
    const b = new Set<Behaviour>();
    for (const x of BEHAVIOURS) {
      const r = x === "forgeQc" || x === "otherInstances" ? adv : rng;
      if (r.chance(x === "silent" ? 0.1 : 0.5)) b.add(x);
    }
    if (b.size === 0) b.add("equivocate");
    byzantine.set(i, b);
  }
  const deadForGood = new Set(order.slice(nByz, faulty));
  if (opts.byzantine) {
    // A targeted test: f members, all with exactly these behaviours; the rest of the plan stays random.
    byzantine.clear();
    deadForGood.clear();
    for (const i of order.slice(0, f)) byzantine.set(i, new Set(opts.byzantine));
  }
  const gst = faults ? rng.int(20_000) : 0;
  const dropP = faults ? rng.float() * 0.3 : 0;
  const dupP = faults ? rng.float() * 0.1 : 0;
  const maxDelayPre = faults ? 20 + rng.int(400) : 20;
  const maxDelayPost = 5 + rng.int(50);
  const partition = faults && rng.chance(0.4) ? order.filter(() => rng.chance(0.5)) : [];
  const partitioned = new Set(partition);
  const healAt = rng.int(gst + 1);
  const startSkew = order.map(() => rng.int(faults ? 300 : 20));

  const trace = opts.trace;
  trace?.(
    `n=${n} f=${f} byzantine=${JSON.stringify([...byzantine].map(([i, b]) => [i, [...b]]))} dead=${[...deadForGood]} ` +
      `gst=${gst} drop=${dropP.toFixed(2)} partition=${partition} healAt=${healAt} skew=${startSkew}`,
  );
  const values = order.map(() => validValue(rng));
  if (rng.chance(0.3)) for (let i = 1; i < n; i++) values[i] = values[0]!; // nodes often see the same data
  const proposed = new Set<string>(); // every value anyone put in a PREPARE
  const validProposedHashes = new Set<string>(); // hashes of those that pass the predicate
  const honestVotes = new Map<string, string>(); // "node:view:phase" → value hash: an honest member votes once
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

  const persisted: (SafetyState | undefined)[] = order.map(() => undefined);
  const makeNode = (i: number) =>
    new HotStuffInstance({
      instance,
      committee,
      self: i,
      signer: signers[i]!,
      verifier,
      isValid: simIsValid,
      proposal: values[i]!,
      deadline: startSkew[i]! + DEADLINE_MS,
      baseTimeoutMs: BASE_TIMEOUT_MS,
      maxBackoffExponent: MAX_BACKOFF_EXP,
      ...(persisted[i] ? { restored: persisted[i] } : {}),
    });
  const nodes = order.map((_, i) => makeNode(i));
  const up = order.map(() => true);
  const decidedAt = order.map(() => -1);
  const decisions: (Uint8Array | undefined)[] = order.map(() => undefined);
  const seen: Uint8Array[][] = order.map(() => []); // byzantine replay memory
  const honest = order.map((_, i) => !byzantine.has(i) && !deadForGood.has(i));

  const q = new EventQueue();
  let seq = 0;
  let messages = 0;
  let garbageRefused = 0;
  let failure: string | undefined;

  const schedule = (e: Omit<Event, "seq">) => q.push({ ...e, seq: seq++ });

  const transmit = (from: number, to: number, bytes: Uint8Array, now: number) => {
    if (to === from) return;
    messages++;
    const pre = now < gst;
    if (pre) {
      if (rng.chance(dropP)) return;
      if (now < healAt && partitioned.has(from) !== partitioned.has(to)) return;
    }
    const copies = pre && rng.chance(dupP) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const delay = 1 + rng.int(pre ? maxDelayPre : maxDelayPost);
      schedule({ at: now + delay, kind: "deliver", node: to, from, bytes });
    }
  };

  const resign = (i: number, m: Omit<ConsensusMsg, "signature">): ConsensusMsg => ({
    ...m,
    signature: signers[i]!.sign(
      m.type === MsgType.vote ? voteDigest(m.instance, m.vote!.phase, m.view, m.vote!.valueHash) : msgDigest(m),
    ),
  });

  const sendOut = (i: number, to: number | "all", msg: ConsensusMsg, now: number) => {
    const bytes = encodeMsg(msg);
    if (msg.type === MsgType.prepare) {
      proposed.add(hex(msg.value!));
      if (simIsValidNoThrow(msg.value!)) validProposedHashes.add(hex(valueHash(msg.value!)));
    }
    if (to === "all") for (let j = 0; j < n; j++) transmit(i, j, bytes, now);
    else transmit(i, to, bytes, now);
  };

  const byzantineOut = (i: number, b: Set<Behaviour>, to: number | "all", msg: ConsensusMsg, now: number) => {
    if (b.has("silent")) return;
    const targets = to === "all" ? order.filter((j) => j !== i).sort((x, y) => x - y) : [to];
    for (const j of targets) {
      let m = msg;
      if (b.has("equivocate") && msg.type === MsgType.prepare) {
        const choice = rng.int(3);
        const bad = choice === 2 ? adv.int(3) : 0;
        const value =
          choice === 0
            ? msg.value!
            : choice === 1
              ? validValue(rng)
              : bad === 0
                ? invalidValue(rng)
                : bad === 1
                  ? new Uint8Array(0)
                  : Uint8Array.of(UNPARSEABLE, ...adv.bytes(8));
        m = resign(i, { ...msg, value });
      } else if (b.has("conflictingVotes") && msg.type === MsgType.vote && rng.chance(0.7)) {
        const other = rng.chance(0.5) ? valueHash(validValue(rng)) : rng.bytes(32);
        m = resign(i, { ...msg, vote: { phase: msg.vote!.phase, valueHash: other } });
      }
      sendOut(i, j, m, now);
    }
    if (b.has("replay") && seen[i]!.length > 0) {
      for (let k = 0; k < 2; k++) transmit(i, rng.int(n), rng.pick(seen[i]!), now);
    }
    if (b.has("garbage")) {
      const j = rng.int(n);
      const base = rng.chance(0.5) && seen[i]!.length > 0 ? rng.pick(seen[i]!).slice() : rng.bytes(rng.int(400));
      for (let k = 0; k < 1 + rng.int(4) && base.length > 0; k++) base[rng.int(base.length)]! ^= 1 << rng.int(8);
      transmit(i, j, rng.chance(0.2) ? base.subarray(0, rng.int(base.length + 1)) : base, now);
    }
    if (b.has("forgeQc")) forgeQc(i, msg.view, now);
    if (b.has("otherInstances")) {
      for (let k = 0; k < 3; k++) {
        const other: InstanceId = adv.chance(0.5)
          ? { ...instance, slot: instance.slot + 1n + BigInt(adv.int(1000)) }
          : { committeeId: adv.bytes(32), dutyKind: instance.dutyKind, slot: instance.slot };
        const m = resign(i, { type: MsgType.newView, instance: other, view: 1 + adv.int(3), sender: i });
        sideSend(i, adv.int(n), m, encodeMsg(m), now);
      }
    }
    if (b.has("viewSpam")) {
      const m = resign(i, { type: MsgType.newView, instance, view: msg.view + 1 + rng.int(100), sender: i });
      sendOut(i, "all", m, now);
    }
  };

  /**
   * A QC for a value nobody validly proposed, "signed" by byzantine member i alone: its signature repeated under
   * quorum distinct-looking indices. Out-of-committee indices go over the wire; a repeated index cannot be encoded
   * (the signer bitmap), so that one is handed over as an object, as a buggy or hostile codec might.
   */
  const forgeQc = (i: number, view: number, now: number) => {
    const quorum = n - f;
    const value = adv.chance(0.5) ? invalidValue(adv) : validValue(adv);
    const phase = (1 + adv.int(3)) as Phase;
    const hash = valueHash(value);
    const sig = signers[i]!.sign(voteDigest(instance, phase, view, hash));
    const duplicate = adv.chance(0.5);
    const signersOf = duplicate
      ? Array.from({ length: quorum }, () => i)
      : [i, ...Array.from({ length: quorum - 1 }, (_, k) => n + k)].filter((s) => s < 13); // the codec carries member indices 0..12
    const qc: QuorumCert = { phase, view, valueHash: hash, signers: signersOf, signatures: signersOf.map(() => sig) };
    const type =
      phase === Phase.commit ? MsgType.decide : phase === Phase.preCommit ? MsgType.commit : MsgType.preCommit;
    const body = { type, instance, view, sender: i, justify: qc, value };
    const m = duplicate ? { ...body, signature: sig } : resign(i, body);
    if (duplicate) sideSend(i, adv.int(n), m, undefined, now);
    else if (signersOf.length === quorum) sideSend(i, adv.int(n), m, encodeMsg(m), now);
  };

  /** Delivery of the newer behaviours' messages: own random stream, no loss, post-GST delay. */
  const sideSend = (i: number, to: number, m: ConsensusMsg, bytes: Uint8Array | undefined, now: number) => {
    if (to === i) return;
    messages++;
    const at = now + 1 + adv.int(maxDelayPost);
    schedule(
      bytes ? { at, kind: "deliver", node: to, from: i, bytes } : { at, kind: "deliver", node: to, from: i, msg: m },
    );
  };

  const handleOutputs = (i: number, outs: Output[], now: number) => {
    for (const o of outs) {
      switch (o.kind) {
        case "send":
        case "broadcast": {
          if (o.msg.type === MsgType.vote && honest[i] && !failure) {
            const key = `${i}:${o.msg.view}:${o.msg.vote!.phase}`;
            const h = hex(o.msg.vote!.valueHash);
            if (honestVotes.has(key)) failure = `equivocation: honest node ${i} voted twice in view ${o.msg.view}`;
            honestVotes.set(key, h);
            if (!validProposedHashes.has(h))
              failure = `validity: honest node ${i} voted for a value nobody validly proposed (view ${o.msg.view})`;
          }
          const to = o.kind === "send" ? o.to : "all";
          const b = byzantine.get(i);
          if (b) byzantineOut(i, b, to, o.msg, now);
          else sendOut(i, to, o.msg, now);
          break;
        }
        case "timer":
          schedule({ at: Math.max(o.at, now), kind: "tick", node: i });
          break;
        case "decide":
          decisions[i] = o.value;
          decidedAt[i] = now;
          break;
        case "persist":
          persisted[i] = o.state;
          break;
        case "expired":
          break;
      }
    }
  };

  for (let i = 0; i < n; i++) {
    if (!deadForGood.has(i)) schedule({ at: startSkew[i]!, kind: "start", node: i });
    else if (rng.chance(0.5)) {
      // Crashes mid-instance, never comes back.
      schedule({ at: startSkew[i]!, kind: "start", node: i });
      schedule({ at: rng.int(gst + 2000), kind: "crash", node: i });
    }
    if (faults && honest[i] && rng.chance(0.15)) {
      // Honest crash-and-restart before GST; state survives (as it will on disk).
      const at = rng.int(gst + 1);
      schedule({ at, kind: "crash", node: i });
      schedule({ at: Math.min(gst, at + rng.int(5000)), kind: "restart", node: i });
    }
  }
  const started = order.map(() => false);
  const early: Event[][] = order.map(() => []);
  const honestCount = honest.filter(Boolean).length;
  let honestDecided = 0;

  while (q.size > 0) {
    const e = q.pop()!;
    const i = e.node;
    const node = nodes[i]!;
    if (e.at > startSkew[i]! + DEADLINE_MS + 1) break;
    if (trace) {
      let what = "";
      if (e.kind === "deliver") {
        try {
          const m = e.msg ?? decodeMsg(e.bytes!);
          what = ` ${m.sender}→${i} type=${m.type} v=${m.view}${m.vote ? ` phase=${m.vote.phase}` : ""}${m.justify ? ` qc=${m.justify.phase}@${m.justify.view}` : ""}`;
        } catch {
          what = " garbage";
        }
      }
      trace(`${e.at} ${e.kind} node=${i} up=${up[i]} view=${nodes[i]!.currentView}${what}`);
    }
    switch (e.kind) {
      case "start":
        if (!up[i]) break; // down at its start: it starts when it restarts
        started[i] = true;
        handleOutputs(i, node.start(e.at), e.at);
        for (const m of early[i]!.splice(0)) schedule({ ...m, at: e.at });
        break;
      case "crash":
        up[i] = false;
        break;
      case "restart": {
        up[i] = true;
        // The process died: only what it persisted survives. A node that had decided keeps nothing of it either;
        // peers answer its messages with their commit QC.
        const fresh = started[i] ? makeNode(i) : node;
        nodes[i] = fresh;
        started[i] = true;
        handleOutputs(i, fresh.start(e.at), e.at);
        break;
      }
      case "tick":
        if (up[i] && started[i]) handleOutputs(i, node.onTick(e.at), e.at);
        break;
      case "deliver": {
        if (!up[i]) break; // a message to a down node is lost
        if (!started[i]) {
          // Like the engine in production: messages for a duty not yet started wait (bounded) until it starts.
          // Each sender has its own quota, as in the engine: a flooding member cannot crowd out honest ones.
          if (early[i]!.filter((x) => x.from === e.from).length < 8) early[i]!.push(e);
          break;
        }
        if (byzantine.has(i) && e.bytes && seen[i]!.length < 64) seen[i]!.push(e.bytes);
        let msg: ConsensusMsg;
        try {
          msg = e.msg ?? decodeMsg(e.bytes!);
        } catch (err) {
          if (!(err instanceof CodecError)) {
            failure = `codec threw a non-CodecError: ${String(err)}`;
            break;
          }
          garbageRefused++;
          break;
        }
        const wasDecided = decisions[i] !== undefined;
        handleOutputs(i, node.onMessage(msg, e.at), e.at);
        if (!wasDecided && decisions[i] !== undefined && honest[i]) honestDecided++;
        break;
      }
    }
    if (failure) break;
    if (honestDecided === honestCount) break;
  }

  // ---- properties ----
  let decidedValue: Uint8Array | undefined;
  let viewsUsed = 0;
  let lastDecide = 0;
  for (let i = 0; i < n && !failure; i++) {
    if (!honest[i]) continue;
    const d = decisions[i];
    if (!d) {
      failure = `termination: honest node ${i} did not decide (view ${nodes[i]!.currentView})`;
      break;
    }
    if (decidedValue && !bytesEqual(decidedValue, d)) failure = `agreement: node ${i} decided a different value`;
    decidedValue ??= d;
    if (!simIsValid(d)) failure = `validity: node ${i} decided a value failing the predicate`;
    if (!proposed.has(hex(d))) failure = `validity: node ${i} decided a value nobody proposed`;
    viewsUsed = Math.max(viewsUsed, nodes[i]!.currentView);
    lastDecide = Math.max(lastDecide, decidedAt[i]!);
  }
  const refused: Partial<Record<Rejection, number>> = {};
  for (let i = 0; i < n; i++)
    if (honest[i]) for (const [why, c] of nodes[i]!.rejected) refused[why] = (refused[why] ?? 0) + c;
  // Agreement also among honest nodes when termination failed: never two different honest decisions.
  const honestDecisions = decisions.filter((d, i) => d && honest[i]) as Uint8Array[];
  if (honestDecisions.some((d) => !bytesEqual(d, honestDecisions[0]!))) failure = "agreement: honest decisions differ";

  return {
    n,
    seed,
    ok: failure === undefined,
    ...(failure ? { failure } : {}),
    decided: decidedValue !== undefined,
    viewsUsed,
    decideTimeMs: lastDecide,
    messages,
    garbageRefused,
    byzantine: byzantine.size,
    refused,
    crashed: deadForGood.size,
  };
}

/** Per-instance scenario seed from the run seed and the instance index (so `--from i --instances 1` replays one). */
export function scenarioSeed(runSeed: number, index: number): number {
  return (Math.imul(runSeed >>> 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca77)) >>> 0;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
