/**
 * Starts a real Lodestar (1.5.1) dev chain from the project's `beacon/` folder: minimal preset, Altair, Bellatrix and
 * Capella from genesis (sync committees, execution payloads with fee recipients, withdrawals), the first
 * `startValidators` genesis validators driven by Lodestar itself, the rest left to Cohort's distributed validators
 * (their keys are the interop keys `interopSecretKey(i)`).
 *
 * Execution payloads come from Lodestar's built-in execution engine mock (`--execution.engineMock`): no execution
 * client installs here (../shared/TOOLCHAIN.md). The mock needs the patch beacon/patch-engine-mock.mjs applies at
 * install. It builds empty payloads that pay the fee recipient the proposer asked for, which is what the fee-recipient
 * rules need; it is the only stand-in in this chain, everything else is Lodestar's real beacon node.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const BEACON_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "beacon");

export interface BeaconOptions {
  /** Where the chain's database and log go; wiped at start. */
  dataDir: string;
  restPort?: number;
  p2pPort?: number;
  secondsPerSlot?: number;
  genesisValidators?: number;
  /** Validators Lodestar runs itself, as "0..3". */
  startValidators?: string;
  /**
   * Chain config overrides passed as `--params.KEY value`, e.g. `{ SHARD_COMMITTEE_PERIOD: 0 }` so a fresh dev
   * validator may exit at once.
   */
  params?: Readonly<Record<string, string | number>>;
}

export interface Beacon {
  url: string;
  pid: number;
  logFile: string;
  /** Calls `listener` when Lodestar exits, with a one-line cause; returns the unsubscribe function. */
  onExit(listener: (cause: string) => void): () => void;
  stop(): Promise<void>;
}

const CAPELLA_FROM_GENESIS = [
  "--params.ALTAIR_FORK_EPOCH",
  "0",
  "--params.BELLATRIX_FORK_EPOCH",
  "0",
  "--params.CAPELLA_FORK_EPOCH",
  "0",
  "--execution.engineMock",
];

export function lodestarBinary(): string {
  const bin = join(BEACON_DIR, "node_modules", ".bin", "lodestar");
  if (!existsSync(bin)) {
    throw new Error("Lodestar is not installed: run `npm ci --prefix beacon` (npm start and npm test do it for you)");
  }
  return bin;
}

export async function startBeacon(options: BeaconOptions): Promise<Beacon> {
  const restPort = options.restPort || (await freePort());
  const p2pPort = options.p2pPort || (await freePort());
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, "lodestar.log");
  const out = openSync(logFile, "w");
  const child = spawn(
    lodestarBinary(),
    [
      "dev",
      "--genesisValidators",
      String(options.genesisValidators ?? 8),
      "--startValidators",
      options.startValidators ?? "0..3",
      "--rest",
      "--rest.address",
      "127.0.0.1",
      "--rest.port",
      String(restPort),
      // The built-in validator client dials 127.0.0.1:9596 unless told otherwise, whatever --rest.port says.
      "--beaconNodes",
      `http://127.0.0.1:${restPort}`,
      "--reset",
      "--dataDir",
      join(dataDir, "chain"),
      "--params.SECONDS_PER_SLOT",
      String(options.secondsPerSlot ?? 2),
      ...CAPELLA_FROM_GENESIS,
      "--discv5=false",
      "--port",
      String(p2pPort),
      ...Object.entries(options.params ?? {}).flatMap(([key, value]) => [`--params.${key}`, String(value)]),
    ],
    // cwd: `lodestar dev` writes genesis.ssz into its working directory.
    { cwd: dataDir, stdio: ["ignore", out, out], detached: false },
  );
  const url = `http://127.0.0.1:${restPort}`;
  const stop = () => stopProcess(child);
  try {
    await waitForRest(url, child, 60_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; see ${logFile}`);
  }
  const listeners = new Set<(cause: string) => void>();
  child.once("exit", (code, signal) => {
    for (const l of listeners) l(signal ? `killed by ${signal}` : `exited with code ${code}`);
  });
  const onExit = (listener: (cause: string) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return { url, pid: child.pid!, logFile, onExit, stop };
}

/** Ready means synced: until its first blocks a dev node answers duty requests with 503 "syncing". */
async function waitForRest(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`lodestar exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/eth/v1/node/syncing`);
      if (res.ok && ((await res.json()) as { data: { is_syncing: boolean } }).data.is_syncing === false) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`lodestar did not become ready (REST up and synced) within ${timeoutMs / 1000} s`);
}

/** Lodestar 1.5.1 ignores SIGTERM while its validator runs; give it a moment, then SIGKILL. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 1500);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
