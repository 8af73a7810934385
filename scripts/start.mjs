#!/usr/bin/env node
// `npm start`: the whole system on this machine — EVM chain + contracts, Lodestar dev chain, six operator nodes
// performing genesis validators 4..7's duties in three overlapping committees, and the dapp's Vite dev server —
// stopped together on Ctrl-C / SIGTERM. If any of them exits on its own, this says which and why (its last log
// lines), stops the rest and exits non-zero.
// Options by env: PORT (dapp, default 5173), DEVNET_PORT (EVM chain, 8545), BEACON_PORT (beacon REST, 9596),
// DEVNET_DIR (state folder, default .devnet), HEALTH_TIMEOUT_S (how long nodes may take to answer /health, 180),
// P2P_BASE_PORT (operator k's node listens on base + k − 1, 9800), API_BASE_PORT (nodes' /status APIs, 9201).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const PORT = Number(process.env.PORT ?? 5173);
const DEVNET_PORT = Number(process.env.DEVNET_PORT ?? 8545);
const BEACON_PORT = Number(process.env.BEACON_PORT ?? 9596);
const DEVNET_DIR = resolve(process.env.DEVNET_DIR ?? join(ROOT, ".devnet"));
const HEALTH_TIMEOUT_MS = Number(process.env.HEALTH_TIMEOUT_S ?? 180) * 1000;
const P2P_BASE_PORT = process.env.P2P_BASE_PORT ? Number(process.env.P2P_BASE_PORT) : undefined;
const API_BASE_PORT = process.env.API_BASE_PORT ? Number(process.env.API_BASE_PORT) : undefined;
const log = (msg) => console.log(`[start] ${msg}`);

const stops = [];
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const stop of stops.reverse()) await Promise.resolve(stop()).catch((e) => console.error(`[start] stop: ${e}`));
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

/** A process of the system exited on its own: say which, why and what it last wrote, then stop everything. */
function died({ name, cause, lastLines }) {
  if (stopping) return;
  console.error(`[start] ${name} ${cause}; stopping everything.`);
  if (lastLines.length > 0) {
    console.error(`[start] last lines of ${name}'s log:`);
    for (const line of lastLines) console.error(`  ${line}`);
  }
  void stopAll(1);
}

/**
 * The chain side of the system: anvil + contracts, a Lodestar dev chain, genesis validators 4..7 registered as
 * distributed validators and six operator node processes (scripts/devnet/cluster.ts).
 */
async function startSystem() {
  const { tsImport } = await import("tsx/esm/api");
  const { startCluster } = await tsImport(join(ROOT, "scripts/devnet/cluster.ts"), import.meta.url);
  mkdirSync(DEVNET_DIR, { recursive: true });
  const cluster = await startCluster({
    dir: DEVNET_DIR,
    rpcPort: DEVNET_PORT,
    beaconPort: BEACON_PORT,
    ...(P2P_BASE_PORT ? { p2pBasePort: P2P_BASE_PORT } : {}),
    ...(API_BASE_PORT ? { apiBasePort: API_BASE_PORT } : {}),
    log,
  });
  stops.push(() => cluster.stop());
  stops.push(cluster.watch(died));
  // The dapp reads contract addresses and node API URLs from this file at dev-server start (vite.config.ts).
  const deploymentFile = join(DEVNET_DIR, "deployment.json");
  log(`EVM chain   ${cluster.devnet.rpcUrl} (deployment: ${deploymentFile})`);
  log(`beacon node ${cluster.beacon.url} (log: ${cluster.beacon.logFile})`);
  for (const node of cluster.nodes) log(`operator ${node.operatorId}  ${node.apiUrl}/status  (log: ${node.logFile})`);
  return { cluster, rpcUrl: cluster.devnet.rpcUrl, deploymentFile };
}

try {
  const { cluster, rpcUrl, deploymentFile } = await startSystem();
  const vite = spawn(
    process.execPath,
    [join(ROOT, "node_modules/vite/bin/vite.js"), "--host", "127.0.0.1", "--port", String(PORT), "--strictPort"],
    {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        VITE_RPC_URL: rpcUrl,
        VITE_DEPLOYMENT_FILE: deploymentFile,
        VITE_BEACON_URL: cluster.beacon.url,
      },
    },
  );
  stops.push(
    () =>
      new Promise((res) => {
        if (vite.exitCode !== null || vite.signalCode !== null) return res();
        vite.once("exit", res);
        vite.kill("SIGTERM");
      }),
  );
  vite.on("exit", (code, signal) => {
    died({
      name: "vite (the dapp's dev server)",
      cause: signal ? `killed by ${signal}` : `exited with code ${code}`,
      lastLines: [],
    });
  });
  log(`waiting for every operator node to answer /health (up to ${HEALTH_TIMEOUT_MS / 1000} s)…`);
  await cluster.waitHealthy(HEALTH_TIMEOUT_MS);
  if (!stopping)
    log(
      `all ${cluster.nodes.length} operator nodes healthy; dapp: http://127.0.0.1:${PORT}/  (Ctrl-C stops everything)`,
    );
} catch (e) {
  if (!stopping) {
    console.error(`[start] ${e instanceof Error ? e.message : e}`);
    await stopAll(1);
  }
}
