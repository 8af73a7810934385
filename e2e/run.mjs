#!/usr/bin/env node
// Browser test runner (`npm run test:e2e`): chain → vite build → vite preview → node:test over e2e/*.e2e.mjs in real
// Chromium. Usage: node e2e/run.mjs [name-filter ...]   e.g. `node e2e/run.mjs shell`
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const E2E = join(ROOT, "e2e");
const ARTIFACTS = join(E2E, "artifacts");
const VITE = join(ROOT, "node_modules/vite/bin/vite.js");
const ANVIL_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const started = performance.now();
const ms = (t) => `${Math.round(performance.now() - t)} ms`;
const log = (msg) => console.log(`[e2e] ${msg}`);

/** Under CI nothing may be skipped: a missing prerequisite fails the run (here, or in the test file that needs it). */
const CI = /^(1|true)$/i.test(process.env.CI ?? "");

/** Stops the run before anything starts, saying what is missing and how to get it. */
function fail(message) {
  console.error(`[e2e] ${message}`);
  process.exit(1);
}

// harness.mjs loads playwright-core; a missing install should say so, not print a module-resolution stack.
const { CHROMIUM_PATH } = await import("./harness.mjs").catch((e) =>
  fail(`cannot load e2e/harness.mjs (${e.message.split("\n")[0]}): run \`npm ci\` to install playwright-core`),
);
if (!existsSync(CHROMIUM_PATH)) {
  fail(
    `${CHROMIUM_PATH} not found: install it with \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
  );
}
if (!existsSync(VITE)) fail(`${VITE} not found: run \`npm ci\``);
// The devnet and the fixtures import the sdk's build; validator-status.e2e.mjs runs the operator node's API server.
for (const [file, build] of [
  ["sdk/dist/index.js", "npm run build -w sdk"],
  ["operator-node/dist/src/api/server.js", "npm run build -w operator-node"],
]) {
  if (!existsSync(join(ROOT, file))) fail(`${file} not found: run \`${build}\` (or \`npm run build\`)`);
}
const DEVNET_MODULE = join(ROOT, "scripts/devnet/chain.ts");
if (CI && !existsSync(DEVNET_MODULE)) {
  fail("scripts/devnet/chain.ts not found: CI=true needs the devnet, without it the contract tests would only skip");
}

const filters = process.argv.slice(2);
const testFiles = readdirSync(E2E)
  .filter((f) => f.endsWith(".e2e.mjs"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => join(E2E, f));
if (testFiles.length === 0) {
  console.error(`[e2e] no e2e/*.e2e.mjs file matches ${filters.join(" ")}`);
  process.exit(1);
}

/** Stop functions, run in reverse order on exit and on Ctrl-C. */
const cleanups = [];
let cleaningUp = false;
async function cleanup() {
  if (cleaningUp) return;
  cleaningUp = true;
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((e) => console.error(`[e2e] cleanup: ${e}`));
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function stopChild(child, name) {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    const kill = setTimeout(() => {
      console.error(`[e2e] ${name} ignored SIGTERM; sending SIGKILL`);
      child.kill("SIGKILL");
    }, 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      res();
    });
    child.kill("SIGTERM");
  });
}

