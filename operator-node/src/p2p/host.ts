/**
 * One libp2p host per operator, shared by every committee the operator sits in (after SSV's node: one host per
 * operator, committees multiplexed over it).
 *
 * - Identity: the host's libp2p key IS the operator identity key (secp256k1, registered on-chain). Noise proves the
 *   remote key; the connection gater refuses every key `admit` does not know (an operator not registered on-chain, or
 *   one we share no committee with), in both directions, before any protocol runs. Inbound connections are also
 *   limited per source IP and in total before the handshake, where libp2p allows it.
 * - Channels: one libp2p protocol per channel (`/cohort/<name>/2`); one long-lived outbound stream per (peer,
 *   channel), whatever the number of committees. Every frame starts with the 32-byte committee id, so the receiver
 *   routes it to that committee and checks that the sender is one of its members.
 * - Queues: one bounded queue per (peer, channel); `send` never blocks. When full, frames of the lowest priority
 *   (oldest slot) are dropped first, so a slow or absent peer costs memory proportional to the bound.
 * - Inbound: a token bucket per (peer, channel) bounds the frames a peer can make us process; frames above it are
 *   dropped and counted, and a peer that keeps flooding has its stream closed.
 * - Reconnect: a failed dial or a closed stream schedules a redial with exponential backoff (capped, jittered); a new
 *   address (from the registry or configuration) redials at once.
 */
import "../polyfill.js";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { privateKeyFromRaw, publicKeyFromRaw } from "@libp2p/crypto/keys";
import type { Connection, PeerId, Stream } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { type LengthPrefixedStream, lpStream } from "@libp2p/utils";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p, type Libp2p } from "libp2p";
import type { Transport } from "../workflow.js";

export class FrameTooLargeError extends Error {
  override readonly name = "FrameTooLargeError";
}
export class NotAMemberError extends Error {
  override readonly name = "NotAMemberError";
}

/** Bytes of the committee id that prefixes every frame. */
export const COMMITTEE_ID_BYTES = 32;

export interface HostConfig {
  /** 32-byte secp256k1 secret of the operator identity key. */
  readonly privateKey: Uint8Array;
  /** Listen multiaddrs, e.g. ["/ip4/0.0.0.0/tcp/9000"]. */
  readonly listen: readonly string[];
  /** May this 33-byte compressed identity key connect (a registered operator we share a committee with)? */
  readonly admit: (identityKey: Uint8Array) => boolean;
  /** Redial backoff: first delay and cap, ms. */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /** Connections the host keeps at most (each peer needs one). */
  readonly maxConnections?: number;
  /**
   * A peer could not be reached (no address, refused, timed out): at most once per peer per minute, whatever the
   * number of channels and retries, so the operator sees it without a log line per backoff step.
   */
  readonly onUnreachable?: (identityKeyHex: string, addrs: readonly string[], reason: string) => void;
}

export interface ChannelOptions {
  /** Largest frame payload accepted or sent, bytes (the committee id comes on top). */
  readonly maxFrameBytes: number;
  /** Bound of each peer's outgoing queue (frames, all committees together). */
  readonly maxQueueFrames?: number;
  /** Frames one peer may make us process per second on this channel (token bucket, burst of twice that). */
  readonly inboundFramesPerSecond?: number;
  /**
   * Frames held per peer for a committee not attached yet (members learn of a new committee or DKG ceremony up to
   * one chain poll apart); delivered on `attach` if younger than `earlyFrameMs`. 0 (default) drops them.
   */
  readonly earlyFramesPerPeer?: number;
  readonly earlyFrameMs?: number;
}

