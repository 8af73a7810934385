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
import { CodecError, decodeMsg, encodeMsg } from "./codec.js";
import {
  bytesEqual,
  FakeSimSigner,
  fakeSimVerifier,
  msgDigest,
  Secp256k1Signer,
  valueHash,
  voteDigest,
  wasmSecp256k1Verifier,
} from "./crypto.js";
import { HotStuffInstance, type Output } from "./hotstuff.js";
import { type ConsensusMsg, faultTolerance, type InstanceId, MsgType, type SafetyState, type Signer } from "./types.js";

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
}

const BASE_TIMEOUT_MS = 1000;
const DEADLINE_MS = 600_000;
const MAX_BACKOFF_EXP = 4;

type Behaviour = "equivocate" | "conflictingVotes" | "replay" | "garbage" | "viewSpam" | "silent";
const BEHAVIOURS: readonly Behaviour[] = ["equivocate", "conflictingVotes", "replay", "garbage", "viewSpam", "silent"];

/** Valid values have an even first byte: honest nodes propose them, byzantine ones sometimes do not. */
export function simIsValid(value: Uint8Array): boolean {
  return value.length >= 1 && value.length <= 512 && (value[0]! & 1) === 0;
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
  const byzantine = new Map<number, Set<Behaviour>>();
  for (const i of order.slice(0, nByz)) {
    const b = new Set<Behaviour>();
    for (const x of BEHAVIOURS) if (rng.chance(x === "silent" ? 0.1 : 0.5)) b.add(x);
    if (b.size === 0) b.add("equivocate");
    byzantine.set(i, b);
  }
  const deadForGood = new Set(order.slice(nByz, faulty));
  const gst = faults ? rng.int(20_000) : 0;
  const dropP = faults ? rng.float() * 0.3 : 0;
  const dupP = faults ? rng.float() * 0.1 : 0;
  const maxDelayPre = faults ? 20 + rng.int(400) : 20;
  const maxDelayPost = 5 + rng.int(50);
  const partition = faults && rng.chance(0.4) ? order.filter(() => rng.chance(0.5)) : [];
  const partitioned = new Set(partition);
  const healAt = rng.int(gst + 1);
  const startSkew = order.map(() => rng.int(faults ? 300 : 20));

  const values = order.map(() => validValue(rng));
  if (rng.chance(0.3)) for (let i = 1; i < n; i++) values[i] = values[0]!; // nodes often see the same data
  const proposed = new Set<string>(); // every value anyone put in a PREPARE
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
    if (msg.type === MsgType.prepare) proposed.add(hex(msg.value!));
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
        const value = choice === 0 ? msg.value! : choice === 1 ? validValue(rng) : invalidValue(rng);
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
    if (b.has("viewSpam")) {
      const m = resign(i, { type: MsgType.newView, instance, view: msg.view + 1 + rng.int(100), sender: i });
      sendOut(i, "all", m, now);
    }
  };

  const handleOutputs = (i: number, outs: Output[], now: number) => {
    for (const o of outs) {
      switch (o.kind) {
        case "send":
        case "broadcast": {
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
          if (early[i]!.length < 4 * n) early[i]!.push(e);
          break;
        }
        if (byzantine.has(i) && seen[i]!.length < 64) seen[i]!.push(e.bytes!);
        let msg: ConsensusMsg;
        try {
          msg = decodeMsg(e.bytes!);
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
    byzantine: nByz,
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
