/**
 * Consensus on the production transport: one process and ONE P2PHost per operator (src/p2p/host.ts), `--committees`
 * committees multiplexed over it, each running its own instance per (duty kind, slot): all committees start a duty
 * at once, so that many instances are in flight. Optionally a delaying TCP proxy on loopback in front of every link
 * (this kernel has no netem) puts 50–150 ms one way between operators. Reports, per duty kind: decision latency
 * p50/p99 (in each node, from propose() to its decision) against the duty's budget (consensus/timeouts.ts), the
 * highest view needed, decisions per second, CPU per instance per node.
 * Usage: node --import tsx bench/consensus-host.ts [--n 4] [--committees 100] [--rounds 5] [--latency 50-150]
 *        [--down] [--duties attester,aggregator,proposer,syncCommittee] [--flat-timeout-ms 1000] [--verifier wasm]
 */
import { type ChildProcess, fork } from "node:child_process";
import net from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DUTY_DECISION_BUDGET_MS, DUTY_VIEW_TIMEOUT_MS } from "../src/consensus/timeouts.js";
import { DutyKind } from "../src/consensus/types.js";

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "4" },
    committees: { type: "string", default: "100" },
    rounds: { type: "string", default: "5" },
    latency: { type: "string", default: "" },
    down: { type: "boolean", default: false },
    duties: { type: "string", default: "attester,aggregator,proposer,syncCommittee" },
    "flat-timeout-ms": { type: "string", default: "" },
    verifier: { type: "string", default: "wasm" },
  },
});
const n = Number(args.n);
const COMMITTEES = Number(args.committees);
const ROUNDS = Number(args.rounds);
const DEADLINE_MS = 30_000;
const childPath = fileURLToPath(new URL("./consensus-host-node.ts", import.meta.url));
const down = args.down ? n - 1 : undefined;

type Result = { ms: number; hash: string; view: number } | { error: string };
type FromChild =
  | { type: "ready"; addrs: string[] }
  | { type: "peered" }
  | { type: "round"; slot: string; results: Result[] }
  | { type: "cpu"; ms: number };

const kids: (ChildProcess | null)[] = [];
const listeners = new Set<(from: number, m: FromChild) => void>();
const waitFor = <T>(pick: (from: number, m: FromChild) => T | undefined, count: number): Promise<T[]> =>
  new Promise((resolve) => {
    const got: T[] = [];
    const l = (from: number, m: FromChild) => {
      const v = pick(from, m);
      if (v === undefined) return;
      got.push(v);
      if (got.length === count) {
        listeners.delete(l);
        resolve(got);
      }
    };
    listeners.add(l);
  });

