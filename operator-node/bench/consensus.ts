/**
 * Consensus benchmark: HotStuff over real loopback libp2p (TCP + noise + yamux) between separate processes, one per
 * operator, with real secp256k1 signatures. For n = 4, 7, 10, 13, happy path and with one node down:
 *   - decision latency p50/p99: instances run one after another; time from the parent's start signal to each live
 *     node's decision (as seen by the parent over IPC, which adds well under 1 ms);
 *   - throughput: instances run `--window` at a time; decisions per second.
 * Usage: npm run bench:consensus -w operator-node [-- --seq 25 --pipelined 25 --window 10 --n 4,7,10,13]
 * All processes share this machine's cores, so larger committees measure CPU contention as much as the protocol.
 * Many committees on one host per operator, per-duty budgets and injected WAN latency: bench/consensus-host.ts.
 * Consensus CPU without the network: bench/consensus-cpu.ts.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "4,7,10,13" },
    seq: { type: "string", default: "25" },
    pipelined: { type: "string", default: "25" },
    window: { type: "string", default: "10" },
    "base-timeout-ms": { type: "string", default: "1000" },
  },
});
const SEQ = Number(args.seq);
const PIPE = Number(args.pipelined);
const WINDOW = Number(args.window);
const DEADLINE_MS = 30_000;
const childPath = fileURLToPath(new URL("./consensus-node.ts", import.meta.url));

type FromChild =
  | { type: "ready"; addrs: string[] }
  | { type: "peered" }
  | { type: "decided"; slot: string; hash: string }
  | { type: "failed"; slot: string; error: string }
  | { type: "cpu"; ms: number };

interface Cluster {
  readonly kids: (ChildProcess | null)[];
  readonly live: number;
  /** slot → listeners */
  readonly onMsg: Set<(from: number, m: FromChild) => void>;
}

async function startCluster(n: number, down: number | undefined): Promise<Cluster> {
  const onMsg = new Set<(from: number, m: FromChild) => void>();
  const kids: (ChildProcess | null)[] = [];
  const ready: Promise<string[] | null>[] = [];
  for (let i = 0; i < n; i++) {
    if (i === down) {
      kids.push(null);
      ready.push(Promise.resolve(null));
      continue;
    }
    const kid = fork(childPath, [], {
      execArgv: ["--import", "tsx"],
      env: {
        ...process.env,
        BENCH_SELF: String(i),
        BENCH_N: String(n),
        BENCH_BASE_TIMEOUT_MS: args["base-timeout-ms"],
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    kids.push(kid);
    ready.push(
      new Promise((resolve, reject) => {
        kid.once("error", reject);
        kid.on("message", (m: FromChild) => {
          if (m.type === "ready") resolve(m.addrs);
          for (const l of onMsg) l(i, m);
        });
      }),
    );
  }
  const addrs = await Promise.all(ready);
  // The down node's address is known (as from the chain registry) but nothing listens there: peers keep redialing.
  if (down !== undefined) addrs[down] = ["/ip4/127.0.0.1/tcp/1"];
  const peered = Promise.all(
    kids.map(
      (k, i) =>
        k &&
        new Promise<void>((resolve) => {
          const l = (from: number, m: FromChild) => {
            if (from === i && m.type === "peered") {
              onMsg.delete(l);
              resolve();
            }
          };
          onMsg.add(l);
        }),
    ),
  );
  for (const k of kids) k?.send({ type: "peers", addrs });
  await peered;
  return { kids, live: kids.filter(Boolean).length, onMsg };
}

let failures = 0;
const failureNotes: string[] = [];

/** Runs one instance on every live node; resolves with each node's latency (ms) once all have decided. */
async function runInstance(c: Cluster, slot: bigint): Promise<number[]> {
  try {
    return await runInstanceOrThrow(c, slot);
  } catch (e) {
    // Counted and reported, not fatal: one expired instance must not hide the other numbers.
    failures++;
    failureNotes.push((e as Error).message);
    return [];
  }
}

function runInstanceOrThrow(c: Cluster, slot: bigint): Promise<number[]> {
  const t0 = performance.now();
  const s = slot.toString();
  return new Promise((resolve, reject) => {
    const lat: number[] = [];
    const hashes = new Set<string>();
    const l = (_from: number, m: FromChild) => {
      if (m.type === "failed" && m.slot === s) {
        c.onMsg.delete(l);
        reject(new Error(`slot ${s}: ${m.error}`));
      }
      if (m.type !== "decided" || m.slot !== s) return;
      lat.push(performance.now() - t0);
      hashes.add(m.hash);
      if (hashes.size > 1) reject(new Error(`slot ${s}: nodes decided different values`));
      if (lat.length === c.live) {
        c.onMsg.delete(l);
        resolve(lat);
      }
    };
    c.onMsg.add(l);
    for (const k of c.kids) k?.send({ type: "run", slot: s, deadlineMs: DEADLINE_MS });
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

/** Total CPU time (ms) the live nodes have used so far. */
async function clusterCpuMs(c: Cluster): Promise<number> {
  const parts = await Promise.all(
    c.kids.map(
      (k, i) =>
        k &&
        new Promise<number>((resolve) => {
          const l = (from: number, m: FromChild) => {
            if (from === i && m.type === "cpu") {
              c.onMsg.delete(l);
              resolve(m.ms);
            }
          };
          c.onMsg.add(l);
          k.send({ type: "cpu" });
        }),
    ),
  );
  return parts.reduce((a: number, b) => a + (b || 0), 0);
}

async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all(
    c.kids.map(
      (k) =>
        k &&
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => k.kill("SIGKILL"), 3000);
          k.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          k.send({ type: "exit" });
        }),
    ),
  );
}

const rows: string[] = [];
const tAll = performance.now();
for (const n of args.n.split(",").map(Number)) {
  for (const mode of ["happy", "one down"] as const) {
    const c = await startCluster(n, mode === "one down" ? n - 1 : undefined);
    let slot = 1000n;
    for (let w = 0; w < 5; w++) await runInstance(c, slot++); // warm-up: connections, JIT
    const cpu0 = await clusterCpuMs(c);
    const latencies: number[] = [];
    for (let k = 0; k < SEQ; k++) latencies.push(...(await runInstance(c, slot++)));
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < PIPE) {
        next++;
        await runInstance(c, slot++);
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, worker));
    const rate = PIPE / ((performance.now() - t0) / 1000);
    const cpuPerInstance = ((await clusterCpuMs(c)) - cpu0) / (SEQ + PIPE);
    await stopCluster(c);
    const failed = failures;
    failures = 0;
    const row =
      `n=${String(n).padStart(2)} ${mode.padEnd(8)}: latency p50 ${pct(latencies, 50).toFixed(1)} ms, ` +
      `p99 ${pct(latencies, 99).toFixed(1)} ms (${SEQ} sequential instances × ${c.live} nodes); ` +
      `throughput ${rate.toFixed(1)} decisions/s (${PIPE} instances, ${WINDOW} in flight); ` +
      `CPU ${cpuPerInstance.toFixed(0)} ms per instance (all nodes together), ${(cpuPerInstance / c.live).toFixed(1)} ms per node` +
      (failed > 0 ? `; ${failed} instance(s) FAILED: ${failureNotes.splice(0).join("; ")}` : "");
    console.log(row);
    rows.push(row);
  }
}
console.log(
  `load average at the end: ${(await import("node:os"))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(", ")} on ${(await import("node:os")).availableParallelism()} cores`,
);
console.log(`\nbench:consensus done in ${((performance.now() - tAll) / 1000).toFixed(0)} s`);
