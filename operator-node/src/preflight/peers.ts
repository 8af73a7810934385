/**
 * Reaching a committee peer as the node will: a TCP connect to the published address, the libp2p noise handshake
 * (which proves the remote holds the identity key registered for that operator), then a stream on the consensus
 * channel, which the peer only accepts from a registered operator it shares a committee with. Each step fails with
 * its own reason, because each has a different fix (firewall, wrong endpoint, peer's chain sync behind).
 */
import "../polyfill.js";
import { connect } from "node:net";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { privateKeyFromRaw, publicKeyFromRaw } from "@libp2p/crypto/keys";
import { tcp } from "@libp2p/tcp";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p, type Libp2p } from "libp2p";
import { reasonOf } from "../log.js";

/** The channel every committee member opens first (p2p/host.ts names channels `/cohort/<name>/2`). */
const PROBE_PROTOCOL = "/cohort/consensus/2";

export type ProbeResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly step: "address" | "tcp" | "handshake" | "admission"; readonly reason: string };

export interface PeerProber {
  probe(identityKey: Uint8Array, address: string, timeoutMs?: number): Promise<ProbeResult>;
  stop(): Promise<void>;
}

/** A dial-only libp2p host with the operator's identity, so peers judge us as they will judge the node. */
export async function createPeerProber(identitySecret: Uint8Array): Promise<PeerProber> {
  const libp2p: Libp2p = await createLibp2p({
    privateKey: privateKeyFromRaw(identitySecret),
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
  });
  return {
    async probe(identityKey, address, timeoutMs = 5000) {
      const started = performance.now();
      let target: ReturnType<typeof multiaddr>;
      let hostPort: { host: string; port: number };
      try {
        const peerId = publicKeyFromRaw(identityKey).toString();
        target = multiaddr(address.includes("/p2p/") ? address : `${address}/p2p/${peerId}`);
        hostPort = tcpTarget(target);
      } catch (error) {
        return {
          ok: false,
          step: "address",
          reason: `not a usable /ip4|ip6|dns4/<host>/tcp/<port> address (${reasonOf(error)})`,
        };
      }
      const tcpError = await tcpConnect(hostPort.host, hostPort.port, timeoutMs);
      if (tcpError) return { ok: false, step: "tcp", reason: tcpError };
      let connection: Awaited<ReturnType<Libp2p["dial"]>>;
      try {
        connection = await libp2p.dial(target, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        return { ok: false, step: "handshake", reason: reasonOf(error) };
      }
      const remote = connection.remotePeer.publicKey?.raw;
      if (!remote || Buffer.compare(Buffer.from(remote), Buffer.from(identityKey)) !== 0) {
        await connection.close().catch(() => {});
        return { ok: false, step: "handshake", reason: "the node there proved another identity key" };
      }
      try {
        const stream = await connection.newStream(PROBE_PROTOCOL, { signal: AbortSignal.timeout(timeoutMs) });
        await stream.close();
      } catch (error) {
        return { ok: false, step: "admission", reason: reasonOf(error) };
      } finally {
        await connection.close().catch(() => {});
      }
      return { ok: true, ms: Math.round(performance.now() - started) };
    },
    stop: async () => {
      await libp2p.stop();
    },
  };
}

function tcpTarget(ma: ReturnType<typeof multiaddr>): { host: string; port: number } {
  const [first, second] = ma.getComponents();
  if (!first || !["ip4", "ip6", "dns4", "dns6", "dns"].includes(first.name) || second?.name !== "tcp") {
    throw new Error("expected /ip4|ip6|dns4|dns6/<host>/tcp/<port>");
  }
  return { host: first.value!, port: Number(second.value) };
}

/** Null when a TCP connection opened; otherwise why not. */
function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: string | null) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once("connect", () => done(null));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}