/** Resolve when `url` answers; reject when the child exits first or after `timeout`. */
async function waitFor(url, child, name, init, timeout = 30_000) {
  const until = Date.now() + timeout;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (Date.now() < until) {
    if (exited) throw new Error(`${name} exited before it answered on ${url}`);
    try {
      const r = await fetch(url, init);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not answer on ${url} within ${timeout} ms`);
}

/** JSON with bigints as decimal strings (deployments carry block numbers and config values as bigint). */
const toJson = (value) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);

/**
 * The chain, best available first:
 * 1. the project's devnet (scripts/devnet/chain.ts: anvil, contracts, demo operators);
 * 2. anvil + the contracts deployed by contracts/deploy (while the devnet script does not exist yet);
 * 3. a bare anvil, so wallet and RPC paths still run against a real node; tests needing contracts skip, saying why.
 * Under CI=true only the devnet is accepted (checked before anything starts), and any skipped test fails the run.
 */
async function startChain() {
  const { tsImport } = await import("tsx/esm/api");
  // Per run, outside the repo: parallel runs must not share a deployment, and the devnet folder holds the demo
  // operators' secret keys, which are deleted with it.
  const runDir = mkdtempSync(join(tmpdir(), "cohort-e2e-chain-"));
  cleanups.push(() => rmSync(runDir, { recursive: true, force: true }));
  const deploymentFile = join(runDir, "deployment.json");
  if (existsSync(DEVNET_MODULE)) {
    const { startDevnet } = await tsImport(DEVNET_MODULE, import.meta.url);
    const dir = join(runDir, "devnet");
    const devnet = await startDevnet({ port: await freePort(), dir });
    writeFileSync(deploymentFile, toJson(devnet.deployment));
    return {
      rpcUrl: devnet.rpcUrl,
      deploymentFile,
      devnetDir: dir,
      stop: () => devnet.stop(),
      kind: "devnet (scripts/devnet)",
    };
  }
  const anvilModule = join(ROOT, "contracts/deploy/anvil.ts");
  const deployModule = join(ROOT, "contracts/deploy/deploy.ts");
  if (
    existsSync(anvilModule) &&
    existsSync(deployModule) &&
    existsSync(join(ROOT, "contracts/out/CohortRegistry.json"))
  ) {
    const { startAnvil } = await tsImport(anvilModule, import.meta.url);
    const { deployCohort } = await tsImport(deployModule, import.meta.url);
    const anvil = await startAnvil({ port: 0 });
    try {
      // anvil's unlocked account #0 deploys and governs, as on the devnet.
      const deployment = await deployCohort({ rpcUrl: anvil.rpcUrl, account: ANVIL_ACCOUNT_0 });
      writeFileSync(deploymentFile, toJson(deployment));
    } catch (e) {
      await anvil.stop();
      throw e;
    }
    return { rpcUrl: anvil.rpcUrl, deploymentFile, stop: () => anvil.stop(), kind: "anvil + contracts/deploy" };
  }
  const port = await freePort();
  const anvilBin = join(ROOT, "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
  const child = spawn(anvilBin, ["--host", "127.0.0.1", "--port", String(port), "--silent"], { stdio: "inherit" });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  await waitFor(rpcUrl, child, "anvil", { method: "POST", headers: { "content-type": "application/json" }, body });
  return {
    rpcUrl,
    deploymentFile: undefined,
    stop: () => stopChild(child, "anvil"),
    kind: "bare anvil (no contracts)",
  };
}

/**
 * Node status URLs are baked into the bundle like the addresses, but no operator node runs in this devnet: reserve a
 * loopback port per demo operator so a test can serve a real node API there (validator-status.e2e.mjs); until it
 * does, the ports are closed, which the page shows as "unreachable".
 */
async function reserveNodeApis(file) {
  const deployment = JSON.parse(readFileSync(file, "utf8"));
  if (deployment.nodeApis || !Array.isArray(deployment.operators)) return;
  deployment.nodeApis = {};
  for (const op of deployment.operators) deployment.nodeApis[op.id] = `http://127.0.0.1:${await freePort()}`;
  writeFileSync(file, toJson(deployment));
}

/** Skipped + todo tests from node:test's TAP summary; unreadable results count as not run, so CI cannot pass them. */
function notRunCount(tapFile) {
  let tap;
  try {
    tap = readFileSync(tapFile, "utf8");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  const count = (name) => Number(tap.match(new RegExp(`^# ${name} (\\d+)$`, "m"))?.[1] ?? Number.NaN);
  const notRun = count("skipped") + count("todo");
  return Number.isNaN(notRun) ? Number.POSITIVE_INFINITY : notRun;
}

function run(cmd, args, opts) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: "inherit", ...opts });
    child.on("error", rej);
    child.on("exit", (code, signal) => res(code ?? (signal ? 1 : 0)));
  });
}

