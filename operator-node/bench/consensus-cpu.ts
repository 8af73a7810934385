/**
 * Consensus CPU without the network: n ConsensusEngines in one process over an in-memory Transport (frames really
 * encoded and decoded, real secp256k1 signatures), so the cost of the protocol and its crypto is measured apart from
 * libp2p. Reports CPU per instance per node (process CPU time / (instances × n)); robust to a loaded machine in a way
 * wall-clock latency is not.
 * Usage: npm run bench:consensus-cpu -w operator-node [-- --n 4 --instances 400 --window 20 --verifier wasm]
 * Profile: node --import tsx --cpu-prof bench/consensus-cpu.ts
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { sha256 } from "@noble/hashes/sha2.js";
import { Secp256k1Signer, valueHash, verifierByName } from "../src/consensus/crypto.js";
import { ConsensusEngine } from "../src/consensus/engine.js";
import type { Signer, Verifier } from "../src/consensus/types.js";
import type { Transport } from "../src/workflow.js";

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "4" },
    instances: { type: "string", default: "400" },
    window: { type: "string", default: "20" },
    verifier: { type: "string", default: "wasm" },
  },
});
const n = Number(args.n);
const TOTAL = Number(args.instances);
const WINDOW = Number(args.window);
const enc = new TextEncoder();

const handlers: ((from: number, frame: Uint8Array) => void)[] = [];
function transportOf(self: number): Transport {
  const deliver = (to: number, frame: Uint8Array) => void setImmediate(() => handlers[to]!(self, frame));
  return {
    onFrame: (h) => {
      handlers[self] = h;
    },
    send: (to, frame) => deliver(to, frame),
    broadcast: (frame) => {
      for (let i = 0; i < n; i++) if (i !== self) deliver(i, frame);
    },
    pruneBelow: () => {},
  };
}

const ops = { signs: 0, verifies: 0 };
const keys = Array.from({ length: n }, (_, i) => new Secp256k1Signer(sha256(enc.encode(`cohort-cpu-bench-${i}`))));
const committee = keys.map((s) => s.publicKey);
// Counting wrappers: how many signatures and verifications an instance costs, beside the CPU they take.
const signers: Signer[] = keys.map((k) => ({
  sign: (d) => {
    ops.signs++;
    return k.sign(d);
  },
}));
const base = verifierByName(args.verifier as "wasm");
const verifier: Verifier = {
  verify: (k, d, s) => {
    ops.verifies++;
    return base.verify(k, d, s);
  },
  ...(base.verifyPreimage
    ? {
        verifyPreimage: (k: Uint8Array, p: Uint8Array, s: Uint8Array) => {
          ops.verifies++;
          return base.verifyPreimage!(k, p, s);
        },
      }
    : {}),
};
const engines = signers.map(
  (signer, self) =>
    new ConsensusEngine({
      committee,
      self,
      signer,
      verifier,
      transport: transportOf(self),
      clock: () => performance.now(),
      baseTimeoutMs: 5_000,
      maxValueBytes: 4096,
    }),
);
const committeeId = sha256(enc.encode("cpu-bench-committee"));

async function runInstance(slot: bigint): Promise<void> {
  const decided = await Promise.all(
    engines.map((e, self) => {
      const value = new Uint8Array(128);
      value.set(sha256(enc.encode(`${slot}-${self}`)));
      return e.propose({ committeeId, dutyKind: 0, slot }, value, performance.now() + 60_000, () => true);
    }),
  );
  const h = new Set(decided.map((d) => Buffer.from(valueHash(d.value)).toString("hex")));
  if (h.size !== 1) throw new Error(`slot ${slot}: members decided different values`);
}

async function run(count: number, first: bigint): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await runInstance(first + BigInt(next++));
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
}

await run(50, 1n); // warm-up: JIT, WASM instantiation
ops.signs = 0;
ops.verifies = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(TOTAL, 1000n);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
// Reference: one verification through the chosen verifier, measured now, so numbers taken under different load can
// be compared as "verification-equivalents".
const probeKey = keys[0]!;
const probeDigest = sha256(enc.encode("probe"));
const probeSig = probeKey.sign(probeDigest);
const p0 = process.cpuUsage();
for (let i = 0; i < 500; i++) base.verify(probeKey.publicKey, probeDigest, probeSig);
const p = process.cpuUsage(p0);
const verifyUs = (p.user + p.system) / 500;
console.log(
  `n=${n} verifier=${args.verifier}: CPU ${(cpuMs / (TOTAL * n)).toFixed(3)} ms per instance per node ` +
    `(${TOTAL} instances, ${WINDOW} in flight, one process); ${(TOTAL / (wall / 1000)).toFixed(0)} decisions/s; ` +
    `per node per instance ${(ops.signs / (TOTAL * n)).toFixed(2)} signatures, ${(ops.verifies / (TOTAL * n)).toFixed(2)} verifications; ` +
    `1 WASM verification = ${verifyUs.toFixed(0)} µs CPU now, so CPU = ${((cpuMs * 1000) / (TOTAL * n) / verifyUs).toFixed(1)} verifications; ` +
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(", ")}`,
);
for (const e of engines) await e.stop();
