/**
 * DKG benchmark: whole ceremonies (deal, echo, complaints, deposit threshold-signed and combined) among n real
 * P2PNode instances in this one process over loopback libp2p, with real BLS (WASM) and secp256k1 identity signatures;
 * plus the per-dealer arithmetic on its own. All members share this machine's cores, so a ceremony's time here is
 * the sum of every member's CPU more than network latency.
 * Usage: node --import tsx operator-node/bench/dkg.ts [--runs 10] [--n 4,7]
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { thresholdOf } from "@cohort/sdk";
import { executionWithdrawalCredentials, GENESIS_FORK_VERSIONS } from "@cohort/sdk/deposit/deposit";
import { sha256 } from "@noble/hashes/sha2.js";
import { Secp256k1Signer, wasmSecp256k1Verifier } from "../src/consensus/crypto.js";
import { deal, verifyShare } from "../src/dkg/feldman.js";
import { openDkgChannel, runDkg } from "../src/dkg/index.js";
import { silentLogger } from "../src/log.js";
import { P2PNode } from "../src/p2p/transport.js";

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "10" }, n: { type: "string", default: "4,7" } },
});
const RUNS = Number(args.runs);

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `median ${pick(0.5).toFixed(1).padStart(8)} ms   p95 ${pick(0.95).toFixed(1).padStart(8)} ms   (${s.length} runs)`;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function arithmetic(n: number, t: number): Promise<void> {
  const dealSamples: number[] = [];
  const verifySamples: number[] = [];
  await deal(n, t);
  for (let i = 0; i < RUNS * 5; i++) {
    let d: Awaited<ReturnType<typeof deal>> | undefined;
    dealSamples.push(await time(async () => (d = await deal(n, t))));
    verifySamples.push(await time(() => verifyShare(d!.commitments, 1, d!.shares[0]!)));
  }
  console.log(`  ${`deal: polynomial, ${t} commitments, ${n} shares`.padEnd(52)} ${stats(dealSamples)}`);
  console.log(`  ${"verify one share against its commitments".padEnd(52)} ${stats(verifySamples)}`);
}

async function ceremonies(n: number): Promise<void> {
  const secrets = Array.from({ length: n }, (_, i) => sha256(new TextEncoder().encode(`dkg-bench-${i}`)));
  const signers = secrets.map((s) => new Secp256k1Signer(s));
  const committee = signers.map((s) => s.publicKey);
  const nodes = await Promise.all(
    secrets.map((privateKey) => P2PNode.create({ privateKey, committee, listen: ["/ip4/127.0.0.1/tcp/0"] })),
  );
  try {
    const channels = await Promise.all(nodes.map((node) => openDkgChannel(node)));
    for (const a of nodes) for (const b of nodes) if (a !== b) a.setPeerAddrs(b.self, b.listenAddrs());
    const ceremony = (attempt: number) =>
      Promise.all(
        nodes.map((_, m) =>
          runDkg({
            channel: channels[m]!,
            self: m,
            committee,
            ceremonyId: { miniPoolId: BigInt(n), attempt },
            withdrawalCredentials: executionWithdrawalCredentials("0x00000000000000000000000000000000000000aa"),
            forkVersion: Uint8Array.from(Buffer.from(GENESIS_FORK_VERSIONS.holesky.slice(2), "hex")),
            identitySigner: signers[m]!,
            identityVerifier: wasmSecp256k1Verifier,
            deadlineMs: 30_000,
            log: silentLogger,
          }),
        ),
      ).then((results) => {
        for (const r of results) {
          if (!r.ok) throw new Error(`bench ceremony failed: ${r.reason}`);
          r.share.zeroize();
        }
      });
    await ceremony(0); // connections and WASM warm
    const samples: number[] = [];
    for (let k = 1; k <= RUNS; k++) samples.push(await time(() => ceremony(k)));
    console.log(
      `  ${`whole ceremony, ${n} members on loopback (first connect excluded)`.padEnd(52)} ${stats(samples)}`,
    );
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

console.log(`DKG benchmarks — node ${process.version}`);
for (const n of args.n.split(",").map(Number)) {
  const t = thresholdOf(n);
  console.log(`\nn = ${n}, t = ${t}`);
  await arithmetic(n, t);
  await ceremonies(n);
}
