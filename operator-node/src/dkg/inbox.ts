/**
 * Routes DKG frames on one channel to the ceremony they belong to. A transport has one frame handler, and members
 * start a ceremony (or its retry) at slightly different times, so frames for a ceremony this node has not started
 * yet are held, within a bound per sender, and handed over when it starts. Frames of finished ceremonies are dropped.
 */
import type { Channel, P2PNode } from "../p2p/transport.js";
import type { Transport } from "../workflow.js";
import { ceremonyKeyOfFrame, DKG_MAX_FRAME_BYTES } from "./codec.js";

export type FrameSink = (from: number, frame: Uint8Array) => void;

/** Early frames held per sender: a full ceremony sends each member at most n + 3 frames, so 64 is ample. */
const EARLY_PER_SENDER = 64;
/** Finished ceremony ids remembered, so their late frames are dropped rather than held as early ones. */
const FINISHED_KEPT = 256;

export interface InboxStats {
  /** Frames too short to name a ceremony, handed to every running ceremony as refusals. */
  unroutable: number;
  /** Frames dropped: early ones beyond the bound, and late ones of finished ceremonies. */
  dropped: number;
  /** Early frames held right now, for ceremonies this node has not started (bounded by EARLY_PER_SENDER each). */
  held: number;
}

export class DkgInbox {
  readonly stats: InboxStats = { unroutable: 0, dropped: 0, held: 0 };
  private readonly running = new Map<string, FrameSink>();
  private readonly early = new Map<number, { key: string; frame: Uint8Array }[]>();
  private readonly finished: string[] = [];

  constructor(transport: Transport) {
    transport.onFrame((from, frame) => this.deliver(from, frame));
  }

  /** Starts routing a ceremony's frames to `sink`, first those that arrived early. Returns the unsubscribe. */
  open(key: string, sink: FrameSink): () => void {
    if (this.running.has(key)) {
      throw new Error("this ceremony is already running on this node; a retry needs the next attempt number");
    }
    if (this.finished.includes(key)) {
      throw new Error("this ceremony already ran on this node; a retry needs the next attempt number");
    }
    this.running.set(key, sink);
    for (const [from, queue] of this.early) {
      const mine = queue.filter((q) => q.key === key);
      this.early.set(
        from,
        queue.filter((q) => q.key !== key),
      );
      this.stats.held -= mine.length;
      for (const q of mine) sink(from, q.frame);
    }
    return () => {
      this.running.delete(key);
      this.finished.push(key);
      if (this.finished.length > FINISHED_KEPT) this.finished.shift();
    };
  }

  private deliver(from: number, frame: Uint8Array): void {
    const key = ceremonyKeyOfFrame(frame);
    if (key === undefined) {
      this.stats.unroutable++;
      for (const sink of this.running.values()) sink(from, frame);
      return;
    }
    const sink = this.running.get(key);
    if (sink) {
      sink(from, frame);
      return;
    }
    if (this.finished.includes(key)) {
      this.stats.dropped++;
      return;
    }
    const queue = this.early.get(from) ?? [];
    // Bounded per sender, oldest out: a member cannot fill our memory with frames for ceremonies that never start.
    if (queue.length >= EARLY_PER_SENDER) {
      queue.shift()?.frame.fill(0); // it may hold a share
      this.stats.dropped++;
      this.stats.held--;
    }
    queue.push({ key, frame: new Uint8Array(frame) }); // a copy even when `frame` is a Buffer view
    this.stats.held++;
    this.early.set(from, queue);
  }
}

const inboxes = new WeakMap<Transport, DkgInbox>();

/** The one inbox of a transport (created on first use; it takes over the transport's frame handler). */
export function inboxOf(transport: Transport): DkgInbox {
  let inbox = inboxes.get(transport);
  if (!inbox) {
    inbox = new DkgInbox(transport);
    inboxes.set(transport, inbox);
  }
  return inbox;
}

/**
 * Opens the committee's DKG channel with its frame limit and attaches the inbox at once, so frames of a ceremony a
 * peer starts before this node does are held from the first one on.
 */
export async function openDkgChannel(node: P2PNode): Promise<Channel> {
  const channel = await node.channel("dkg", { maxFrameBytes: DKG_MAX_FRAME_BYTES, maxQueueFrames: 256 });
  inboxOf(channel);
  return channel;
}