let exitCode = 1;
try {
  mkdirSync(ARTIFACTS, { recursive: true });
  let t = performance.now();
  const chain = await startChain();
  cleanups.push(chain.stop);
  log(`chain: ${chain.kind} at ${chain.rpcUrl} (${ms(t)})`);
  if (chain.deploymentFile) await reserveNodeApis(chain.deploymentFile);

  // The devnet regenerates the contract ABIs into sdk/src/abi; the dapp and the fixtures import the sdk's build, so
  // rebuild it (incremental, ~1 s when nothing changed) rather than test against a stale ABI.
  t = performance.now();
  const sdkCode = await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-b", "sdk"], {
    cwd: ROOT,
  });
  if (sdkCode !== 0) throw new Error(`building the sdk failed (exit ${sdkCode}); fix it or run \`npm run build\``);
  log(`sdk build: ${ms(t)}`);

  // The RPC and deployment are baked into the bundle (vite.config.ts), so build after the chain is up.
  t = performance.now();
  const buildEnv = { ...process.env, VITE_RPC_URL: chain.rpcUrl, VITE_CHAINS: "anvil" };
  if (chain.deploymentFile) buildEnv.VITE_DEPLOYMENT_FILE = chain.deploymentFile;
  else buildEnv.VITE_DEPLOYMENT_FILE = "none"; // not a stale .devnet/deployment.json from another chain
  // A private output folder: a shared dist/ would be rebuilt under our preview by any other run (or `npm run build:dapp`)
  // pointing at another chain.
  const outDir = mkdtempSync(join(tmpdir(), "cohort-e2e-dist-"));
  cleanups.push(() => rmSync(outDir, { recursive: true, force: true }));
  const buildCode = await run(
    process.execPath,
    [VITE, "build", "--logLevel", "warn", "--outDir", outDir, "--emptyOutDir"],
    {
      cwd: ROOT,
      env: buildEnv,
    },
  );
  if (buildCode !== 0) throw new Error(`vite build failed (exit ${buildCode})`);
  log(`vite build: ${ms(t)}`);

  t = performance.now();
  const port = await freePort();
  const preview = spawn(
    process.execPath,
    [VITE, "preview", "--host", "127.0.0.1", "--port", String(port), "--strictPort", "--outDir", outDir],
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  cleanups.push(() => stopChild(preview, "vite preview"));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${baseUrl}/`, preview, "vite preview");
  log(`vite preview: ${baseUrl} (${ms(t)})`);

  t = performance.now();
  log(`running ${testFiles.length} file(s) in Chromium: ${testFiles.map((f) => f.slice(E2E.length + 1)).join(", ")}`);
  // One file at a time: each launches its own Chromium, and two cores do not carry two browsers well.
  // A TAP copy of the results, for the skip count: spec output is for people.
  const tapFile = join(outDir, "results.tap");
  exitCode = await run(
    process.execPath,
    [
      "--test",
      "--test-concurrency=1",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=tap",
      `--test-reporter-destination=${tapFile}`,
      "--test-timeout=180000",
      ...testFiles,
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        E2E_BASE_URL: baseUrl,
        E2E_RPC_URL: chain.rpcUrl,
        ...(chain.deploymentFile ? { E2E_DEPLOYMENT_FILE: chain.deploymentFile } : {}),
        ...(chain.devnetDir ? { E2E_DEVNET_DIR: chain.devnetDir } : {}),
      },
    },
  );
  log(`tests: ${ms(t)} (exit ${exitCode}); screenshots in e2e/artifacts/`);
  const notRun = notRunCount(tapFile);
  if (notRun === Number.POSITIVE_INFINITY) {
    log(`could not read the test summary from ${tapFile}`);
    if (CI) exitCode = 1;
  } else if (notRun > 0) {
    log(`${notRun} test(s) skipped or todo`);
    if (CI && exitCode === 0) {
      console.error(`[e2e] CI=true: ${notRun} test(s) did not run (skip/todo); every browser test must run on CI`);
      exitCode = 1;
    }
  }
} catch (e) {
  console.error(`[e2e] ${e instanceof Error ? e.message : e}`);
  exitCode = 1;
} finally {
  await cleanup();
  log(`total ${ms(started)}`);
}
process.exit(exitCode);