export interface ChannelStats {
  framesIn: number;
  framesOut: number;
  /** Frames dropped from full queues (stale first) or pruned. */
  dropped: number;
  /** Inbound streams aborted because a frame exceeded the limit, or the peer kept flooding. */
  rejectedStreams: number;
  /** Inbound frames for a committee we do not run (and could not hold), or from a peer outside that committee. */
  misrouted: number;
  /** Inbound frames dropped because the peer exceeded its rate. */
  rateLimited: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export class P2PHost {
  /** Our 33-byte compressed identity key. */
  readonly identityKey: Uint8Array;
  private readonly addrs = new Map<string, string[]>();
  private readonly channels: HostChannel[] = [];

  private constructor(
    readonly libp2p: Libp2p,
    readonly cfg: HostConfig,
    identityKey: Uint8Array,
  ) {
    this.identityKey = identityKey;
  }

  static async create(cfg: HostConfig): Promise<P2PHost> {
    const key = privateKeyFromRaw(cfg.privateKey);
    const selfHex = hex(key.publicKey.raw);
    const isPeer = (peer: PeerId): boolean => {
      const raw = peer.publicKey?.raw;
      return raw !== undefined && hex(raw) !== selfHex && cfg.admit(raw);
    };
    const maxConnections = cfg.maxConnections ?? 1024;
    const libp2p = await createLibp2p({
      privateKey: key,
      addresses: { listen: [...cfg.listen] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: {
        // Strangers are refused as soon as noise has proven their key, before any stream is opened.
        denyDialPeer: (peer) => !isPeer(peer),
        denyInboundEncryptedConnection: (peer) => !isPeer(peer),
        denyOutboundEncryptedConnection: (peer) => !isPeer(peer),
      },
      connectionManager: {
        maxConnections,
        // Before the handshake only the source address is known: bound what a flood of dials can cost.
        maxIncomingPendingConnections: 32,
        inboundConnectionThreshold: 16,
      },
      // Our own redial loop handles liveness; the ping-based monitor would need the ping service.
      connectionMonitor: { enabled: false },
    });
    return new P2PHost(libp2p, cfg, key.publicKey.raw);
  }

  /** Multiaddrs (with /p2p/<peer id>) where this host listens. */
  listenAddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((a) => a.toString());
  }

  /**
   * Where the operator with this identity key listens (multiaddrs, with or without /p2p). From the registry or the
   * configuration's override; a change redials at once.
   */
  setPeerAddrs(identityKey: Uint8Array, addrs: readonly string[]): void {
    const id = publicKeyFromRaw(identityKey).toString();
    const next = addrs.map((a) => (a.includes("/p2p/") ? a : `${a}/p2p/${id}`));
    const key = hex(identityKey);
    const prev = this.addrs.get(key);
    if (prev && prev.length === next.length && prev.every((a, i) => a === next[i])) return;
    this.addrs.set(key, next);
    for (const c of this.channels) c.kick(key);
  }

  private readonly lastUnreachable = new Map<string, number>();

  /** Called by a channel's link when a dial fails (see `HostConfig.onUnreachable`). */
  reportUnreachable(identityKeyHex: string, error: unknown): void {
    const now = Date.now();
    if (now - (this.lastUnreachable.get(identityKeyHex) ?? 0) < 60_000) return;
    this.lastUnreachable.set(identityKeyHex, now);
    const reason = error instanceof Error ? error.message : String(error);
    this.cfg.onUnreachable?.(identityKeyHex, this.peerAddrs(identityKeyHex), reason);
  }

  peerAddrs(identityKeyHex: string): readonly string[] {
    return this.addrs.get(identityKeyHex) ?? [];
  }

  /** Identity keys (hex) of the peers with an open connection now (for metrics and health; not for routing). */
  connectedPeers(): Set<string> {
    const peers = new Set<string>();
    for (const conn of this.libp2p.getConnections()) {
      const raw = conn.remotePeer.publicKey?.raw;
      if (raw) peers.add(hex(raw));
    }
    return peers;
  }

  /** Opens a named channel. Open all channels before peers start sending. */
  async channel(name: string, opts: ChannelOptions): Promise<HostChannel> {
    const ch = new HostChannel(this, `/cohort/${name}/2`, opts);
    await this.libp2p.handle(ch.protocol, (stream, conn) => ch.inbound(stream, conn), {
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
    this.channels.push(ch);
    return ch;
  }

  async stop(): Promise<void> {
    for (const c of this.channels) c.close();
    await this.libp2p.stop();
  }
}

interface Queued {
  readonly frame: Uint8Array;
  readonly priority: bigint;
  /** The committee (hex id) the frame belongs to, so one committee can prune its own frames. */
  readonly committee: string;
}

/** One peer's outgoing side of a channel: bounded queue, one stream, redial with backoff. */
class Link {
  readonly queue: Queued[] = [];
  private lp: LengthPrefixedStream<Stream> | undefined;
  private busy = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    private readonly ch: HostChannel,
    private readonly peer: string,
  ) {}

  enqueue(q: Queued): void {
    if (this.queue.length >= this.ch.maxQueueFrames) {
      // Drop the oldest frame of the lowest priority (stale slot) — or the new frame if it is the stalest.
      let worst = 0;
      for (let i = 1; i < this.queue.length; i++) if (this.queue[i]!.priority < this.queue[worst]!.priority) worst = i;
      this.ch.stats.dropped++;
      if (q.priority < this.queue[worst]!.priority) return;
      this.queue.splice(worst, 1);
    }
    this.queue.push(q);
    this.pump();
  }

  /** Drops the committee's frames below `below`, or all of them without it. */
  prune(committee: string, below?: bigint): void {
    const keep = this.queue.filter((q) => q.committee !== committee || (below !== undefined && q.priority >= below));
    this.ch.stats.dropped += this.queue.length - keep.length;
    this.queue.splice(0, this.queue.length, ...keep);
  }

  /** Writes queued frames one at a time; each write waits for the stream to drain (backpressure). */
  pump(): void {
    if (this.busy || this.closed || this.retry || this.queue.length === 0) return;
    this.busy = true;
    void this.run().finally(() => {
      this.busy = false;
      if (!this.retry && this.lp) this.pump();
    });
  }

  private async run(): Promise<void> {
    try {
      if (!this.lp) this.lp = await this.connect();
      while (this.queue.length > 0 && !this.closed) {
        const q = this.queue[0]!;
        await this.lp.write(q.frame);
        // Remove only after the write: a frame lost with a broken stream is resent on the next stream.
        if (this.queue[0] === q) this.queue.shift();
        this.ch.stats.framesOut++;
        this.failures = 0;
      }
    } catch (e) {
      if (!this.lp) this.ch.host.reportUnreachable(this.peer, e);
      this.lp?.unwrap().abort(new Error("write failed"));
      this.lp = undefined;
      this.scheduleRetry();
    }
  }

  private async connect(): Promise<LengthPrefixedStream<Stream>> {
    const addrs = this.ch.host.peerAddrs(this.peer);
    if (addrs.length === 0) throw new Error("no address known for this peer");
    const stream = await this.ch.host.libp2p.dialProtocol(
      addrs.map((a) => multiaddr(a)),
      this.ch.protocol,
      { signal: AbortSignal.timeout(5000) },
    );
    stream.addEventListener("close", () => {
      if (this.lp?.unwrap() === stream) this.lp = undefined;
      if (this.queue.length > 0) this.pump();
    });
    return lpStream(stream, { maxDataLength: this.ch.maxWireBytes });
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    const { backoffMinMs = 50, backoffMaxMs = 2000 } = this.ch.host.cfg;
    const base = Math.min(backoffMaxMs, backoffMinMs * 2 ** this.failures);
    this.failures++;
    const delay = base / 2 + Math.random() * (base / 2); // jitter: members restarting together do not redial in step
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.pump();
    }, delay);
  }

