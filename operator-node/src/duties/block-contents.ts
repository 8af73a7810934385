/**
 * Full block contents between the members of a committee. Consensus on a Deneb+ block runs on its blinded form; a
 * local block's payload, blobs and KZG proofs exist only on the member whose beacon node built it. That member sends
 * them once the block is decided, so every member can publish the full block (not only the one that built it).
 *
 *   frame: slot u64 BE | SSZ BlockContents of the slot's fork
 *
 * A receiver keeps contents only when their block's root is the decided one (or, before the decision, one per sender
 * and slot), so a member cannot make others publish another block: the root is what the committee signed.
 */
import type { BeaconConfig } from "@lodestar/config";
import { ForkSeq } from "@lodestar/params";
import { ssz } from "@lodestar/types";
import type { Transport } from "../workflow.js";
import type { BlockContents } from "./proposer.js";

/** Block contents on the wire: a payload of up to 10 MiB and Fulu's blobs (128 KiB each) with their cell proofs. */
export const CONTENTS_MAX_FRAME_BYTES = 32 * 1024 * 1024;
/** Slots whose received contents are kept. */
const KEEP_SLOTS = 4;

// biome-ignore lint/suspicious/noExplicitAny: fork-indexed SSZ types; each frame is read in its slot's fork.
type AnyType = any;

export class BlockContentsExchange {
  /** slot → contents by hex block root, from peers. */
  private readonly received = new Map<number, Map<string, BlockContents>>();
  private readonly waiters = new Map<string, ((c: BlockContents) => void)[]>();

  constructor(
    private readonly transport: Transport,
    private readonly config: BeaconConfig,
  ) {
    transport.onFrame((_from, frame) => this.onFrame(frame));
  }

  /** Sends our contents of a decided local block to every other member. */
  share(contents: BlockContents): void {
    const slot = contents.block.slot;
    const body = this.type(slot).serialize(contents) as Uint8Array;
    const frame = new Uint8Array(8 + body.length);
    new DataView(frame.buffer).setBigUint64(0, BigInt(slot));
    frame.set(body, 8);
    this.transport.broadcast(frame, BigInt(slot));
  }

  /** The contents of the block with `root` at `slot` once a member sends them, or undefined at `deadlineUnixMs`. */
  wait(slot: number, root: Uint8Array, deadlineUnixMs: number): Promise<BlockContents | undefined> {
    const key = hex(root);
    const have = this.received.get(slot)?.get(key);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => {
      const done = (c: BlockContents | undefined) => {
        clearTimeout(timer);
        const ws = (this.waiters.get(key) ?? []).filter((w) => w !== done);
        if (ws.length > 0) this.waiters.set(key, ws);
        else this.waiters.delete(key);
        resolve(c);
      };
      const timer = setTimeout(() => done(undefined), Math.max(0, deadlineUnixMs - Date.now()));
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), done]);
    });
  }

  private onFrame(frame: Uint8Array): void {
    if (frame.length < 8) return;
    const slot = Number(new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getBigUint64(0));
    if (!Number.isSafeInteger(slot) || this.config.getForkSeq(slot) < ForkSeq.deneb) return;
    let contents: BlockContents;
    try {
      contents = this.type(slot).deserialize(frame.subarray(8)) as BlockContents;
    } catch {
      return; // malformed: nothing a member could publish
    }
    if (contents.block.slot !== slot) return;
    const root = hex(this.config.getForkTypes(slot).BeaconBlock.hashTreeRoot(contents.block));
    const bySlot = this.received.get(slot) ?? new Map<string, BlockContents>();
    // One block per slot is ever decided; a few candidates bound what a faulty member can make us hold.
    if (bySlot.size >= 4 && !bySlot.has(root)) return;
    bySlot.set(root, contents);
    this.received.set(slot, bySlot);
    for (const s of this.received.keys()) if (s + KEEP_SLOTS < slot) this.received.delete(s);
    for (const w of this.waiters.get(root) ?? []) w(contents);
  }

  private type(slot: number): AnyType {
    return (ssz as unknown as Record<string, Record<string, AnyType>>)[this.config.getForkName(slot)]!["BlockContents"];
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
