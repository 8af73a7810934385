import { connect, createServer, type Socket } from "node:net";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { consensusCommitteeId } from "@cohort/sdk/committee/ids";
import { generateKeyPair, privateKeyFromRaw } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { lpStream } from "@libp2p/utils";
import { multiaddr } from "@multiformats/multiaddr";
import { sha256 } from "@noble/hashes/sha2.js";
import { createLibp2p } from "libp2p";
import { afterEach, describe, expect, it } from "vitest";
import { Secp256k1Signer, wasmSecp256k1Verifier } from "../src/consensus/crypto.js";
import { ConsensusEngine } from "../src/consensus/engine.js";
import { COMMITTEE_ID_BYTES } from "../src/p2p/host.js";
import { type Channel, FrameTooLargeError, P2PNode } from "../src/p2p/transport.js";

const enc = new TextEncoder();
const secret = (i: number) => sha256(enc.encode(`p2p-test-key-${i}`));
const publicKey = (i: number) => privateKeyFromRaw(secret(i)).publicKey.raw;
const MAX = 4096;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/** Polls until `cond` holds; fails after `ms`. Bounds a wait on real sockets, asserts nothing about speed. */
async function waitFor(cond: () => boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startNode(
  i: number,
  n: number,
  port = 0,
): Promise<{ node: P2PNode; ch: Channel; got: [number, string][] }> {
  const committee = Array.from({ length: n }, (_, k) => publicKey(k));
  const node = await P2PNode.create({ privateKey: secret(i), committee, listen: [`/ip4/127.0.0.1/tcp/${port}`] });
  const ch = await node.channel("test", { maxFrameBytes: MAX });
  const got: [number, string][] = [];
  ch.onFrame((from, frame) => got.push([from, new TextDecoder().decode(frame)]));
  cleanup.push(() => node.stop());
  return { node, ch, got };
}

interface RelaySession {
  bytesFromListener: number;
  /** Which side closed the TCP connection first. */
  hungUpBy?: "listener" | "dialer";
}

/** A TCP relay to 127.0.0.1:`port` that records, per connection, what the listener sent and who hung up first. */
async function tcpRelay(port: number): Promise<{ port: number; sessions: RelaySession[]; close: () => Promise<void> }> {
  const sessions: RelaySession[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((down) => {
    const session: RelaySession = { bytesFromListener: 0 };
    sessions.push(session);
    const up = connect(port, "127.0.0.1");
    for (const s of [up, down]) sockets.add(s);
    const hangUp = (by: "listener" | "dialer") => () => {
      session.hungUpBy ??= by;
      up.destroy();
      down.destroy();
    };
    up.on("data", (d: Buffer) => {
      session.bytesFromListener += d.length;
      down.write(d);
    });
    down.on("data", (d: Buffer) => up.write(d));
    up.on("end", hangUp("listener")).on("error", hangUp("listener")).on("close", hangUp("listener"));
    down.on("end", hangUp("dialer")).on("error", hangUp("dialer")).on("close", hangUp("dialer"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    sessions,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function connectAll(nodes: P2PNode[]): void {
  for (const a of nodes) for (const b of nodes) if (a !== b) a.setPeerAddrs(b.self, b.listenAddrs());
}

describe("p2p transport over real loopback sockets", () => {
  it("two nodes exchange messages both ways, attributed to the right member", async () => {
    const [a, b] = await Promise.all([startNode(0, 4), startNode(1, 4)]);
    connectAll([a.node, b.node]);
    for (let k = 0; k < 50; k++) a.ch.send(1, enc.encode(`a${k}`), 1n);
    b.ch.send(0, enc.encode("hello"), 1n);
    await waitFor(() => b.got.length === 50 && a.got.length === 1);
    expect(b.got.map(([f]) => f)).toEqual(new Array(50).fill(0));
    expect(b.got.map(([, m]) => m)).toEqual(Array.from({ length: 50 }, (_, k) => `a${k}`)); // in order
    expect(a.got).toEqual([[1, "hello"]]);
  });

  it("four nodes: every broadcast reaches every other member", async () => {
    const nodes = await Promise.all([0, 1, 2, 3].map((i) => startNode(i, 4)));
    connectAll(nodes.map((x) => x.node));
    for (const x of nodes) x.ch.broadcast(enc.encode(`from-${x.node.self}`), 7n);
    await waitFor(() => nodes.every((x) => x.got.length === 3));
    for (const x of nodes) {
      const senders = x.got.map(([f]) => f).sort();
      expect(senders).toEqual([0, 1, 2, 3].filter((i) => i !== x.node.self));
      for (const [f, m] of x.got) expect(m).toBe(`from-${f}`);
    }
  });

  it("refuses a stranger whose key is not in the committee: it answers the handshake, then hangs up", async () => {
    const a = await startNode(0, 4);
    // Both dialers go through a relay in front of node 0, which sees who sends what and who hangs up first.
    const relay = await tcpRelay(Number(a.node.listenAddrs()[0]!.split("/")[4]));
    cleanup.push(relay.close);
    const viaRelay = multiaddr(`/ip4/127.0.0.1/tcp/${relay.port}/p2p/${a.node.libp2p.peerId.toString()}`);
    const dialer = async (privateKey: PrivateKey) => {
      const node = await createLibp2p({
        privateKey,
        addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        connectionMonitor: { enabled: false },
        // Node 0 must be the side that hangs up, also on a slow machine: the dialer's own timeouts stay out of reach.
        connectionManager: { dialTimeout: 120_000, addressDialTimeout: 120_000 },
      });
      cleanup.push(async () => {
        await node.stop();
      });
      return node;
    };
    const send = async (from: Awaited<ReturnType<typeof dialer>>, text: string) => {
      const s = await from.dialProtocol(viaRelay, "/cohort/test/2");
      const lp = lpStream(s);
      await lp.write(Uint8Array.from([...consensusCommitteeId([0, 1, 2, 3].map(publicKey)), ...enc.encode(text)]));
    };

    const stranger = await dialer(await generateKeyPair("secp256k1"));
    const refusal = await send(stranger, "let me in").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(Error);
    // Not a dial failure: node 0 accepted the TCP connection and spoke the handshake, then it hung up.
    expect(relay.sessions.length).toBe(1);
    expect(relay.sessions[0]!.bytesFromListener).toBeGreaterThan(0);
    await waitFor(() => relay.sessions[0]!.hungUpBy !== undefined);
    expect(relay.sessions[0]!.hungUpBy).toBe("listener");
    expect(a.ch.stats.framesIn).toBe(0);
    expect(a.node.libp2p.getConnections().length).toBe(0);

    // Control: the same dial through the same relay with a member's key is admitted and its frame delivered, so
    // the address, protocol and framing were right and the key is what the stranger was refused for.
    const member = await dialer(privateKeyFromRaw(secret(1)));
    await send(member, "a member");
    await waitFor(() => a.got.length === 1);
    expect(a.got).toEqual([[1, "a member"]]);
    expect(relay.sessions[1]!.hungUpBy).toBeUndefined();
  });

  it("rejects an oversized frame: refused locally, and the receiver aborts a stream that announces one", async () => {
    const [a, b] = await Promise.all([startNode(0, 4), startNode(1, 4)]);
    connectAll([a.node, b.node]);
    expect(() => a.ch.send(1, new Uint8Array(MAX + 1), 1n)).toThrow(FrameTooLargeError);
    // A member that bypasses its own check: write an oversized frame on a raw stream.
    const s = await a.node.libp2p.dialProtocol(multiaddr(b.node.listenAddrs()[0]!), "/cohort/test/2");
    const lp = lpStream(s, { maxDataLength: 10 * MAX });
    await lp.write(new Uint8Array(MAX + COMMITTEE_ID_BYTES + 1)); // over the payload limit plus the committee id
    await waitFor(() => b.ch.stats.rejectedStreams === 1);
    expect(b.got).toEqual([]);
    // The channel still works afterwards.
    a.ch.send(1, enc.encode("fine"), 1n);
    await waitFor(() => b.got.length === 1);
    expect(b.got).toEqual([[0, "fine"]]);
  });

  it("reconnects after a peer restarts and delivers what was queued meanwhile", async () => {
    const a = await startNode(0, 4);
    let b = await startNode(1, 4);
    const port = Number(b.node.listenAddrs()[0]!.split("/")[4]);
    connectAll([a.node, b.node]);
    a.ch.send(1, enc.encode("before"), 1n);
    await waitFor(() => b.got.length === 1);
    await b.node.stop();
    // Once node 0 has seen the connection go, what it sends waits in its queue for member 1.
    await waitFor(() => a.node.libp2p.getConnections().length === 0);
    a.ch.send(1, enc.encode("during-1"), 2n);
    a.ch.send(1, enc.encode("during-2"), 2n);
    expect(a.ch.queued(1)).toBe(2);
    b = await startNode(1, 4, port);
    // The redial (backoff) delivers exactly the queued frames to the restarted peer, in order, and empties the queue.
    await waitFor(() => b.got.length === 2);
    expect(b.got).toEqual([
      [0, "during-1"],
      [0, "during-2"],
    ]);
    expect(a.ch.queued(1)).toBe(0);
    a.ch.send(1, enc.encode("after"), 3n);
    await waitFor(() => b.got.length === 3);
    expect(b.got[2]).toEqual([0, "after"]);
  });

  it("bounded queue drops the stalest slot first when a peer is unreachable", async () => {
    const committee = [0, 1, 2, 3].map(publicKey);
    const node = await P2PNode.create({ privateKey: secret(0), committee, listen: ["/ip4/127.0.0.1/tcp/0"] });
    cleanup.push(() => node.stop());
    const ch = await node.channel("q", { maxFrameBytes: 100, maxQueueFrames: 3 });
    // No address for member 1: nothing can drain.
    for (const slot of [5n, 6n, 7n, 8n]) ch.send(1, enc.encode(`s${slot}`), slot);
    expect(ch.queued(1)).toBe(3);
    expect(ch.stats.dropped).toBe(1); // slot 5 went
    ch.send(1, enc.encode("s1"), 1n); // staler than everything queued: dropped itself
    expect(ch.stats.dropped).toBe(2);
    ch.pruneBelow(8n);
    expect(ch.queued(1)).toBe(1);
  });

  it("four consensus engines decide the same value over libp2p with real signatures", async () => {
    const n = 4;
    const nodes = await Promise.all([0, 1, 2, 3].map((i) => startNode(i, n)));
    connectAll(nodes.map((x) => x.node));
    const engines = nodes.map(
      (x, i) =>
        new ConsensusEngine({
          committee: [0, 1, 2, 3].map(publicKey),
          self: i,
          signer: new Secp256k1Signer(secret(i)),
          verifier: wasmSecp256k1Verifier,
          transport: x.ch,
          clock: () => performance.now(),
          baseTimeoutMs: 1000,
        }),
    );
    cleanup.push(async () => {
      for (const e of engines) await e.stop();
    });
    const instance = { committeeId: sha256(enc.encode("c")), dutyKind: 0, slot: 99n };
    const deadline = performance.now() + 30_000;
    const decisions = await Promise.all(
      engines.map((e, i) => e.propose(instance, enc.encode(`proposal-${i}`), deadline, () => true)),
    );
    const values = decisions.map((d) => new TextDecoder().decode(d.value));
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toMatch(/^proposal-[0-3]$/);
    expect(decisions[0]!.proof.signers.length).toBe(3);
  });
});