  /** New address known: redial now rather than after the backoff, on a fresh stream. */
  kick(): void {
    if (this.retry) {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
    this.failures = 0;
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.lp?.unwrap().abort(new Error("transport stopped"));
  }
}

/** Frames one peer may make us process: refilled continuously, `burst` at most. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  /** Frames refused since the bucket was last full: a peer far above its rate is flooding, not bursting. */
  overflow = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      if (this.tokens >= this.burst - 1) this.overflow = 0;
      return true;
    }
    this.overflow++;
    return false;
  }
}

interface Route {
  readonly members: Map<string, number>;
  readonly self: number;
  handler: ((from: number, frame: Uint8Array) => void) | undefined;
  /** Frames that arrived before the committee set its handler (bounded), delivered when it does. */
  readonly held: { from: number; frame: Uint8Array }[];
}

/** One protocol of the host, multiplexed over every committee attached to it. */
export class HostChannel {
  readonly stats: ChannelStats = {
    framesIn: 0,
    framesOut: 0,
    dropped: 0,
    rejectedStreams: 0,
    misrouted: 0,
    rateLimited: 0,
  };
  readonly maxFrameBytes: number;
  readonly maxWireBytes: number;
  readonly maxQueueFrames: number;
  private readonly perSecond: number;
  private readonly links = new Map<string, Link>();
  private readonly routes = new Map<string, Route>();
  private readonly buckets = new Map<string, TokenBucket>();
  /** Frames for committees not attached yet, per sending peer (bounded by `earlyFramesPerPeer`, oldest dropped). */
  private readonly early = new Map<string, { committee: string; frame: Uint8Array; at: number }[]>();
  private readonly earlyPerPeer: number;
  private readonly earlyMs: number;

