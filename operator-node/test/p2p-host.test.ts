/**
 * The operator's one libp2p host over real loopback sockets: committees multiplexed by id, frames that arrive before a
 * committee is attached, a peer that moves to a new address, a stranger, and a peer that floods.
 */
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterEach, describe, expect, it } from "vitest";
import { type ChannelOptions, type HostChannel, P2PHost } from "../src/p2p/host.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const secret = (i: number) => sha256(enc.encode(`p2p-host-test-key-${i}`));
const key = (i: number) => privateKeyFromRaw(secret(i)).publicKey.raw;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const committeeId = (label: string) => sha256(enc.encode(label));

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function waitFor(cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Host `i` admitting exactly the operators in `admitted` (by test index). */
async function host(
  i: number,
  admitted: readonly number[],
  opts: Partial<ChannelOptions> = {},
  port = 0,
  onUnreachable?: (key: string, addrs: readonly string[], reason: string) => void,
): Promise<{ host: P2PHost; ch: HostChannel }> {
  const allowed = new Set(admitted.map((k) => hex(key(k))));
  const h = await P2PHost.create({
    privateKey: secret(i),
    listen: [`/ip4/127.0.0.1/tcp/${port}`],
    admit: (k) => allowed.has(hex(k)),
    backoffMinMs: 50,
    backoffMaxMs: 500,
    ...(onUnreachable ? { onUnreachable } : {}),
  });
  const ch = await h.channel("test", { maxFrameBytes: 1024, ...opts });
  cleanup.push(() => h.stop());
  return { host: h, ch };
}

function inbox(ch: ReturnType<HostChannel["attach"]>): [number, string][] {
  const got: [number, string][] = [];
  ch.onFrame((from, frame) => got.push([from, dec.decode(frame)]));
  return got;
}

const portOf = (h: P2PHost) => Number(h.listenAddrs()[0]!.split("/")[4]);

describe("P2PHost: one host per operator over real sockets", () => {
  it("routes frames of two committees over one connection, and refuses a committee the sender is not in", async () => {
    const a = await host(0, [1, 2]);
    const b = await host(1, [0, 2]);
    a.host.setPeerAddrs(key(1), b.host.listenAddrs());
    b.host.setPeerAddrs(key(0), a.host.listenAddrs());
    // Committee X = {0, 1, 2}; committee Y = {1, 2, 3}: operator 0 is not in Y.
    const xa = a.ch.attach(committeeId("X"), [key(0), key(1), key(2)]);
    const xb = b.ch.attach(committeeId("X"), [key(0), key(1), key(2)]);
    const yb = b.ch.attach(committeeId("Y"), [key(1), key(2), key(3)]);
    const gotX = inbox(xb);
    const gotY = inbox(yb);
    inbox(xa);
    for (let k = 0; k < 20; k++) xa.send(1, enc.encode(`x${k}`), 1n);
    await waitFor(() => gotX.length === 20);
    expect(gotX.every(([from]) => from === 0)).toBe(true);
    // A frame tagged with Y's id from a non-member: counted, never delivered.
    const misroutedBefore = b.ch.stats.misrouted;
    const forged = a.ch.attach(committeeId("Y"), [key(0), key(1), key(2)]);
    forged.send(1, enc.encode("not a member of Y"), 1n);
    xa.send(1, enc.encode("after"), 1n);
    await waitFor(() => gotX.length === 21);
    expect(gotY).toEqual([]);
    expect(b.ch.stats.misrouted).toBe(misroutedBefore + 1);
    expect(a.host.connectedPeers()).toEqual(new Set([hex(key(1))]));
  });

  it("holds a member's frames for a committee it has not attached yet and delivers them on attach", async () => {
    const a = await host(0, [1], { earlyFramesPerPeer: 8 });
    const b = await host(1, [0], { earlyFramesPerPeer: 8 });
    a.host.setPeerAddrs(key(1), b.host.listenAddrs());
    b.host.setPeerAddrs(key(0), a.host.listenAddrs());
    const members = [key(0), key(1)];
    const xa = a.ch.attach(committeeId("late"), members);
    inbox(xa);
    for (let k = 0; k < 12; k++) xa.send(1, enc.encode(`early${k}`), 1n);
    await waitFor(() => b.ch.stats.framesIn === 12);
    const xb = b.ch.attach(committeeId("late"), members);
    const got = inbox(xb);
    // The bound is per peer: the four oldest were dropped, the last eight delivered in order.
    expect(got.map(([, m]) => m)).toEqual(Array.from({ length: 8 }, (_, k) => `early${k + 4}`));
    expect(b.ch.stats.misrouted).toBe(4);
  });

  it("redials a peer at its new address once that address is set, without restarting anything", async () => {
    const a = await host(0, [1]);
    let b = await host(1, [0]);
    const members = [key(0), key(1)];
    const xa = a.ch.attach(committeeId("move"), members);
    inbox(xa);
    a.host.setPeerAddrs(key(1), b.host.listenAddrs());
    let got = inbox(b.ch.attach(committeeId("move"), members));
    xa.send(1, enc.encode("before"), 1n);
    await waitFor(() => got.length === 1);
    // The peer moves: a new process on another port (as after an on-chain endpoint change).
    const oldPort = portOf(b.host);
    await b.host.stop();
    b = await host(1, [0]);
    expect(portOf(b.host)).not.toBe(oldPort);
    got = inbox(b.ch.attach(committeeId("move"), members));
    a.host.setPeerAddrs(
      key(1),
      b.host.listenAddrs().map((addr) => addr.replace(/\/p2p\/.*$/, "")),
    );
    xa.send(1, enc.encode("after the move"), 2n);
    await waitFor(() => got.some(([, m]) => m === "after the move"));
  });

  it("refuses a stranger: no connection stays open and nothing it sends is delivered", async () => {
    const a = await host(0, [1]);
    const stranger = await host(9, [0]); // it would talk to us; we do not admit it
    const members = [key(0), key(9)];
    const got = inbox(a.ch.attach(committeeId("s"), members));
    const s = stranger.ch.attach(committeeId("s"), members);
    inbox(s);
    stranger.host.setPeerAddrs(key(0), a.host.listenAddrs());
    for (let k = 0; k < 5; k++) s.send(0, enc.encode(`spam${k}`), BigInt(k));
    await new Promise((r) => setTimeout(r, 1500));
    expect(got).toEqual([]);
    expect(a.host.connectedPeers().has(hex(key(9)))).toBe(false);
    expect(a.ch.stats.framesIn).toBe(0);
  });

  it("rate-limits a flooding peer: frames over its token bucket are dropped and counted", async () => {
    const a = await host(0, [1]);
    const b = await host(1, [0], { inboundFramesPerSecond: 50 });
    a.host.setPeerAddrs(key(1), b.host.listenAddrs());
    const members = [key(0), key(1)];
    const xa = a.ch.attach(committeeId("flood"), members);
    inbox(xa);
    const got = inbox(b.ch.attach(committeeId("flood"), members));
    for (let k = 0; k < 2000; k++) xa.send(1, enc.encode(`f${k}`), 1n);
    await waitFor(() => b.ch.stats.framesIn + b.ch.stats.rateLimited >= 2000 || b.ch.stats.rejectedStreams > 0);
    // Burst of 100 plus refill while the flood lasted: far fewer than were sent got through.
    expect(got.length).toBeLessThan(1000);
    expect(b.ch.stats.rateLimited).toBeGreaterThan(0);
  });

  it("reports a peer it cannot reach once (with its addresses and why) while it keeps retrying", async () => {
    const reports: { key: string; addrs: readonly string[]; reason: string }[] = [];
    const a = await host(0, [1], {}, 0, (key, addrs, reason) => reports.push({ key, addrs, reason }));
    // Port 1 on loopback: nothing listens there, every dial is refused.
    a.host.setPeerAddrs(key(1), ["/ip4/127.0.0.1/tcp/1"]);
    const xa = a.ch.attach(committeeId("gone"), [key(0), key(1)]);
    inbox(xa);
    for (let k = 0; k < 5; k++) xa.send(1, enc.encode(`m${k}`), BigInt(k));
    await waitFor(() => reports.length > 0);
    await new Promise((r) => setTimeout(r, 1500)); // several backoff rounds (50..500 ms)
    expect(reports).toHaveLength(1);
    expect(reports[0]!.key).toBe(hex(key(1)));
    expect(reports[0]!.addrs.join(" ")).toContain("/tcp/1/");
    expect(reports[0]!.reason.length).toBeGreaterThan(0);
    expect(a.ch.queued(hex(key(1)))).toBe(5); // nothing lost while the peer is away
  });
});
