/**
 * TEST/BENCH-ONLY: the IPC between a parent and the node processes it forks (test/support/node-child.ts,
 * bench/scale-node.ts). A child says {ready, addrs} and answers {cpu} with its CPU time, RSS and event counts; the
 * parent sends {peers}, {cpu} and {stop}. Both sides live here so the protocol is written once.
 */
import { type ChildProcess, fork } from "node:child_process";

export interface CpuReport {
  type: "cpu";
  ms: number;
  rssMb: number;
  counts: Record<string, number>;
}
export type ChildMessage = { type: "ready"; addrs: string[] } | CpuReport | { type: "event"; event: unknown };
export type ParentMessage = { type: "peers"; peers: [number, string[]][] } | { type: "cpu" } | { type: "stop" };

/** Child side: answers the parent until it says stop (or goes away), then runs `stop` and exits. */
export function serveParent(o: {
  setPeer: (peer: number, addrs: string[]) => void;
  counts: Record<string, number>;
  stop: () => Promise<void>;
}): (m: ChildMessage) => void {
  const send = (m: ChildMessage) => process.send?.(m);
  process.on("message", (m: ParentMessage) => {
    if (m.type === "peers") for (const [peer, addrs] of m.peers) o.setPeer(peer, addrs);
    else if (m.type === "cpu") {
      const u = process.cpuUsage();
      send({
        type: "cpu",
        ms: (u.user + u.system) / 1000,
        rssMb: process.memoryUsage().rss / 2 ** 20,
        counts: o.counts,
      });
    } else if (m.type === "stop") void o.stop().finally(() => process.exit(0));
  });
  // An orphan would hold a port and CPU: leave with the parent.
  process.on("disconnect", () => process.exit(0));
  return send;
}

export interface ForkedNodes {
  readonly kids: readonly ChildProcess[];
  /** Each child's listen addresses, in order. */
  readonly addrs: readonly string[][];
  /** Tells every child where every other one listens (peer numbers are child positions). */
  connectAll(): void;
  cpu(): Promise<CpuReport[]>;
  /** A clean stop first (it lets a CPU profile be written), then SIGKILL whatever is left after 10 s. */
  stop(): Promise<void>;
}

/**
 * Parent side: forks one child per config file and resolves once every one is ready. COHORT_CPU_PROF=<dir> writes a
 * V8 CPU profile of the first child (open it in Chrome DevTools) to see where the time goes.
 */
export async function forkNodes(script: string, configPaths: readonly string[]): Promise<ForkedNodes> {
  const profile = process.env.COHORT_CPU_PROF;
  const execArgv = (i: number) => (profile && i === 0 ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []);
  const kids: ChildProcess[] = [];
  const waiters: ((m: CpuReport) => void)[][] = configPaths.map(() => []);
  const addrs = await Promise.all(
    configPaths.map((path, i) => {
      const kid = fork(script, [path], {
        execArgv: ["--import", "tsx", ...execArgv(i)],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      kids.push(kid);
      return new Promise<string[]>((resolve, reject) => {
        kid.once("exit", (code) => reject(new Error(`node process ${i} exited with ${code}`)));
        kid.on("message", (m: ChildMessage) => {
          if (m.type === "ready") resolve(m.addrs);
          if (m.type === "cpu") waiters[i]!.shift()?.(m);
        });
      });
    }),
  );
  return {
    kids,
    addrs,
    connectAll() {
      for (const [i, kid] of kids.entries())
        kid.send({ type: "peers", peers: addrs.flatMap((a, j) => (j === i ? [] : [[j, a]])) });
    },
    cpu: () =>
      Promise.all(
        kids.map(
          (kid, i) =>
            new Promise<CpuReport>((r) => {
              waiters[i]!.push(r);
              kid.send({ type: "cpu" });
            }),
        ),
      ),
    stop: () =>
      Promise.all(
        kids.map(
          (kid) =>
            new Promise<void>((resolve) => {
              if (kid.exitCode !== null) return resolve();
              const force = setTimeout(() => kid.kill("SIGKILL"), 10_000);
              kid.once("exit", () => {
                clearTimeout(force);
                resolve();
              });
              kid.send({ type: "stop" });
            }),
        ),
      ).then(() => {}),
  };
}