  constructor(
    readonly host: P2PHost,
    readonly protocol: string,
    opts: ChannelOptions,
  ) {
    this.maxFrameBytes = opts.maxFrameBytes;
    this.maxWireBytes = opts.maxFrameBytes + COMMITTEE_ID_BYTES;
    this.maxQueueFrames = opts.maxQueueFrames ?? 4096;
    this.perSecond = opts.inboundFramesPerSecond ?? 2000;
    this.earlyPerPeer = opts.earlyFramesPerPeer ?? 0;
    this.earlyMs = opts.earlyFrameMs ?? 30_000;
  }

  /**
   * The Transport of one committee on this channel: members addressed by index (position in `members`, the
   * committee's identity keys in member order), frames tagged with `committeeId`. Attach before peers send.
   */
  attach(committeeId: Uint8Array, members: readonly Uint8Array[]): CommitteeChannel {
    if (committeeId.length !== COMMITTEE_ID_BYTES) throw new Error("a committee id is 32 bytes");
    const index = new Map(members.map((k, i) => [hex(k), i]));
    const self = index.get(hex(this.host.identityKey));
    if (self === undefined) {
      throw new NotAMemberError("this node's identity key is not in the committee; check the key file and committee");
    }
    const route: Route = { members: index, self, handler: undefined, held: [] };
    const id = hex(committeeId);
    this.routes.set(id, route);
    // Frames members sent before we attached wait in the route until the committee sets its handler.
    const oldest = Date.now() - this.earlyMs;
    for (const [peer, frames] of this.early) {
      const from = index.get(peer);
      const mine = frames.filter((f) => f.committee === id);
      if (mine.length === 0) continue;
      this.early.set(
        peer,
        frames.filter((f) => f.committee !== id),
      );
      if (from === undefined || from === self) continue;
      for (const f of mine) if (f.at >= oldest) route.held.push({ from, frame: f.frame });
    }
    return new CommitteeChannel(this, committeeId, members, route);
  }

  detach(committeeId: Uint8Array): void {
    const id = hex(committeeId);
    this.routes.delete(id);
    for (const l of this.links.values()) l.prune(id);
  }

  /** Queues a framed payload for one peer. */
  enqueue(peer: string, frame: Uint8Array, priority: bigint, committee: string): void {
    let link = this.links.get(peer);
    if (!link) {
      link = new Link(this, peer);
      this.links.set(peer, link);
    }
    link.enqueue({ frame, priority, committee });
  }

  queued(peer: string): number {
    return this.links.get(peer)?.queue.length ?? 0;
  }

  prune(committee: string, below: bigint): void {
    for (const l of this.links.values()) l.prune(committee, below);
  }

  kick(peer: string): void {
    this.links.get(peer)?.kick();
  }

  async inbound(stream: Stream, conn: Connection): Promise<void> {
    const raw = conn.remotePeer.publicKey?.raw;
    if (!raw || !this.host.cfg.admit(raw)) {
      // Unreachable behind the gater; kept as a second line of defence.
      stream.abort(new NotAMemberError("stream from a peer that is not admitted"));
      return;
    }
    const peer = hex(raw);
    let bucket = this.buckets.get(peer);
    if (!bucket) {
      bucket = new TokenBucket(this.perSecond, 2 * this.perSecond);
      this.buckets.set(peer, bucket);
    }
    const lp = lpStream(stream, { maxDataLength: this.maxWireBytes });
    try {
      for (;;) {
        const frame = (await lp.read()).subarray();
        if (!bucket.take()) {
          this.stats.rateLimited++;
          // Ten seconds' worth of frames over the limit: a flood. Close the stream; the peer must redial.
          if (bucket.overflow > 10 * this.perSecond) throw new FloodError();
          continue;
        }
        this.stats.framesIn++;
        this.route(peer, frame);
      }
    } catch (err) {
      const name = (err as Error).name;
      // EOF and resets are a peer going away; a length error or a flood is a protocol violation.
      if (
        name === "FloodError" ||
        name === "InvalidDataLengthError" ||
        name === "InvalidDataLengthLengthError" ||
        name === "InvalidMessageLengthError"
      ) {
        this.stats.rejectedStreams++;
      }
      stream.abort(err as Error);
    }
  }

