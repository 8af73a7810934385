/**
 * Scale benchmark of the one-node-per-operator design: 7 operator processes, every committee of 4 out of 7 (35), and
 * ≥ 2,000 validators spread evenly over them, so each operator's one node serves 20 committees (~1,160 validators)
 * over one libp2p host, one beacon client and one duty scheduler. Real libp2p, HotStuff, blst share signing behind
 * SQLite slashing protection, parsigex and combine; duties come from BeaconApiStandIn, a STAND-IN beacon API (not a
 * beacon node: no beacon client that runs here can hold 2,000 validators; see beacon-stand-in.ts). Attester duties
 * only (the stand-in serves no aggregates).
 * Reports per node: CPU per validator per epoch (over the validators it serves), RSS; overall: slot start → first
 * submission p50/p99, and that every submitted signature verifies.
 * Usage: npm run bench:scale -w operator-node [-- --validators 2030 --slot-seconds 6 --epochs 1]
 * All seven nodes share this machine's two cores with the stand-in and anything else running: read CPU per
 * validator as the cost, and latency as what two cores give seven nodes.
 */
import "../src/polyfill.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { sha256 } from "@noble/hashes/sha2.js";
import { forkNodes } from "../test/support/child-ipc.js";
import { BeaconApiStandIn } from "./beacon-stand-in.js";
import { dutyBenchArgs, hex, measureWindow, splitValidator } from "./duty-bench.js";
import type { ScaleNodeConfig } from "./scale-node.js";

const { validators: V, slotSeconds: SLOT_S, epochs: EPOCHS } = dutyBenchArgs({ validators: 2030, slotSeconds: 6 });
const OPERATORS = 7;
const N = 4;
const childScript = fileURLToPath(new URL("./scale-node.ts", import.meta.url));
const enc = new TextEncoder();
const identity = (i: number) => sha256(enc.encode(`bench-scale-identity-${i}`));

/** Every k-subset of 0..n-1, ascending. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (let first = 0; first <= n - k; first++) {
    for (const rest of subsets(n - first - 1, k - 1)) out.push([first, ...rest.map((x) => x + first + 1)]);
  }
  return out;
}

const committees = subsets(OPERATORS, N).map((operators) => ({
  operators,
  validators: [] as ScaleNodeConfig["committees"][number]["validators"],
}));
console.log(
  `\nScale: ${OPERATORS} operator processes, ${committees.length} committees of ${N}, ${V} validators, ` +
    `${SLOTS_PER_EPOCH}-slot epochs of ${SLOT_S} s; load average ${loadavg()[0]!.toFixed(1)} on this machine`,
);
console.log("  beacon: BeaconApiStandIn (a stand-in HTTP server, NOT a beacon node: no client here holds this many)");

const setupStart = performance.now();
const shares: ScaleNodeConfig["shares"][] = Array.from({ length: OPERATORS }, () => []);
const publicKeys: Uint8Array[] = [];
for (let v = 0; v < V; v++) {
  const c = committees[v % committees.length]!;
  const { publicKey, shares: split } = await splitValidator(N);
  publicKeys.push(publicKey);
  c.validators.push({ publicKey: hex(publicKey), sharePublicKeys: split.map((s) => s.publicKey) });
  for (const [k, s] of split.entries())
    shares[c.operators[k]!]!.push({ validatorPublicKey: hex(publicKey), secret: s.secret });
}
console.log(`  setup: ${V} keys split in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

// Genesis far enough ahead for seven processes to load their shares and connect.
const genesisTime = Math.ceil(Date.now() / 1000) + 40;
const standIn = new BeaconApiStandIn({ validatorPublicKeys: publicKeys, genesisTime, secondsPerSlot: SLOT_S });
const beaconUrl = await standIn.start();
const dir = mkdtempSync(join(tmpdir(), "cohort-bench-scale-"));
const identities = Array.from({ length: OPERATORS }, (_, i) => hex(privateKeyFromRaw(identity(i)).publicKey.raw));
const served = Array.from({ length: OPERATORS }, (_, op) =>
  committees.filter((c) => c.operators.includes(op)).reduce((n, c) => n + c.validators.length, 0),
);

const configPaths = Array.from({ length: OPERATORS }, (_, op) => {
  const cfg: ScaleNodeConfig = {
    operator: op,
    identitySecret: hex(identity(op)),
    identities,
    committees: committees.filter((c) => c.operators.includes(op)),
    shares: shares[op]!,
    beaconUrl,
    dbPath: join(dir, `operator-${op + 1}.sqlite`),
  };
  const path = join(dir, `operator-${op + 1}.json`);
  writeFileSync(path, JSON.stringify(cfg), { mode: 0o600 });
  return path;
});
// COHORT_CPU_PROF=<dir> profiles the first node process (child-ipc.ts).
const nodes = await forkNodes(childScript, configPaths);
for (const s of shares) for (const x of s) x.secret = "";
nodes.connectAll();

try {
  const w = await measureWindow(standIn, genesisTime, SLOT_S, EPOCHS, () => nodes.cpu());
  const { firstSlot, endSlot, before, after, arrivals } = w;
  const q = w.quantile;
  console.log(`  measured slots ${firstSlot}..${endSlot - 1} after a 2-slot warm-up`);
  console.log(
    `  attestations at the stand-in: ${arrivals.length}/${V * EPOCHS} validator-duties; slot start → submission ` +
      `p50 ${q(0.5).toFixed(0)} ms   p99 ${q(0.99).toFixed(0)} ms   (duty fires at 1/3 slot = ${((SLOT_S * 1000) / 3).toFixed(0)} ms)`,
  );
  let total = 0;
  for (let op = 0; op < OPERATORS; op++) {
    const ms = after[op]!.ms - before[op]!.ms;
    total += ms;
    console.log(
      `  operator ${op + 1}: ${served[op]} validators in ${committees.filter((c) => c.operators.includes(op)).length} committees; ` +
        `CPU ${ms.toFixed(0)} ms → ${(ms / served[op]! / EPOCHS).toFixed(3)} ms per validator per epoch   RSS ${after[op]!.rssMb.toFixed(0)} MB`,
    );
  }
  console.log(
    `  all nodes: ${(total / 1000 / EPOCHS).toFixed(1)} s CPU per epoch for ${V} validators × ${N} members ` +
      `(${(total / (V * N) / EPOCHS).toFixed(3)} ms per validator-share per epoch); load average now ${loadavg()[0]!.toFixed(1)}`,
  );
  const { distinct, allValid } = standIn.verifySubmitted();
  console.log(
    `  stand-in: ${standIn.submissions} submissions, ${distinct} distinct signatures, all verify: ${allValid}`,
  );
} finally {
  await nodes.stop();
  await standIn.stop();
  rmSync(dir, { recursive: true, force: true });
}
