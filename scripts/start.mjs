#!/usr/bin/env node
// `npm start`: the whole system on this machine — EVM chain + contracts, Lodestar dev chain, four operator nodes
// performing genesis validators 4..7's duties, and the dapp's Vite dev server — stopped together on Ctrl-C / SIGTERM.
// Options by env: PORT (dapp, default 5173), DEVNET_PORT (EVM chain, 8545), BEACON_PORT (beacon REST, 9596).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const PORT = Number(process.env.PORT ?? 5173);
const DEVNET_PORT = Number(process.env.DEVNET_PORT ?? 8545);
const BEACON_PORT = Number(process.env.BEACON_PORT ?? 9596);
const DEVNET_DIR = join(ROOT, ".devnet");
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

/**
 * The chain side of the system: anvil + contracts, a Lodestar dev chain, genesis validators 4..7 registered as
 * distributed validators and four operator node processes (scripts/devnet/cluster.ts).
 */
async function startSystem() {
  const { tsImport } = await import("tsx/esm/api");
  const { startCluster } = await tsImport(join(ROOT, "scripts/devnet/cluster.ts"), import.meta.url);
  mkdirSync(DEVNET_DIR, { recursive: true });
  const cluster = await startCluster({ dir: DEVNET_DIR, rpcPort: DEVNET_PORT, beaconPort: BEACON_PORT, log });
  stops.push(() => cluster.stop());
  // The dapp reads contract addresses and node API URLs from this file at dev-server start (vite.config.ts).
  const deploymentFile = join(DEVNET_DIR, "deployment.json");
  log(`EVM chain   ${cluster.devnet.rpcUrl} (deployment: ${deploymentFile})`);
  log(`beacon node ${cluster.beacon.url} (log: ${cluster.beacon.logFile})`);
  for (const node of cluster.nodes) log(`operator ${node.operatorId}  ${node.apiUrl}/status  (log: ${node.logFile})`);
  return { rpcUrl: cluster.devnet.rpcUrl, deploymentFile };
}

try {
  const { rpcUrl, deploymentFile } = await startSystem();
  const vite = spawn(
    process.execPath,
    [join(ROOT, "node_modules/vite/bin/vite.js"), "--host", "127.0.0.1", "--port", String(PORT), "--strictPort"],
    {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, VITE_RPC_URL: rpcUrl, VITE_DEPLOYMENT_FILE: deploymentFile },
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
  vite.on("exit", (code) => {
    if (!stopping) {
      console.error(`[start] vite exited (${code}); stopping`);
      stopAll(code ?? 1);
    }
  });
  log(`dapp: http://127.0.0.1:${PORT}/  (Ctrl-C stops everything)`);
} catch (e) {
  console.error(`[start] ${e instanceof Error ? e.message : e}`);
  await stopAll(1);
}
