/**
 * A host that serves exactly one committee: the shape tests, benchmarks and single-committee tools want. Built on
 * the operator host (host.ts), so there is one transport implementation; the committee id on the wire is the
 * committee's consensus id (sha256 of its identity keys).
 */
import { consensusCommitteeId } from "@cohort/sdk/committee/ids";
import type { Libp2p } from "libp2p";
import { type ChannelOptions, type CommitteeChannel, NotAMemberError, P2PHost } from "./host.js";

export type { ChannelOptions, ChannelStats } from "./host.js";
export { CommitteeChannel as Channel, FrameTooLargeError, NotAMemberError } from "./host.js";

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

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export class P2PNode {
  readonly self: number;
  private readonly committeeId: Uint8Array;

  private constructor(
    readonly host: P2PHost,
    readonly cfg: P2PConfig,
    self: number,
  ) {
    this.self = self;
    this.committeeId = consensusCommitteeId(cfg.committee);
  }

  static async create(cfg: P2PConfig): Promise<P2PNode> {
    const members = new Set(cfg.committee.map(hex));
    const host = await P2PHost.create({
      privateKey: cfg.privateKey,
      listen: cfg.listen,
      admit: (key) => members.has(hex(key)),
      ...(cfg.backoffMinMs !== undefined ? { backoffMinMs: cfg.backoffMinMs } : {}),
      ...(cfg.backoffMaxMs !== undefined ? { backoffMaxMs: cfg.backoffMaxMs } : {}),
    });
    const self = cfg.committee.findIndex((k) => hex(k) === hex(host.identityKey));
    if (self < 0) {
      await host.stop();
      throw new NotAMemberError("this node's identity key is not in the committee; check the key file and committee");
    }
    return new P2PNode(host, cfg, self);
  }

  get libp2p(): Libp2p {
    return this.host.libp2p;
  }

  get size(): number {
    return this.cfg.committee.length;
  }

  listenAddrs(): string[] {
    return this.host.listenAddrs();
  }

  /** Where member `index` listens (multiaddrs, with or without /p2p). */
  setPeerAddrs(index: number, addrs: readonly string[]): void {
    this.host.setPeerAddrs(this.cfg.committee[index]!, addrs);
  }

  /** Committee members with an open connection now (for metrics and health; not for routing). */
  connectedMembers(): number {
    const peers = this.host.connectedPeers();
    return this.cfg.committee.filter((k, i) => i !== this.self && peers.has(hex(k))).length;
  }

  /** Opens a named channel for the committee. Register all channels before peers start sending. */
  async channel(name: string, opts: ChannelOptions): Promise<CommitteeChannel> {
    return (await this.host.channel(name, opts)).attach(this.committeeId, this.cfg.committee);
  }

  async stop(): Promise<void> {
    await this.host.stop();
  }
}
