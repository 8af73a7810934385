/**
 * The devnet's operator nodes as real `cohort-node start` processes: one folder per operator with its encrypted key
 * file, password file, config and SQLite database, a log file and the running process's pid. Processes can be killed
 * (SIGKILL, as a crash) and started again on the same folder; an exit is reported with its code and the log's tail.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { hexToBytes } from "viem";
import { createKeyFile } from "../../operator-node/src/keys/key-file.js";
import { DEVNET_P2P_BASE_PORT, type DevnetDeployment, devnetP2PPort } from "./chain.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "operator-node/bin/cohort-node.js");

export interface NodesOptions {
  readonly dir: string;
  readonly deployment: DevnetDeployment;
  readonly beaconUrl: string;
  /**
   * The base the deployment's endpoints were registered with (`devnetP2PPort`): each node listens where the registry
   * says it does, and learns its peers' addresses from the registry, as on a real network.
   */
  readonly p2pBasePort?: number;
  /** First operator's API port; operator k uses `apiBasePort + k`. */
  readonly apiBasePort?: number;
  /** Blocks a chain event must be buried under; the devnet mines on demand, so 0. */
  readonly confirmations?: number;
}

export interface DevnetNode {
  readonly operatorId: number;
  readonly dir: string;
  readonly apiUrl: string;
  readonly logFile: string;
  /** `<dir>/node.pid` while the process runs: how another process finds it (the supervisor test kills it by pid). */
  readonly pidFile: string;
  running(): boolean;
  /**
   * Calls `listener` whenever the process exits, with a one-line cause (exit code or signal); returns the
   * unsubscribe function. `lastLogLines` gives the context.
   */
  onExit(listener: (cause: string) => void): () => void;
  /** The last `n` lines of the node's log (its own JSON lines and anything it wrote to stderr). */
  lastLogLines(n: number): Promise<string[]>;
  start(): void;
  /** SIGKILL: no graceful shutdown, as a crash or power loss. */
  kill(): Promise<void>;
  /** SIGTERM and wait: the graceful path. */
  stop(): Promise<void>;
}

/** Writes each operator's folder and returns handles; nothing is started yet. */
export async function prepareNodes(o: NodesOptions): Promise<DevnetNode[]> {
  const p2pBase = o.p2pBasePort ?? DEVNET_P2P_BASE_PORT;
  const apiBase = o.apiBasePort ?? 9201;
  const nodes: DevnetNode[] = [];
  for (const [k, op] of o.deployment.operators.entries()) {
    const dir = resolve(o.dir, `operator-${op.id}`);
    await mkdir(join(dir, "data"), { recursive: true });
    const secrets = JSON.parse(await readFile(op.keyFile, "utf8")) as {
      identitySecretKey: `0x${string}`;
      encryptionSecretKey: `0x${string}`;
    };
    const password = `devnet operator ${op.id} password`;
    const identitySecret = hexToBytes(secrets.identitySecretKey);
    const encryptionSecret = hexToBytes(secrets.encryptionSecretKey);
    const { file, keys } = await createKeyFile(password, {
      scryptN: 2 ** 12, // devnet: fast start; `cohort-node init` uses EIP-2335's 2^18
      secrets: { identitySecret, encryptionSecret },
    });
    for (const b of [identitySecret, encryptionSecret, keys.identitySecret, keys.encryptionSecret]) b.fill(0);
    await writeFile(join(dir, "key.json"), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await writeFile(join(dir, "password"), `${password}\n`, { mode: 0o600 });
    const apiPort = apiBase + k;
    const config = {
      operatorId: op.id,
      keyFile: "key.json",
      passwordFile: "password",
      dataDir: "data",
      execution: {
        rpcUrl: o.deployment.rpcUrl,
        registry: o.deployment.registry,
        deployBlock: o.deployment.deployBlock,
        confirmations: o.confirmations ?? 0,
        pollMs: 1000,
        miniPools: o.deployment.miniPools,
        // Two 16-second epochs: often enough to watch the exchange rate move on the devnet.
        reportPeriodEpochs: 2,
      },
      beacon: { url: o.beaconUrl },
      p2p: { host: "127.0.0.1", port: devnetP2PPort(op.id, p2pBase) },
      api: { host: "127.0.0.1", port: apiPort },
    };
    await writeFile(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    nodes.push(nodeProcess(op.id, dir, `http://127.0.0.1:${apiPort}`));
  }
  return nodes;
}

function nodeProcess(operatorId: number, dir: string, apiUrl: string): DevnetNode {
  const logFile = join(dir, "node.log");
  const pidFile = join(dir, "node.pid");
  const listeners = new Set<(cause: string) => void>();
  let child: ChildProcess | undefined;
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;
  const waitExit = () => new Promise<void>((res) => (exited() ? res() : child!.once("exit", () => res())));
  return {
    operatorId,
    dir,
    apiUrl,
    logFile,
    pidFile,
    running: () => !exited(),
    onExit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    lastLogLines: (n) => tailLines(logFile, n),
    start() {
      if (!exited()) return;
      const log = createWriteStream(logFile, { flags: "a" });
      child = spawn(process.execPath, [BIN, "start", "--config", join(dir, "config.json")], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        // The dev chain runs the minimal preset; SSZ types are chosen at import from this variable.
        env: { ...process.env, LODESTAR_PRESET: "minimal" },
      });
      // Two sources, one file: the file ends once the process and both of its pipes are closed.
      child.stdout!.pipe(log, { end: false });
      child.stderr!.pipe(log, { end: false });
      const started = child;
      void writeFile(pidFile, `${started.pid}\n`);
      started.once("close", (code, signal) => {
        // A quick kill + start may have written the next process's pid already: remove only our own.
        void readFile(pidFile, "utf8").then(
          (pid) => (Number(pid) === started.pid ? rm(pidFile, { force: true }) : undefined),
          () => undefined,
        );
        // Listeners read the tail once everything the process wrote is in the file.
        log.end(() => {
          for (const l of listeners) l(signal ? `killed by ${signal}` : `exited with code ${code}`);
        });
      });
    },
    async kill() {
      if (exited()) return;
      child!.kill("SIGKILL");
      await waitExit();
    },
    async stop() {
      if (exited()) return;
      child!.kill("SIGTERM");
      const timer = setTimeout(() => child?.kill("SIGKILL"), 10_000);
      await waitExit();
      clearTimeout(timer);
    },
  };
}

async function tailLines(file: string, n: number): Promise<string[]> {
  try {
    const text = await readFile(file, "utf8");
    return text.trimEnd().split("\n").slice(-n);
  } catch {
    return [];
  }
}