const live = Array.from({ length: n }, (_, i) => i).filter((i) => i !== down);
const ready = waitFor((from, m) => (m.type === "ready" ? { from, addrs: m.addrs } : undefined), live.length);
for (let i = 0; i < n; i++) {
  if (i === down) {
    kids.push(null);
    continue;
  }
  const kid = fork(childPath, [], {
    // BENCH_CPU_PROF=<dir>: each node writes a V8 CPU profile there on exit (where does a node's CPU go?).
    execArgv: [
      "--import",
      "tsx",
      ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    env: {
      ...process.env,
      BENCH_SELF: String(i),
      BENCH_N: String(n),
      BENCH_COMMITTEES: String(COMMITTEES),
      BENCH_VERIFIER: args.verifier,
      ...(args["flat-timeout-ms"] ? { BENCH_FLAT_TIMEOUT_MS: args["flat-timeout-ms"] } : {}),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  kid.on("message", (m: FromChild) => {
    for (const l of [...listeners]) l(i, m);
  });
  kids.push(kid);
}
const addrs: (string[] | null)[] = Array(n).fill(null);
for (const r of await ready) addrs[r.from] = r.addrs;

/** One-way delay of the link between a and b: the links spread evenly over the range, the same both ways. */
const pairs: [number, number][] = [];
for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) pairs.push([a, b]);
const [lo, hi] = args.latency ? args.latency.split("-").map(Number) : [0, 0];
const oneWay = (a: number, b: number): number => {
  const k = pairs.findIndex(([x, y]) => x === Math.min(a, b) && y === Math.max(a, b));
  return pairs.length > 1 ? lo! + ((hi! - lo!) * k) / (pairs.length - 1) : lo!;
};

/** A TCP proxy that holds every chunk `delayMs` in each direction (order kept: equal delays fire in order). */
function delayingProxy(targetPort: number, delayMs: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    const pipe = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk) => setTimeout(() => to.writable && to.write(chunk), delayMs));
      from.on("end", () => setTimeout(() => to.end(), delayMs));
      from.on("error", () => to.destroy());
      from.on("close", () => setTimeout(() => to.destroy(), delayMs));
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const proxies: net.Server[] = [];
const peersOf = async (i: number): Promise<(string[] | null)[]> => {
  const out: (string[] | null)[] = [];
  for (let j = 0; j < n; j++) {
    const a = addrs[j];
    if (j === down) {
      out.push(["/ip4/127.0.0.1/tcp/1"]); // known address, nothing listening: peers keep redialing
    } else if (!a || j === i || !args.latency) {
      out.push(a ?? null);
    } else {
      const [, port, id] = /\/tcp\/(\d+)\/p2p\/(\w+)/.exec(a[0]!)!;
      const proxy = await delayingProxy(Number(port), oneWay(i, j));
      proxies.push(proxy);
      out.push([`/ip4/127.0.0.1/tcp/${(proxy.address() as net.AddressInfo).port}/p2p/${id}`]);
    }
  }
  return out;
};
const peered = waitFor((_f, m) => (m.type === "peered" ? true : undefined), live.length);
for (const i of live) kids[i]!.send({ type: "peers", addrs: await peersOf(i) });
await peered;

const cpuNow = async (): Promise<number> =>
  (await waitFor((_f, m) => (m.type === "cpu" ? m.ms : undefined), live.length).then((xs) => xs)).reduce(
    (a, b) => a + b,
    0,
  );
const cpuTotal = async (): Promise<number> => {
  const p = cpuNow();
  for (const i of live) kids[i]!.send({ type: "cpu" });
  return p;
};

let slot = 1000n;
/** Starts one instance per committee on every live node; resolves with every node's results. */
async function round(dutyKind: number): Promise<Result[][]> {
  const s = (slot++).toString();
  const done = waitFor((_f, m) => (m.type === "round" && m.slot === s ? m.results : undefined), live.length);
  for (const i of live) kids[i]!.send({ type: "run", slot: s, dutyKind, deadlineMs: DEADLINE_MS });
  return done;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(", ");

console.log(
  `n=${n}${down !== undefined ? ` (member ${down} down)` : ""}, ${COMMITTEES} committees on one host per operator, ` +
    `${args.latency ? `one-way latency ${args.latency} ms (delaying proxy per link)` : "loopback"}, ` +
    `view timeouts ${args["flat-timeout-ms"] ? `flat ${args["flat-timeout-ms"]} ms` : "per duty (DUTY_VIEW_TIMEOUT_MS)"}; load ${load()}`,
);
const tAll = performance.now();
for (const name of args.duties.split(",")) {
  const kind = DutyKind[name as keyof typeof DutyKind];
  if (kind === undefined) throw new Error(`unknown duty ${name}; use ${Object.keys(DutyKind).join(", ")}`);
  await round(kind); // warm-up: connections (through the proxies), JIT
  const cpu0 = await cpuTotal();
  const t0 = performance.now();
  const lat: number[] = [];
  let failures = 0;
  let disagreements = 0;
  let maxView = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const perNode = await round(kind);
    for (let c = 0; c < COMMITTEES; c++) {
      const hashes = new Set<string>();
      for (const res of perNode) {
        const x = res[c]!;
        if ("error" in x) {
          failures++;
          continue;
        }
        lat.push(x.ms);
        hashes.add(x.hash);
        maxView = Math.max(maxView, x.view);
      }
      if (hashes.size > 1) disagreements++;
    }
  }
  const wall = (performance.now() - t0) / 1000;
  const instances = ROUNDS * COMMITTEES;
  const cpu = ((await cpuTotal()) - cpu0) / (instances * live.length);
  const budget = DUTY_DECISION_BUDGET_MS[kind];
  const p99 = pct(lat, 99);
  console.log(
    `${name.padEnd(14)} p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...lat).toFixed(0)} ms ` +
      `(budget ${budget} ms: ${p99 <= budget ? "met" : "MISSED"}; view timeout ${args["flat-timeout-ms"] || DUTY_VIEW_TIMEOUT_MS[kind]} ms; highest view ${maxView}); ` +
      `${(instances / wall).toFixed(0)} decisions/s (${instances} instances, ${COMMITTEES} in flight); ` +
      `CPU ${cpu.toFixed(2)} ms per instance per node` +
      (failures || disagreements ? `; ${failures} FAILED, ${disagreements} DISAGREED` : "") +
      `; load ${load()}`,
  );
}
await Promise.all(
  live.map(
    (i) =>
      new Promise<void>((resolve) => {
        const k = kids[i]!;
        const kill = setTimeout(() => k.kill("SIGKILL"), 3000);
        k.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        k.send({ type: "exit" });
      }),
  ),
);
for (const p of proxies) p.close();
console.log(`done in ${((performance.now() - tAll) / 1000).toFixed(0)} s on ${os.availableParallelism()} cores`);
process.exit(0);
