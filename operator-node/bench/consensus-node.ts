/**
 * One operator node for the consensus benchmark: a child process with its own libp2p node and ConsensusEngine,
 * steered by the parent over IPC (start instance k; report the decision).
 */
import "../src/polyfill.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { maxEncodedBytes } from "../src/consensus/codec.js";
import { Secp256k1Signer, valueHash, wasmSecp256k1Verifier } from "../src/consensus/crypto.js";
import { ConsensusEngine } from "../src/consensus/engine.js";
import { P2PNode } from "../src/p2p/transport.js";

const self = Number(process.env.BENCH_SELF);
const n = Number(process.env.BENCH_N);
const baseTimeoutMs = Number(process.env.BENCH_BASE_TIMEOUT_MS ?? 1000);
const enc = new TextEncoder();
export const benchSecret = (i: number) => sha256(enc.encode(`cohort-bench-operator-${i}`));

const signers = Array.from({ length: n }, (_, i) => new Secp256k1Signer(benchSecret(i)));
const committee = signers.map((s) => s.publicKey);
const node = await P2PNode.create({ privateKey: benchSecret(self), committee, listen: ["/ip4/127.0.0.1/tcp/0"] });
const channel = await node.channel("consensus", { maxFrameBytes: maxEncodedBytes(4096), maxQueueFrames: 4096 });
const engine = new ConsensusEngine({
  committee,
  self,
  signer: signers[self]!,
  verifier: wasmSecp256k1Verifier,
  transport: channel,
  clock: () => performance.now(),
  baseTimeoutMs,
  maxValueBytes: 4096,
});
const committeeId = sha256(enc.encode(`bench-committee-${n}`));

type FromParent =
  | { type: "peers"; addrs: (string[] | null)[] }
  | { type: "run"; slot: string; deadlineMs: number }
  | { type: "cpu" }
  | { type: "exit" };

process.on("message", (m: FromParent) => {
  if (m.type === "peers") {
    m.addrs.forEach((a, i) => {
      if (a && i !== self) node.setPeerAddrs(i, a);
    });
    process.send!({ type: "peered" });
  } else if (m.type === "run") {
    const slot = BigInt(m.slot);
    // Attestation-data-sized value (128 bytes); members propose different values, as beacon nodes may differ.
    const value = new Uint8Array(128);
    value.set(sha256(enc.encode(`${m.slot}-${self}`)));
    engine
      .propose({ committeeId, dutyKind: 0, slot }, value, performance.now() + m.deadlineMs, () => true)
      .then((d) => {
        process.send!({ type: "decided", slot: m.slot, hash: Buffer.from(valueHash(d.value)).toString("hex") });
        channel.pruneBelow(slot - 64n);
      })
      .catch((e: Error) => process.send!({ type: "failed", slot: m.slot, error: e.message }));
  } else if (m.type === "cpu") {
    const u = process.cpuUsage();
    process.send!({ type: "cpu", ms: (u.user + u.system) / 1000 });
  } else if (m.type === "exit") {
    void engine
      .stop()
      .then(() => node.stop())
      .finally(() => process.exit(0));
  }
});
// If the parent dies (crash, Ctrl-C), do not linger as an orphan holding a port and CPU.
process.on("disconnect", () => process.exit(0));
process.send!({ type: "ready", addrs: node.listenAddrs() });
