/**
 * Authenticated transport between the members of one committee, on js-libp2p (TCP, noise, yamux).
 *
 * - Identity: the node's libp2p key IS the operator identity key (secp256k1, registered on-chain). Noise proves the
 *   remote key; the connection gater refuses every peer whose 33-byte compressed key is not a committee member, in
 *   both directions, before any protocol runs.
 * - Framing: one long-lived outbound stream per (peer, channel); frames are length-prefixed (lpStream) and bounded by
 *   the channel's `maxFrameBytes` on both sides: the receiver aborts a stream that announces a larger frame.
 * - Queues: one bounded queue per peer; `send` never blocks. When full, frames of the lowest priority (oldest slot) are
 *   dropped first, so a slow or absent peer costs memory proportional to the bound, and fresh duties win.
 * - Reconnect: a failed dial or a closed stream schedules a redial with exponential backoff (capped, jittered).
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

export interface P2PConfig {
  /** 32-byte secp256k1 secret of the operator identity key. */
  readonly privateKey: Uint8Array;
  /** 33-byte compressed identity keys of the committee, in member-index order (this node included). */
  readonly committee: readonly Uint8Array[];
  /** Listen multiaddrs, e.g. ["/ip4/127.0.0.1/tcp/0"]. */
  readonly listen: readonly string[];
  /** Redial backoff: first delay and cap, ms. */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
}

export interface ChannelOptions {
  /** Largest frame accepted or sent, bytes. */
  readonly maxFrameBytes: number;
  /** Bound of each peer's outgoing queue (frames). */
  readonly maxQueueFrames?: number;
}

export interface ChannelStats {
  framesIn: number;
  framesOut: number;
  /** Frames dropped from full queues (stale first). */
  dropped: number;
  /** Inbound streams aborted because a frame exceeded the limit or was malformed. */
  rejectedStreams: number;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

export class P2PNode {
  readonly self: number;
  private readonly members: Map<string, number>;
  private readonly addrs = new Map<number, string[]>();
  private readonly channels: Channel[] = [];

  private constructor(
    readonly libp2p: Libp2p,
    readonly cfg: P2PConfig,
    self: number,
    members: Map<string, number>,
  ) {
    this.self = self;
    this.members = members;
  }

  static async create(cfg: P2PConfig): Promise<P2PNode> {
    const key = privateKeyFromRaw(cfg.privateKey);
    const members = new Map(cfg.committee.map((k, i) => [hex(k), i]));
    const self = members.get(hex(key.publicKey.raw));
    if (self === undefined) {
      throw new NotAMemberError("this node's identity key is not in the committee; check the key file and committee");
    }
    const isPeer = (peer: PeerId): boolean => {
      const raw = peer.publicKey?.raw;
      const idx = raw ? members.get(hex(raw)) : undefined;
      return idx !== undefined && idx !== self;
    };
    const libp2p = await createLibp2p({
      privateKey: key,
      addresses: { listen: [...cfg.listen] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // Strangers are refused as soon as noise has proven their key, before any stream is opened.
      connectionGater: {
        denyDialPeer: (peer) => !isPeer(peer),
        denyInboundEncryptedConnection: (peer) => !isPeer(peer),
        denyOutboundEncryptedConnection: (peer) => !isPeer(peer),
      },
      // Our own redial loop handles liveness; the ping-based monitor would need the ping service.
      connectionMonitor: { enabled: false },
    });
    return new P2PNode(libp2p, cfg, self, members);
  }

  /** Multiaddrs (with /p2p/<peer id>) where this node listens. */
  listenAddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((a) => a.toString());
  }

  /** Where member `index` listens (multiaddrs, with or without /p2p). From the chain registry or configuration. */
  setPeerAddrs(index: number, addrs: readonly string[]): void {
    const id = publicKeyFromRaw(this.cfg.committee[index]!).toString();
    this.addrs.set(
      index,
      addrs.map((a) => (a.includes("/p2p/") ? a : `${a}/p2p/${id}`)),
    );
    for (const c of this.channels) c.kick(index);
  }

  peerAddrs(index: number): readonly string[] {
    return this.addrs.get(index) ?? [];
  }

  memberOf(conn: Connection): number | undefined {
    const raw = conn.remotePeer.publicKey?.raw;
    return raw ? this.members.get(hex(raw)) : undefined;
  }

  get size(): number {
    return this.cfg.committee.length;
  }

  /** Committee members with an open connection now (for metrics and health; not for routing). */
  connectedMembers(): number {
    const members = new Set<number>();
    for (const conn of this.libp2p.getConnections()) {
      const member = this.memberOf(conn);
      if (member !== undefined) members.add(member);
    }
    return members.size;
  }

