import { ssz } from "@lodestar/types";
import { describe, expect, it } from "vitest";
import { BlockContentsExchange } from "../src/duties/block-contents.js";
import type { BlockContents } from "../src/duties/proposer.js";
import type { Transport } from "../src/workflow.js";
import { forkScheduleConfig } from "./helpers/spec-roots.js";

const config = forkScheduleConfig(
  { ALTAIR: 0, BELLATRIX: 0, CAPELLA: 0, DENEB: 0, ELECTRA: 0, FULU: 1 },
  new Uint8Array(32),
);

/** Members wired in memory through the real SSZ frames; `tamper` may rewrite a frame in flight. */
function members(n: number, tamper: (f: Uint8Array) => Uint8Array = (f) => f): Transport[] {
  const handlers: ((from: number, frame: Uint8Array) => void)[] = [];
  return Array.from({ length: n }, (_, self) => ({
    send: (to, frame) => handlers[to]?.(self, tamper(frame)),
    broadcast: (frame) => {
      for (let i = 0; i < n; i++) if (i !== self) handlers[i]?.(self, tamper(frame.slice()));
    },
    pruneBelow: () => {},
    onFrame: (h) => {
      handlers[self] = h;
    },
  }));
}

function contents(slot: number, blobs: number): BlockContents {
  const types = config.getForkName(slot) === "fulu" ? ssz.fulu : ssz.electra;
  const block = types.BeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = 5;
  block.body.blobKzgCommitments = Array.from({ length: blobs }, (_, i) => new Uint8Array(48).fill(i + 1));
  return {
    block,
    kzgProofs: Array.from({ length: blobs }, () => new Uint8Array(48).fill(9)),
    blobs: Array.from({ length: blobs }, (_, i) => new Uint8Array(131072).fill(i + 7)),
  };
}

const rootOf = (c: BlockContents) => config.getForkTypes(c.block.slot).BeaconBlock.hashTreeRoot(c.block);

describe("block contents between members (decided local blocks, Deneb on)", () => {
  it("a member that did not build the decided block receives its contents, blobs included, byte for byte", async () => {
    const [a, b, c] = members(3).map((t) => new BlockContentsExchange(t, config));
    const built = contents(5, 2);
    const waiting = b!.wait(5, rootOf(built), Date.now() + 2000);
    a!.share(built);
    const got = await waiting;
    expect(got && ssz.electra.BlockContents.equals(got as never, built as never)).toBe(true);
    // Arrived before anyone asked: kept for the slot.
    expect(await c!.wait(5, rootOf(built), Date.now() + 10)).toBeDefined();
  });

  it("Fulu contents travel in Fulu's container", async () => {
    const [a, b] = members(2).map((t) => new BlockContentsExchange(t, config));
    const built = contents(9, 1);
    a!.share(built);
    const got = await b!.wait(9, rootOf(built), Date.now() + 500);
    expect(got && ssz.fulu.BlockContents.equals(got as never, built as never)).toBe(true);
  });

  it("contents of another block than the decided one, or malformed, are never handed out", async () => {
    const [a, b] = members(2).map((t) => new BlockContentsExchange(t, config));
    const decided = contents(6, 0);
    const other = contents(6, 1);
    // Asked for before and after the other block arrives.
    const asked = b!.wait(6, rootOf(decided), Date.now() + 100);
    a!.share(other);
    expect(await asked).toBeUndefined();
    expect(await b!.wait(6, rootOf(decided), Date.now() + 10)).toBeUndefined();

    const [c, d] = members(2, (f) => f.subarray(0, f.length - 5)).map((t) => new BlockContentsExchange(t, config));
    c!.share(decided);
    expect(await d!.wait(6, rootOf(decided), Date.now() + 100)).toBeUndefined();

    // A frame whose header names another slot than its block's.
    const [e, f] = members(2, (fr) => {
      const out = fr.slice();
      out[7] = 7;
      return out;
    }).map((t) => new BlockContentsExchange(t, config));
    e!.share(decided);
    expect(await f!.wait(6, rootOf(decided), Date.now() + 100)).toBeUndefined();
    expect(await f!.wait(7, rootOf(decided), Date.now() + 10)).toBeUndefined();
  });
});
