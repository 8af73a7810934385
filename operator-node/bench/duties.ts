/**
 * Duty benchmark at scale: ≥ 1,000 validators in one committee of 4 operator nodes, each its own process (real
 * libp2p, real HotStuff, real share signing with @chainsafe/blst behind SQLite slashing protection, real verify +
 * combine), served by BeaconApiStandIn — a STAND-IN beacon API, not a beacon node (see beacon-stand-in.ts).
 * Reports, for the measured epochs:
 *   - slot start → first arrival of each validator's combined attestation at the stand-in, p50/p99/max;
 *   - CPU time (process.cpuUsage, user+system) per validator per epoch, per node;
 *   - that every submitted signature verifies (one blst batch at the end).
 * Usage: npm run bench:duties -w operator-node [-- --validators 1000 --slot-seconds 4 --epochs 1]
 * Preset: LODESTAR_PRESET (default mainnet: 32 slots, ~31 validators per slot at 1,000).
 * All four nodes share this machine's cores with the stand-in and anything else running.
 */
import "../src/polyfill.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { sha256 } from "@noble/hashes/sha2.js";
import { forkNodes } from "../test/support/child-ipc.js";
import type { ChildNodeConfig } from "../test/support/node-child.js";
import { BeaconApiStandIn } from "./beacon-stand-in.js";
import { dutyBenchArgs, hex, measureWindow, splitValidator } from "./duty-bench.js";

const { validators: V, slotSeconds: SLOT_S, epochs: EPOCHS } = dutyBenchArgs({ validators: 1000, slotSeconds: 4 });
const N = 4;
const THRESHOLD = 3;
// The same child runner the restart test SIGKILLs; `cohort-node start --config` will replace it.
const childScript = fileURLToPath(new URL("../test/support/node-child.ts", import.meta.url));
const enc = new TextEncoder();
const identity = (i: number) => sha256(enc.encode(`bench-duties-identity-${i}`));

console.log(
  `\nDuty pipeline at scale — ${V} validators, committee 3 of ${N}, ${SLOTS_PER_EPOCH}-slot epochs of ${SLOT_S} s`,
);
console.log(
  "  beacon: BeaconApiStandIn (a stand-in HTTP server, NOT a beacon node: Lodestar dev cannot hold this many)",
);

// ---- keys: one random BLS key per validator, Shamir-split by the sdk ----
const setupStart = performance.now();
const validators: ChildNodeConfig["validators"] = [];
const shares: ChildNodeConfig["shares"][] = [[], [], [], []];
const publicKeys: Uint8Array[] = [];
for (let v = 0; v < V; v++) {
  const { publicKey, shares: split } = await splitValidator(N);
  publicKeys.push(publicKey);
  validators.push({ publicKey: hex(publicKey), sharePublicKeys: split.map((s) => s.publicKey) });
  for (const [k, s] of split.entries()) shares[k]!.push({ validatorPublicKey: hex(publicKey), secret: s.secret });
}
console.log(`  setup: ${V} keys split in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

// Genesis far enough ahead for four processes to load 1,000 shares and connect.
const genesisTime = Math.ceil(Date.now() / 1000) + 25;
const standIn = new BeaconApiStandIn({ validatorPublicKeys: publicKeys, genesisTime, secondsPerSlot: SLOT_S });
const beaconUrl = await standIn.start();
const dir = mkdtempSync(join(tmpdir(), "cohort-bench-duties-"));
const committee = Array.from({ length: N }, (_, i) => hex(privateKeyFromRaw(identity(i)).publicKey.raw));

const configPaths = Array.from({ length: N }, (_, member) => {
  const cfg: ChildNodeConfig = {
    member,
    identitySecret: hex(identity(member)),
    committee,
    validators,
    shares: shares[member]!,
    threshold: THRESHOLD,
    beaconUrl,
    dbPath: join(dir, `node-${member}.sqlite`),
    events: false,
  };
  const path = join(dir, `node-${member}.json`);
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
  const expected = V * EPOCHS;
  console.log(
    `  measured slots ${firstSlot}..${endSlot - 1} (${EPOCHS} epoch${EPOCHS > 1 ? "s" : ""} of slots after a 2-slot warm-up)`,
  );
  console.log(
    `  attestations at the stand-in: ${arrivals.length}/${expected} validators-duties; slot start → submission ` +
      `p50 ${q(0.5).toFixed(0)} ms   p99 ${q(0.99).toFixed(0)} ms   max ${(arrivals.at(-1) ?? Number.NaN).toFixed(0)} ms` +
      `   (duty fires at 1/3 slot = ${((SLOT_S * 1000) / 3).toFixed(0)} ms)`,
  );
  for (let i = 0; i < N; i++) {
    const ms = after[i]!.ms - before[i]!.ms;
    console.log(
      `  node ${i}: CPU ${ms.toFixed(0)} ms over ${EPOCHS} epoch(s) → ${(ms / V / EPOCHS).toFixed(3)} ms per validator per epoch` +
        `   RSS ${after[i]!.rssMb.toFixed(0)} MB   events ${JSON.stringify(after[i]!.counts)}`,
    );
  }
  const { distinct, allValid } = standIn.verifySubmitted();
  console.log(
    `  stand-in: ${standIn.submissions} submissions (every member submits), ${distinct} distinct signatures, ` +
      `all verify: ${allValid}; stand-in + this process CPU ${w.parentMs.toFixed(0)} ms`,
  );
} finally {
  await nodes.stop();
  await standIn.stop();
  rmSync(dir, { recursive: true, force: true });
}