  /** Opens a named channel (protocol `/cohort/<name>/1`). Register all channels before peers start sending. */
  async channel(name: string, opts: ChannelOptions): Promise<Channel> {
    const ch = new Channel(this, `/cohort/${name}/1`, opts);
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
    private readonly ch: Channel,
    private readonly peer: number,
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

  prune(below: bigint): void {
    const keep = this.queue.filter((q) => q.priority >= below);
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
    } catch {
      this.lp?.unwrap().abort(new Error("write failed"));
      this.lp = undefined;
      this.scheduleRetry();
    }
  }

  private async connect(): Promise<LengthPrefixedStream<Stream>> {
    const addrs = this.ch.node.peerAddrs(this.peer);
    if (addrs.length === 0) throw new Error(`no address known for member ${this.peer}`);
    const stream = await this.ch.node.libp2p.dialProtocol(
      addrs.map((a) => multiaddr(a)),
      this.ch.protocol,
      { signal: AbortSignal.timeout(5000) },
    );
    stream.addEventListener("close", () => {
      if (this.lp?.unwrap() === stream) this.lp = undefined;
      if (this.queue.length > 0) this.pump();
    });
    return lpStream(stream, { maxDataLength: this.ch.maxFrameBytes });
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    const { backoffMinMs = 50, backoffMaxMs = 2000 } = this.ch.node.cfg;
    const base = Math.min(backoffMaxMs, backoffMinMs * 2 ** this.failures);
    this.failures++;
    const delay = base / 2 + Math.random() * (base / 2); // jitter: members restarting together do not redial in step
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.pump();
    }, delay);
  }

  /** New address known: redial now rather than after the backoff. */
  kick(): void {
    if (this.retry) {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.lp?.unwrap().abort(new Error("transport stopped"));
  }
}

export class Channel implements Transport {
  readonly stats: ChannelStats = { framesIn: 0, framesOut: 0, dropped: 0, rejectedStreams: 0 };
  readonly maxFrameBytes: number;
  readonly maxQueueFrames: number;
  private readonly links = new Map<number, Link>();
  private handler: ((from: number, frame: Uint8Array) => void) | undefined;

  constructor(
    readonly node: P2PNode,
    readonly protocol: string,
    opts: ChannelOptions,
  ) {
    this.maxFrameBytes = opts.maxFrameBytes;
    this.maxQueueFrames = opts.maxQueueFrames ?? 1024;
  }

  onFrame(handler: (from: number, frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  send(to: number, frame: Uint8Array, priority: bigint): void {
    if (frame.length > this.maxFrameBytes) {
      throw new FrameTooLargeError(
        `frame of ${frame.length} bytes exceeds ${this.protocol} limit ${this.maxFrameBytes}; split it or raise the limit on every member`,
      );
    }
    if (to === this.node.self || to < 0 || to >= this.node.size)
      throw new NotAMemberError(`member ${to} is not a peer`);
    let link = this.links.get(to);
    if (!link) {
      link = new Link(this, to);
      this.links.set(to, link);
    }
    link.enqueue({ frame, priority });
  }

  broadcast(frame: Uint8Array, priority: bigint): void {
    for (let i = 0; i < this.node.size; i++) if (i !== this.node.self) this.send(i, frame, priority);
  }

  pruneBelow(priority: bigint): void {
    for (const l of this.links.values()) l.prune(priority);
  }

  queued(to: number): number {
    return this.links.get(to)?.queue.length ?? 0;
  }

  kick(peer: number): void {
    this.links.get(peer)?.kick();
  }

  async inbound(stream: Stream, conn: Connection): Promise<void> {
    const from = this.node.memberOf(conn);
    if (from === undefined || from === this.node.self) {
      // Unreachable behind the gater; kept as a second line of defence.
      stream.abort(new NotAMemberError("stream from a non-member"));
      return;
    }
    const lp = lpStream(stream, { maxDataLength: this.maxFrameBytes });
    try {
      for (;;) {
        const frame = await lp.read();
        this.stats.framesIn++;
        this.handler?.(from, frame.subarray());
      }
    } catch (err) {
      const name = (err as Error).name;
      // EOF and resets are a peer going away; a length error is a protocol violation.
      if (
        name === "InvalidDataLengthError" ||
        name === "InvalidDataLengthLengthError" ||
        name === "InvalidMessageLengthError"
      ) {
        this.stats.rejectedStreams++;
      }
      stream.abort(err as Error);
    }
  }

  close(): void {
    for (const l of this.links.values()) l.close();
  }
}
