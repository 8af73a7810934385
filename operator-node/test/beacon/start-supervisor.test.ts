/**
 * `npm start` as a user meets it (scripts/start.mjs, the real entry, as a child process): it comes up with every node
 * healthy, stops cleanly on Ctrl-C, comes up again in the same checkout (a second start works), and when a node
 * process dies it says which and why, stops everything and exits non-zero.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "cohort-start-"));
const base = 21_000 + Math.floor(Math.random() * 20_000);
let running: ChildProcess | undefined;

afterEach(() => {
  if (running && running.exitCode === null) running.kill("SIGKILL");
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs scripts/start.mjs on this test's folder and ports; resolves once it prints the healthy banner. */
async function start(): Promise<Started> {
  const child = spawn(process.execPath, [join(ROOT, "scripts/start.mjs")], {
    cwd: ROOT,
    env: {
      ...process.env,
      DEVNET_DIR: dir,
      DEVNET_PORT: String(base),
      BEACON_PORT: String(base + 1),
      PORT: String(base + 2),
      P2P_BASE_PORT: String(base + 10),
      API_BASE_PORT: String(base + 30),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running = child;
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const deadline = Date.now() + 300_000;
  while (!/all 6 operator nodes healthy/.test(out)) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`npm start not healthy in 300 s:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { child, output: () => out, exited };
}

describe("npm start (scripts/start.mjs) as a user runs it", () => {
  it("starts, stops on Ctrl-C, starts again in the same folder, and stops with which node died and why", async () => {
    const first = await start();
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);

    // A second start in the same checkout: every node healthy again.
    const second = await start();
    expect(second.output()).toMatch(/operator 6 {2}http/);
    // A node process dies (as a crash): npm start must say which and why, and stop everything with a non-zero code.
    const pid = Number(readFileSync(join(dir, "nodes/operator-3/node.pid"), "utf8"));
    process.kill(pid, "SIGKILL");
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/operator node 3 killed by SIGKILL; stopping everything/);
    // Nothing of the system outlives it: the beacon node's port is free again.
    await expect(fetch(`http://127.0.0.1:${base + 1}/eth/v1/node/health`)).rejects.toThrow();
  }, 900_000);
});
