#!/usr/bin/env node
// `npm start`: the local devnet (when scripts/devnet/chain.ts exists) and the dapp's Vite dev server, stopped together
// on Ctrl-C / SIGTERM. Options by env: PORT (dapp, default 5173), DEVNET_PORT (chain, default 8545).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const PORT = Number(process.env.PORT ?? 5173);
const DEVNET_PORT = Number(process.env.DEVNET_PORT ?? 8545);
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

/** JSON with bigints as decimal strings (the deployment carries block numbers and config values as bigint). */
const toJson = (value) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);

async function startDevnetIfPresent() {
  const module = join(ROOT, "scripts/devnet/chain.ts");
  if (!existsSync(module)) {
    log(
      `no scripts/devnet/chain.ts yet: starting the dapp only; it expects a chain at http://127.0.0.1:${DEVNET_PORT}`,
    );
    return { rpcUrl: `http://127.0.0.1:${DEVNET_PORT}`, deploymentFile: "none" };
  }
  const { tsImport } = await import("tsx/esm/api");
  const { startDevnet } = await tsImport(module, import.meta.url);
  mkdirSync(DEVNET_DIR, { recursive: true });
  const devnet = await startDevnet({ port: DEVNET_PORT, dir: DEVNET_DIR });
  stops.push(() => devnet.stop());
  // The dapp reads contract addresses from this file at dev-server start (vite.config.ts bakes them in).
  const deploymentFile = join(DEVNET_DIR, "deployment.json");
  if (!existsSync(deploymentFile)) writeFileSync(deploymentFile, toJson(devnet.deployment));
  log(`devnet at ${devnet.rpcUrl}; deployment written to ${deploymentFile}`);
  return { rpcUrl: devnet.rpcUrl, deploymentFile };
}

try {
  const { rpcUrl, deploymentFile } = await startDevnetIfPresent();
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
