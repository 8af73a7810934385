/**
 * One operator for bench/consensus-host.ts: ONE P2PHost (as in production, src/p2p/host.ts) with one consensus
 * channel multiplexing `BENCH_COMMITTEES` committees, each with its own ConsensusEngine, steered over IPC.
 */
import "../src/polyfill.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { maxEncodedBytes } from "../src/consensus/codec.js";
import { Secp256k1Signer, valueHash, verifierByName } from "../src/consensus/crypto.js";
import { ConsensusEngine } from "../src/consensus/engine.js";
import { DUTY_VIEW_TIMEOUT_MS } from "../src/consensus/timeouts.js";
import { DutyKind } from "../src/consensus/types.js";
import { P2PHost } from "../src/p2p/host.js";

const self = Number(process.env.BENCH_SELF);
const n = Number(process.env.BENCH_N);
const committees = Number(process.env.BENCH_COMMITTEES);
const flatTimeoutMs = process.env.BENCH_FLAT_TIMEOUT_MS ? Number(process.env.BENCH_FLAT_TIMEOUT_MS) : undefined;
const verifier = verifierByName((process.env.BENCH_VERIFIER ?? "wasm") as "wasm");
const enc = new TextEncoder();
const secret = (i: number) => sha256(enc.encode(`cohort-bench-operator-${i}`));
const MAX_VALUE = 4096;

const signers = Array.from({ length: n }, (_, i) => new Secp256k1Signer(secret(i)));
const keys = signers.map((s) => s.publicKey);
const keyHex = new Set(keys.map((k) => Buffer.from(k).toString("hex")));
const host = await P2PHost.create({
  privateKey: secret(self),
  listen: ["/ip4/127.0.0.1/tcp/0"],
  admit: (k) => keyHex.has(Buffer.from(k).toString("hex")),
});
// The bench pushes far more frames per peer than the production default rate limit is sized for.
const channel = await host.channel("consensus", {
  maxFrameBytes: maxEncodedBytes(MAX_VALUE),
  maxQueueFrames: 16_384,
  inboundFramesPerSecond: 50_000,
});
const ids = Array.from({ length: committees }, (_, c) => sha256(enc.encode(`bench-host-committee-${n}-${c}`)));
const engines = ids.map((id) => {
  const transport = channel.attach(id, keys);
  return {
    id,
    transport,
    engine: new ConsensusEngine({
      committee: keys,
      self,
      signer: signers[self]!,
      verifier,
      transport,
      clock: () => performance.now(),
      baseTimeoutMs: flatTimeoutMs ?? 1000,
      ...(flatTimeoutMs === undefined ? { viewTimeoutMs: DUTY_VIEW_TIMEOUT_MS } : {}),
      maxValueBytes: MAX_VALUE,
    }),
  };
});

type FromParent =
  | { type: "peers"; addrs: (string[] | null)[] }
  | { type: "run"; slot: string; dutyKind: number; deadlineMs: number }
  | { type: "cpu" }
  | { type: "exit" };

function valueFor(dutyKind: number, slot: string, c: number): Uint8Array {
  // Attestation-data-sized values, blinded-block-sized proposals; members' values differ (their beacon nodes do).
  const v = new Uint8Array(dutyKind === DutyKind.proposer ? 2048 : 128);
  v.set(sha256(enc.encode(`${slot}-${dutyKind}-${c}-${self}`)));
  return v;
}

process.on("message", (m: FromParent) => {
  if (m.type === "peers") {
    m.addrs.forEach((a, i) => {
      if (a && i !== self) host.setPeerAddrs(keys[i]!, a);
    });
    process.send!({ type: "peered" });
  } else if (m.type === "run") {
    // Every committee starts one instance of this duty kind and slot at once: `committees` in flight.
    const slot = BigInt(m.slot);
    const t0 = performance.now();
    void Promise.all(
      engines.map(({ id, engine }, c) =>
        engine
          .propose(
            { committeeId: id, dutyKind: m.dutyKind, slot },
            valueFor(m.dutyKind, m.slot, c),
            t0 + m.deadlineMs,
            () => true,
          )
          .then(
            (d) => ({
              ms: performance.now() - t0,
              hash: Buffer.from(valueHash(d.value)).toString("hex").slice(0, 16),
              view: d.proof.view,
            }),
            (e: Error) => ({ error: e.message }),
          ),
      ),
    ).then((results) => {
      for (const { transport } of engines) transport.pruneBelow(slot - 64n);
      process.send!({ type: "round", slot: m.slot, results });
    });
  } else if (m.type === "cpu") {
    const u = process.cpuUsage();
    process.send!({ type: "cpu", ms: (u.user + u.system) / 1000 });
  } else if (m.type === "exit") {
    void Promise.all(engines.map((e) => e.engine.stop()))
      .then(() => host.stop())
      .finally(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
process.send!({ type: "ready", addrs: host.listenAddrs() });