  private route(peer: string, frame: Uint8Array): void {
    const route =
      frame.length >= COMMITTEE_ID_BYTES ? this.routes.get(hex(frame.subarray(0, COMMITTEE_ID_BYTES))) : undefined;
    if (!route && frame.length >= COMMITTEE_ID_BYTES && this.earlyPerPeer > 0) {
      this.holdEarly(peer, frame);
      return;
    }
    const from = route?.members.get(peer);
    if (!route || from === undefined || from === route.self) {
      this.stats.misrouted++;
      return;
    }
    const payload = frame.subarray(COMMITTEE_ID_BYTES);
    if (route.handler) route.handler(from, payload);
    else if (route.held.length < Math.max(this.earlyPerPeer, 64)) route.held.push({ from, frame: payload });
    else this.stats.misrouted++;
  }

  private holdEarly(peer: string, frame: Uint8Array): void {
    let frames = this.early.get(peer);
    if (!frames) {
      frames = [];
      this.early.set(peer, frames);
    }
    if (frames.length >= this.earlyPerPeer) {
      frames.shift();
      this.stats.misrouted++;
    }
    // A copy: the length-prefixed reader may reuse its buffer.
    frames.push({
      committee: hex(frame.subarray(0, COMMITTEE_ID_BYTES)),
      frame: frame.slice(COMMITTEE_ID_BYTES),
      at: Date.now(),
    });
  }

  close(): void {
    for (const l of this.links.values()) l.close();
  }
}

class FloodError extends Error {
  override readonly name = "FloodError";
}

/** One committee's view of a channel: the `Transport` consensus, ParSigEx and the DKG run on. */
export class CommitteeChannel implements Transport {
  readonly self: number;
  private readonly id: string;
  private readonly peers: string[];

  constructor(
    private readonly ch: HostChannel,
    private readonly committeeId: Uint8Array,
    members: readonly Uint8Array[],
    private readonly route: Route,
  ) {
    this.self = route.self;
    this.id = hex(committeeId);
    this.peers = members.map(hex);
  }

  get stats(): ChannelStats {
    return this.ch.stats;
  }

  get size(): number {
    return this.peers.length;
  }

  onFrame(handler: (from: number, frame: Uint8Array) => void): void {
    this.route.handler = handler;
    const held = this.route.held.splice(0);
    for (const { from, frame } of held) handler(from, frame);
  }

  send(to: number, frame: Uint8Array, priority: bigint): void {
    if (frame.length > this.ch.maxFrameBytes) {
      throw new FrameTooLargeError(
        `frame of ${frame.length} bytes exceeds ${this.ch.protocol} limit ${this.ch.maxFrameBytes}; split it or raise the limit on every member`,
      );
    }
    if (to === this.self || to < 0 || to >= this.peers.length) throw new NotAMemberError(`member ${to} is not a peer`);
    const wire = new Uint8Array(COMMITTEE_ID_BYTES + frame.length);
    wire.set(this.committeeId, 0);
    wire.set(frame, COMMITTEE_ID_BYTES);
    this.ch.enqueue(this.peers[to]!, wire, priority, this.id);
  }

  broadcast(frame: Uint8Array, priority: bigint): void {
    for (let i = 0; i < this.peers.length; i++) if (i !== this.self) this.send(i, frame, priority);
  }

  pruneBelow(priority: bigint): void {
    this.ch.prune(this.id, priority);
  }

  /** Frames queued for member `to` on this channel (all committees: the queue is per peer). */
  queued(to: number): number {
    return this.ch.queued(this.peers[to]!);
  }

  close(): void {
    this.ch.detach(this.committeeId);
  }
}
