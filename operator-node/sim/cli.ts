/**
 * Simulator CLI: `npm run sim -w operator-node -- --instances N --n 4|7|10|13|all --seed S [--from I] [--real-sigs]`.
 * Runs N independent seeded scenarios through the real HotStuff core and codec; exits 1 on the first property
 * violation, printing the command that replays exactly that instance.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { COMMITTEE_SIZES } from "../src/consensus/types.js";
import { percentile, runScenario, type SimResult, scenarioSeed } from "./simulator.js";

const { values: args } = parseArgs({
  options: {
    instances: { type: "string", default: "1000" },
    n: { type: "string", default: "all" },
    seed: { type: "string", default: "1" },
    from: { type: "string", default: "0" },
    "real-sigs": { type: "boolean", default: false },
    "no-faults": { type: "boolean", default: false },
    progress: { type: "string", default: "0" },
    /** Writes per-instance views and decide times as JSON, to merge runs split with --from. */
    dump: { type: "string" },
  },
});

const instances = Number(args.instances);
const runSeed = Number(args.seed);
const from = Number(args.from);
const progressEvery = Number(args.progress);
const sizes: readonly number[] = args.n === "all" ? COMMITTEE_SIZES : [Number(args.n)];
if (!sizes.every((n) => (COMMITTEE_SIZES as readonly number[]).includes(n))) {
  throw new Error(`--n must be one of ${COMMITTEE_SIZES.join(", ")} or "all"`);
}

const t0 = performance.now();
const byN = new Map<number, SimResult[]>();
let failures = 0;
for (let k = from; k < from + instances; k++) {
  const n = sizes[k % sizes.length]!;
  const seed = scenarioSeed(runSeed, k);
  const r = runScenario({ n, seed, realSignatures: args["real-sigs"], faults: !args["no-faults"] });
  const list = byN.get(n) ?? [];
  list.push(r);
  byN.set(n, list);
  if (!r.ok) {
    failures++;
    console.error(
      `FAIL instance ${k} (n=${n}, scenario seed ${seed}): ${r.failure}\n` +
        `  replay: npm run sim -w operator-node -- --seed ${runSeed} --from ${k} --instances 1 --n ${n}`,
    );
    if (sizes.length > 1) console.error(`  (with --n all the instance index ${k} picks n=${n} the same way)`);
    break;
  }
  if (progressEvery > 0 && (k - from + 1) % progressEvery === 0) {
    console.log(`  ... ${k - from + 1} instances, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
}
const wall = (performance.now() - t0) / 1000;

let total = 0;
let decided = 0;
console.log(`seed ${runSeed}, signatures: ${args["real-sigs"] ? "real secp256k1" : "FakeSimSigner (sim only)"}`);
for (const [n, rs] of [...byN].sort((a, b) => a[0] - b[0])) {
  const views = rs.map((r) => r.viewsUsed).sort((a, b) => a - b);
  const times = rs.map((r) => r.decideTimeMs).sort((a, b) => a - b);
  const dec = rs.filter((r) => r.decided).length;
  const byz = rs.filter((r) => r.byzantine > 0).length;
  const garbage = rs.reduce((s, r) => s + r.garbageRefused, 0);
  total += rs.length;
  decided += dec;
  console.log(
    `n=${String(n).padStart(2)}: ${rs.length} instances, ${dec} decided, views p50 ${percentile(views, 50)} ` +
      `p99 ${percentile(views, 99)} max ${views.at(-1)}, virtual decide time p50 ${percentile(times, 50)} ms ` +
      `p99 ${percentile(times, 99)} ms, ${byz} with byzantine nodes, ${garbage} garbage messages refused`,
  );
}
console.log(
  `total: ${total} instances, ${decided} decided, ${failures} failures, wall ${wall.toFixed(1)} s ` +
    `(${(total / wall).toFixed(0)} instances/s)`,
);
if (args.dump) {
  const byNOut = Object.fromEntries(
    [...byN].map(([n, rs]) => [n, { views: rs.map((r) => r.viewsUsed), decided: rs.filter((r) => r.decided).length }]),
  );
  writeFileSync(
    args.dump,
    JSON.stringify({ from, instances, seed: runSeed, failures, wallSeconds: wall, byN: byNOut }),
  );
}
process.exitCode = failures > 0 ? 1 : 0;
