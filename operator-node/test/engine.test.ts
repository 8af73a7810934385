import { sha256 } from "@noble/hashes/sha2.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeMsg, encodeMsg } from "../src/consensus/codec.js";
import { Secp256k1Signer, wasmSecp256k1Verifier } from "../src/consensus/crypto.js";
import { ConsensusEngine, ConsensusExpiredError } from "../src/consensus/engine.js";
import { MsgType } from "../src/consensus/types.js";
import type { Transport } from "../src/workflow.js";

const enc = new TextEncoder();
const signers = [0, 1, 2, 3].map((i) => new Secp256k1Signer(sha256(enc.encode(`engine-test-${i}`))));
const committee = signers.map((s) => s.publicKey);
const instance = { committeeId: sha256(enc.encode("engine")), dutyKind: 0, slot: 5n };

/** A transport that records what is sent and lets the test inject frames. */
function stubTransport() {
  const sent: { to: number | "all"; frame: Uint8Array }[] = [];
  let handler: ((from: number, frame: Uint8Array) => void) | undefined;
  const t: Transport = {
    send: (to, frame) => void sent.push({ to, frame }),
    broadcast: (frame) => void sent.push({ to: "all", frame }),
    pruneBelow: () => {},
    onFrame: (h) => {
      handler = h;
    },
  };
  return { t, sent, inject: (from: number, frame: Uint8Array) => handler!(from, frame) };
}

describe("ConsensusEngine", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps moving views and expires at the deadline even when timers fire before the clock reaches them", async () => {
    // Fake timers make this deterministic. The engine's clock runs 1% slower than the timers, so every timer fires
    // "early" as the engine sees it — as Node timers can, by up to ~1 ms, against performance.now().
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { t, sent } = stubTransport();
    const engine = new ConsensusEngine({
      committee,
      self: 0,
      signer: signers[0]!,
      verifier: wasmSecp256k1Verifier,
      transport: t,
      clock: () => Date.now() * 0.99,
      baseTimeoutMs: 20,
    });
    const p = engine.propose(instance, enc.encode("x"), Date.now() * 0.99 + 300, () => true);
    const outcome = p.then(
      () => "decided",
      (e) => e,
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(await Promise.race([outcome, Promise.resolve("still pending")])).toBeInstanceOf(ConsensusExpiredError);
    // View 1 lasts 20 ms; alone in view 2 (no peer there) it re-sends its NEW-VIEW every 20 ms until the deadline,
    // and never runs ahead into view 3 on its own.
    const newViews = sent.filter((s) => s.to === "all" && decodeMsg(s.frame).type === MsgType.newView);
    const views = newViews.map((s) => decodeMsg(s.frame).view);
    expect(new Set(views)).toEqual(new Set([2]));
    expect(views.length).toBeGreaterThanOrEqual(10);
    await engine.stop();
  });

  it("drops malformed frames and frames whose claimed sender is not the authenticated peer", async () => {
    const { t, inject } = stubTransport();
    const engine = new ConsensusEngine({
      committee,
      self: 0,
      signer: signers[0]!,
      verifier: wasmSecp256k1Verifier,
      transport: t,
      clock: () => performance.now(),
      baseTimeoutMs: 1000,
    });
    inject(1, new Uint8Array([1, 2, 3]));
    expect(engine.stats.malformed).toBe(1);
    const msg = { type: MsgType.newView, instance, view: 2, sender: 2, signature: new Uint8Array(64) } as const;
    inject(1, encodeMsg(msg)); // member 1 relays a message claiming to be from member 2
    expect(engine.stats.spoofed).toBe(1);
    await engine.stop();
  });

  it("buffers early messages only inside the slot window, so bogus far-future slots cannot evict real ones", async () => {
    const early = (slot: bigint) =>
      encodeMsg({
        type: MsgType.newView,
        instance: { ...instance, slot },
        view: 2,
        sender: 1,
        signature: new Uint8Array(64),
      });
    const make = (acceptSlot?: (slot: bigint) => boolean) => {
      const { t, inject } = stubTransport();
      const engine = new ConsensusEngine({
        committee,
        self: 0,
        signer: signers[0]!,
        verifier: wasmSecp256k1Verifier,
        transport: t,
        clock: () => performance.now(),
        baseTimeoutMs: 1000,
        maxPendingInstances: 2,
        ...(acceptSlot ? { acceptSlot } : {}),
      });
      return { engine, inject };
    };
    // Without a window, a member's far-future slot evicts a real pending instance.
    const open = make();
    for (const slot of [5n, 6n, 1000n]) open.inject(1, early(slot));
    expect(open.engine.stats.pendingDropped).toBe(1);
    // With one, it is refused and the real instances stay.
    const windowed = make((slot) => slot >= 4n && slot <= 7n);
    for (const slot of [5n, 6n, 1000n]) windowed.inject(1, early(slot));
    expect(windowed.engine.stats).toMatchObject({ outOfWindow: 1, pendingDropped: 0 });
    await open.engine.stop();
    await windowed.engine.stop();
  });
});

describe("ConsensusEngine early-message quota", () => {
  it("keeps a bounded number of early messages per peer; a flooding peer cannot crowd out an honest one", async () => {
    const { t, inject } = stubTransport();
    const engine = new ConsensusEngine({
      committee,
      self: 0,
      signer: signers[0]!,
      verifier: wasmSecp256k1Verifier,
      transport: t,
      clock: () => performance.now(),
      baseTimeoutMs: 1000,
      acceptSlot: (slot) => slot >= 5n && slot <= 7n,
    });
    const frame = (sender: number, inst: typeof instance, view: number) =>
      encodeMsg({ type: MsgType.newView, instance: inst, view, sender, signature: new Uint8Array(64) });
    // Member 2's early message for the real instance of the next slot comes first ...
    inject(2, frame(2, { ...instance, slot: 5n }, 2));
    // ... then member 1 floods: made-up committees in the window's slots, many views of the real instance.
    for (let k = 0; k < 5000; k++) {
      const inst = { committeeId: sha256(enc.encode(`junk-${k}`)), dutyKind: k % 7, slot: 5n + BigInt(k % 3) };
      inject(1, frame(1, inst, 1 + (k % 50)));
      inject(1, frame(1, instance, 1 + (k % 50)));
    }
    expect(engine.pendingFrom(1)).toBeLessThanOrEqual(64);
    // Member 2's message is still kept, and it still has room.
    expect(engine.pendingFrom(2)).toBe(1);
    inject(2, frame(2, { ...instance, slot: 6n }, 2));
    expect(engine.pendingFrom(2)).toBe(2);
    expect(engine.stats.pendingDropped).toBeGreaterThan(9000);
    await engine.stop();
    expect(engine.pendingFrom(1)).toBe(0);
  });
});
