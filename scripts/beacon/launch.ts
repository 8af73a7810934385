/**
 * Starts a real Lodestar (1.5.1) dev chain from the project's `beacon/` folder: minimal preset, Altair, Bellatrix and
 * Capella from genesis (sync committees, execution payloads with fee recipients, withdrawals), the first
 * `startValidators` genesis validators driven by Lodestar itself, the rest left to Cohort's distributed validators
 * (their keys are the interop keys `interopSecretKey(i)`).
 *
 * Execution payloads come from Lodestar's built-in execution engine mock (`--execution.engineMock`): no execution
 * client installs here (../shared/TOOLCHAIN.md). The mock needs the patch beacon/patch-lodestar.mjs applies at
 * install. It builds empty payloads that pay the fee recipient the proposer asked for, which is what the fee-recipient
 * rules need; it is the only stand-in in this chain, everything else is Lodestar's real beacon node.
 *
 * With `eth1`, the chain also follows a deposit contract on an EVM chain (anvil), so a deposit made there becomes a
 * validator (eth1 data voting, as before Electra). The contract must already hold the genesis deposits
 * (scripts/devnet/deposit-genesis.ts) and the EVM chain must keep making blocks.
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
  /** Follow this deposit contract's deposits (see the file comment). */
  eth1?: Eth1Options;
}

export interface Eth1Options {
  rpcUrl: string;
  chainId: number;
  depositContract: `0x${string}`;
  /** Where the beacon node starts reading the contract's logs. */
  deployBlock: bigint | number;
}

export interface Beacon {
  url: string;
  pid: number;
  /** Unix seconds of slot 0, as the node reports it. */
  genesisTime: number;
  secondsPerSlot: number;
  slotsPerEpoch: number;
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

/**
 * Eth1 following as far as Lodestar 1.5.1 lets it go fast: it reads the EVM chain only every 60 s (hard-coded) and
 * up to 64 blocks behind its head (its minimum catch-up distance, `ETH_MIN_FOLLOW_DISTANCE`: a smaller
 * ETH1_FOLLOW_DISTANCE leaves the vote window empty and no deposit is ever voted in), and votes for blocks at least
 * ETH1_FOLLOW_DISTANCE * SECONDS_PER_ETH1_BLOCK = 64 s old. EPOCHS_PER_ETH1_VOTING_PERIOD is a preset value there (4
 * epochs, 64 s on this chain), not a --params one.
 */
function eth1Flags(eth1: Eth1Options): string[] {
  return [
    "--eth1",
    "--eth1.providerUrls",
    eth1.rpcUrl,
    "--eth1.depositContractDeployBlock",
    String(eth1.deployBlock),
    "--params.DEPOSIT_CONTRACT_ADDRESS",
    eth1.depositContract,
    "--params.DEPOSIT_CHAIN_ID",
    String(eth1.chainId),
    "--params.DEPOSIT_NETWORK_ID",
    String(eth1.chainId),
    "--params.ETH1_FOLLOW_DISTANCE",
    "64",
    "--params.SECONDS_PER_ETH1_BLOCK",
    "1",
  ];
}

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
      // Lodestar's defaults plus debug: the devnet reads the genesis state to compare deposit roots.
      "--rest.namespace",
      "beacon,config,events,node,validator,lightclient,debug",
      // The built-in validator client dials 127.0.0.1:9596 unless told otherwise, whatever --rest.port says.
      "--beaconNodes",
      `http://127.0.0.1:${restPort}`,
      "--reset",
      "--dataDir",
      join(dataDir, "chain"),
      "--params.SECONDS_PER_SLOT",
      String(options.secondsPerSlot ?? 2),
      ...CAPELLA_FROM_GENESIS,
      ...(options.eth1 ? eth1Flags(options.eth1) : []),
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
  let clock: Awaited<ReturnType<typeof clockOf>>;
  try {
    await waitForRest(url, child, 60_000);
    clock = await clockOf(url);
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
  return { url, pid: child.pid!, ...clock, logFile, onExit, stop };
}

async function clockOf(url: string): Promise<{ genesisTime: number; secondsPerSlot: number; slotsPerEpoch: number }> {
  const genesis = (await (await fetch(`${url}/eth/v1/beacon/genesis`)).json()) as { data: { genesis_time: string } };
  const spec = (await (await fetch(`${url}/eth/v1/config/spec`)).json()) as { data: Record<string, string> };
  return {
    genesisTime: Number(genesis.data.genesis_time),
    secondsPerSlot: Number(spec.data.SECONDS_PER_SLOT),
    slotsPerEpoch: Number(spec.data.SLOTS_PER_EPOCH),
  };
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
