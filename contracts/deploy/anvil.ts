/**
 * Starts the Foundry `anvil` binary from @foundry-rs/anvil as a child process we can stop by pid. The npm package's
 * bin is a Node wrapper that spawns the real binary; killing the wrapper can leave the binary running, so we resolve
 * and run the platform binary directly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

export interface Anvil {
  rpcUrl: string;
  port: number;
  pid: number;
  /**
   * Mines an empty block every `ms` from now until `stop` (or the returned function), on top of automine. A beacon
   * node following this chain's deposits needs blocks to keep coming: it votes only for blocks whose timestamps fall in
   * a window behind its clock. Automine stays on so a transaction's receipt still comes at once; interval mining
   * (`--block-time 1`) makes every receipt wait for the next block, ~1 s per transaction (measured ~990 ms against
   * ~25 ms; see scripts/devnet/chain.ts).
   */
  mineEvery(ms: number): () => void;
  stop(): Promise<void>;
}

export interface AnvilOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Extra command-line flags, e.g. ["--block-time", "2"]. */
  args?: string[];
}

function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    return join(dirname(require.resolve(`${platformPackage}/package.json`)), "bin", "anvil");
  } catch {
    throw new Error(`anvil binary for ${process.platform}/${process.arch} not installed (${platformPackage})`);
  }
}

/** Resolves to the port if nothing listens on it; rejects with a readable error otherwise. */
export function ensurePortFree(port: number, host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} on ${host} is already in use; stop whatever listens there or pick another port`)
          : error,
      );
    });
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

async function rpc(rpcUrl: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}: ${output()}`);
    try {
      await rpc(rpcUrl, "eth_chainId");
      return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`anvil did not answer on ${rpcUrl} within 15 s: ${output()}`);
}

export async function startAnvil({ port = 0, host = "127.0.0.1", args = [] }: AnvilOptions = {}): Promise<Anvil> {
  const chosen = await ensurePortFree(port, host);
  const child = spawn(anvilBinary(), ["--host", host, "--port", String(chosen), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    // Only the tail matters for error messages; anvil logs every request otherwise.
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const rpcUrl = `http://${host}:${chosen}`;
  try {
    await waitForRpc(rpcUrl, child, () => log);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const tickers = new Set<() => void>();
  const mineEvery = (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    // Scheduled after each answer, not on a fixed interval: a slow answer (a loaded machine) must not pile up requests.
    const tick = () => {
      timer = setTimeout(async () => {
        await rpc(rpcUrl, "evm_mine").catch(() => {}); // anvil stopping: the next tick (if any) tries again
        if (!stopped) tick();
      }, ms);
      // The ticker alone must not keep a process alive whose work is done.
      timer.unref();
    };
    tick();
    const cancel = () => {
      stopped = true;
      clearTimeout(timer);
      tickers.delete(cancel);
    };
    tickers.add(cancel);
    return cancel;
  };
  return {
    rpcUrl,
    port: chosen,
    pid: child.pid!,
    mineEvery,
    async stop() {
      for (const cancel of [...tickers]) cancel();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
