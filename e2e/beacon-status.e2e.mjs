// My validators against a real beacon node: a Lodestar dev chain started here (scripts/beacon/launch.ts), its genesis
// validators 4..7 registered to a committee as `npm start` does, and a dapp bundle built with VITE_BEACON_URL pointing
// at it (e2e/run.mjs builds the shared bundle without a beacon node, so this file builds and serves its own). Checks
// status, index and balance from Lodestar in one batched request per refresh, the balance change per epoch, the runway
// warning and its top-up, an exit followed to `exited`, and a beacon node that goes away. node --test gives the whole
// file e2e/run.mjs's per-test timeout (180 s): hence 1-second slots, and the exit's last stage checked after the
// other tests instead of waited for.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { cohortRegistryAbi, cohortTokenAbi } from "@cohort/sdk/abi/index";
import { DOMAIN_VOLUNTARY_EXIT } from "@lodestar/params";
import { computeDomain, computeSigningRoot, interopSecretKey } from "@lodestar/state-transition";
import { ssz } from "@lodestar/types";
import { mnemonicToAccount } from "viem/accounts";
import { clients, registerValidator, registryAddress, send, unlockedAccounts } from "./fixtures.mjs";
import { connectWallet, env, eventually, launchBrowser, openPage, screenshot, skipUnlessReady } from "./harness.mjs";
import { installWallet } from "./wallet.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const VITE = join(ROOT, "node_modules/vite/bin/vite.js");
const LODESTAR = join(ROOT, "beacon/node_modules/.bin/lodestar");
const registry = registryAddress();
const skip = skipUnlessReady(
  !registry
    ? "no Cohort deployment on the test chain"
    : !env.deployment?.operators
      ? "the deployment lists no operators (needs the devnet, scripts/devnet)"
      : !existsSync(LODESTAR)
        ? "Lodestar is not installed: run `npm ci --prefix beacon`"
        : false,
);
const TOKEN = 10n ** 18n;
// A fresh owner (beyond the ten accounts the other browser tests use), so the page lists exactly ours. Public test
// mnemonic, local chain only.
const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
const ownerAccount = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 17 });
const owner = ownerAccount.address;
const DV_INDICES = [4, 5, 6, 7];
const EXIT_INDEX = 7;

/** Gwei as the page shows it: ETH rounded down to four decimals. */
const asEth = (gwei) =>
  `${(BigInt(gwei) / 10n ** 9n).toLocaleString("en-US")}.${((BigInt(gwei) % 10n ** 9n) / 10n ** 5n).toString().padStart(4, "0")} ETH`;

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function run(args, envVars) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env: envVars });
    child.on("error", rej);
    child.on("exit", (code) => (code === 0 ? res() : rej(new Error(`${args.join(" ")} exited with ${code}`))));
  });
}

describe("beacon-chain status on My validators", { skip }, () => {
  let beacon;
  let preview;
  let baseUrl;
  let outDir;
  let dataDir;
  let browser;
  let session;
  /** Public keys of genesis validators 4..7 as registered, by beacon index. */
  const dvKeys = new Map();
  let lowRunway;
  const beaconRequests = [];

  const beaconGet = async (path) => {
    const r = await fetch(`${beacon.url}${path}`);
    assert.ok(r.ok, `${path}: HTTP ${r.status}`);
    return (await r.json()).data;
  };
  const item = (key) => session.page.locator(`[data-testid="validator"][data-pubkey="${key}"]`);
  const statusOf = (key) => item(key).getByTestId("beacon-status");

  before(
    async () => {
      const { tsImport } = await import("tsx/esm/api");
      const { startBeacon } = await tsImport(join(ROOT, "scripts/beacon/launch.ts"), import.meta.url);
      const { registerGenesisValidators } = await tsImport(
        join(ROOT, "scripts/devnet/genesis-validators.ts"),
        import.meta.url,
      );
      // The bundle bakes the beacon URL in, so the port is chosen first and the build runs while Lodestar starts.
      const beaconUrl = `http://127.0.0.1:${await freePort()}`;
      dataDir = mkdtempSync(join(tmpdir(), "cohort-e2e-beacon-"));
      outDir = mkdtempSync(join(tmpdir(), "cohort-e2e-beacon-dist-"));
      const started = Promise.all([
        // 1-second slots and SHARD_COMMITTEE_PERIOD 0: a genesis validator may exit at once, and its exit epoch
        // (inclusion epoch + 5) comes in under a minute.
        startBeacon({
          dataDir,
          restPort: Number(new URL(beaconUrl).port),
          secondsPerSlot: 1,
          params: { SHARD_COMMITTEE_PERIOD: 0 },
        }).then((b) => {
          beacon = b;
        }),
        run([VITE, "build", "--logLevel", "warn", "--outDir", outDir, "--emptyOutDir"], {
          ...process.env,
          VITE_RPC_URL: env.rpcUrl,
          VITE_CHAINS: "anvil",
          VITE_DEPLOYMENT_FILE: process.env.E2E_DEPLOYMENT_FILE,
          VITE_BEACON_URL: beaconUrl,
        }),
      ]);

      // The owner: gas, fee tokens, and the test wallet may send from it.
      const { publicClient } = clients();
      await publicClient.request({ method: "anvil_setBalance", params: [owner, `0x${(10n ** 20n).toString(16)}`] });
      await publicClient.request({ method: "anvil_impersonateAccount", params: [owner] });
      const token = await publicClient.readContract({
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "token",
      });
      await send({
        address: token,
        abi: cohortTokenAbi,
        functionName: "transfer",
        args: [owner, 1000n * TOKEN],
        account: (await unlockedAccounts())[0],
      });
      const ops = env.deployment.operators.slice(0, 4);
      const keys = await registerGenesisValidators({
        rpcUrl: env.rpcUrl,
        registry,
        token,
        chainId: await publicClient.getChainId(),
        owner: ownerAccount,
        operators: ops,
        indices: DV_INDICES,
      });
      for (const [i, index] of DV_INDICES.entries()) dvKeys.set(index, keys[i].toLowerCase());
      // A second committee, funded a few hundred blocks above its liquidation threshold, with a key that never made
      // a deposit.
      const lowOps = env.deployment.operators.slice(2, 6);
      const ids = lowOps.map((o) => BigInt(o.id)).sort((a, b) => (a < b ? -1 : 1));
      const read = (functionName, args) =>
        publicClient.readContract({ address: registry, abi: cohortRegistryAbi, functionName, args });
      const required = await read("requiredCollateral", [ids, 1n]);
      // topUpNeeded of an empty account for one validator and one block = collateral + one block of fees.
      const burn = (await read("topUpNeeded", [owner, ids, 1n, 1n])) - required;
      lowRunway = await registerValidator(registry, {
        owner,
        operators: lowOps.map((o) => ({ id: o.id, encryptionKey: o.encryptionPublicKey })),
        amount: required + 300n * burn,
      });

      await started;
      const port = await freePort();
      preview = spawn(
        process.execPath,
        [VITE, "preview", "--host", "127.0.0.1", "--port", String(port), "--strictPort", "--outDir", outDir],
        { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
      );
      baseUrl = `http://127.0.0.1:${port}`;
      await eventually(async () => assert.ok((await fetch(`${baseUrl}/`)).ok), 30_000);

      browser = await launchBrowser();
      session = await openPage(browser, { wallet: false });
      await installWallet(session.context, { rpcUrl: env.rpcUrl, account: owner });
      session.page.on("request", (r) => {
        if (r.url().startsWith(`${beacon.url}/eth/v1/beacon/states/head/validators`)) beaconRequests.push(r.url());
      });
      await session.page.goto(`${baseUrl}/validators`, { waitUntil: "load" });
      await session.page.getByRole("heading", { level: 1, name: "My validators" }).waitFor({ timeout: 15_000 });
      await connectWallet(session.page);
    },
    { timeout: 420_000 },
  );

  after(async () => {
    await browser?.close();
    if (preview && preview.exitCode === null) {
      await new Promise((res) => {
        preview.once("exit", res);
        preview.kill("SIGTERM");
      });
    }
    await beacon?.stop();
    for (const dir of [outDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    await clients()
      .publicClient.request({ method: "anvil_stopImpersonatingAccount", params: [owner] })
      .catch(() => {});
  });

  it("shows genesis validators 4..7 active, with their index and balance from Lodestar", async () => {
    for (const [index, key] of dvKeys) {
      await eventually(async () => assert.equal(await statusOf(key).getAttribute("data-phase"), "active"), 30_000);
      assert.equal(await statusOf(key).getByTestId("beacon-phase").textContent(), "Active");
      assert.equal(await statusOf(key).getByTestId("beacon-index").textContent(), String(index));
      // The balance moves every epoch, so the page's reading and ours may be an epoch apart: read ours on both sides
      // of the page's, and retry until the page has refreshed into one of those epochs.
      const balance = async () => (await beaconGet(`/eth/v1/beacon/states/head/validators?id=${index}`))[0].balance;
      await eventually(async () => {
        const before = await balance();
        const shown = await statusOf(key).getByTestId("beacon-balance").textContent();
        const after = await balance();
        assert.ok([before, after].map(asEth).includes(shown), `page ${shown}, beacon ${before}..${after} gwei`);
      }, 20_000);
    }
    await screenshot(session.page, "beacon-status-active");
  });

  it("reads every validator of the page in one request per refresh", async () => {
    assert.ok(beaconRequests.length >= 1);
    const all = [...dvKeys.values(), lowRunway.publicKey];
    for (const url of beaconRequests) {
      const ids = new URL(url).searchParams.getAll("id");
      assert.deepEqual([...ids].sort(), [...all].sort());
    }
  });

  it("shows a requested exit as requested, then exiting once the committee's signed exit is included", async () => {
    const key = dvKeys.get(EXIT_INDEX);
    const row = item(key);
    await row.getByRole("button", { name: "Request exit" }).click();
    await row.getByRole("button", { name: "Confirm: ask the committee to exit" }).click();
    const progress = row.getByTestId("exit-progress");
    await eventually(async () => assert.equal(await progress.getAttribute("data-stage"), "requested"), 30_000);
    assert.equal(await statusOf(key).getAttribute("data-phase"), "active");

    // No operator nodes run in this test: it signs and publishes the exit the committee would, with the interop key.
    const [fork, genesis, head] = await Promise.all([
      beaconGet("/eth/v1/beacon/states/head/fork"),
      beaconGet("/eth/v1/beacon/genesis"),
      beaconGet("/eth/v1/beacon/headers/head"),
    ]);
    const hex = (h) => Uint8Array.from(Buffer.from(h.slice(2), "hex"));
    const epoch = Math.floor(Number(head.header.message.slot) / 8);
    const domain = computeDomain(
      DOMAIN_VOLUNTARY_EXIT,
      hex(fork.current_version),
      hex(genesis.genesis_validators_root),
    );
    const root = computeSigningRoot(ssz.phase0.VoluntaryExit, { epoch, validatorIndex: EXIT_INDEX }, domain);
    const signature = `0x${Buffer.from(interopSecretKey(EXIT_INDEX).sign(root).toBytes()).toString("hex")}`;
    const posted = await fetch(`${beacon.url}/eth/v1/beacon/pool/voluntary_exits`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: { epoch: String(epoch), validator_index: String(EXIT_INDEX) }, signature }),
    });
    assert.equal(posted.status, 200, await posted.text());

    await eventually(async () => assert.equal(await progress.getAttribute("data-stage"), "exiting"), 60_000);
    assert.equal(await statusOf(key).getAttribute("data-phase"), "exiting");
    assert.match(await progress.textContent(), /leaves the active set at epoch \d+/);
    assert.equal(await row.getByRole("button", { name: "Request exit" }).isDisabled(), true);
    await screenshot(session.page, "beacon-status-exiting");
  });

  it("shows each validator's balance change over the last epoch: penalties, since nobody runs 4..7 here", async () => {
    const key = dvKeys.get(4);
    // The page keeps the first reading of each epoch; the second epoch's refresh brings the change.
    await eventually(async () => assert.equal(await statusOf(key).getByTestId("beacon-change").count(), 1), 60_000);
    assert.match(
      await statusOf(key).getByTestId("beacon-change").textContent(),
      /^· −[\d,]+ gwei per epoch \(penalised/,
    );
  });

  it("says a key that made no deposit is not on the beacon chain", async () => {
    const s = statusOf(lowRunway.publicKey);
    await eventually(async () => assert.equal(await s.getAttribute("data-phase"), "unknown"));
    assert.equal(await s.getByTestId("beacon-phase").textContent(), "Not on the beacon chain");
  });

  it("warns when a committee's runway is below the margin, and the suggested top-up clears it", async () => {
    const card = session.page.locator(`[data-testid="committee"][data-operator-ids="${lowRunway.ids.join(",")}"]`);
    const warning = card.getByTestId("runway-warning");
    await warning.waitFor({ timeout: 20_000 });
    assert.match(
      await warning.textContent(),
      /may liquidate this committee in about [\d.]+ (minutes?|hours|days) \([\d,]+ blocks\)/,
    );
    await card.getByTestId("runway-top-up").waitFor({ timeout: 15_000 });
    const shown = Number((await card.getByTestId("runway-top-up").textContent()).split(" ")[0].replaceAll(",", ""));
    const form = card.getByRole("form", { name: "Top up" });
    // The field holds the registry's exact amount; the warning shows it to four significant digits.
    const filled = Number(await form.getByRole("textbox").inputValue());
    assert.ok(filled > 0 && Math.abs(filled - shown) / filled < 1e-3, `field ${filled} vs warning ${shown}`);
    // The other committee holds 100 tokens: no warning there.
    const dvCard = session.page.locator('[data-testid="committee"][data-operator-ids="1,2,3,4"]');
    assert.equal(await dvCard.getByTestId("runway-warning").count(), 0);
    await screenshot(session.page, "beacon-status-runway-warning");
    await form.getByRole("button", { name: /top up/i }).click();
    await warning.waitFor({ state: "detached", timeout: 30_000 });
  });

  it("follows the exit through to exited on the beacon chain", async () => {
    const key = dvKeys.get(EXIT_INDEX);
    const progress = item(key).getByTestId("exit-progress");
    // exit epoch = inclusion epoch + 1 + MAX_SEED_LOOKAHEAD (4): about 48 one-second slots after inclusion.
    await eventually(async () => assert.equal(await progress.getAttribute("data-stage"), "exited"), 120_000);
    assert.equal(await statusOf(key).getAttribute("data-phase"), "exited");
    assert.equal(await statusOf(key).getByTestId("beacon-phase").textContent(), "Exited");
    // The others are untouched.
    assert.equal(await statusOf(dvKeys.get(4)).getAttribute("data-phase"), "active");
    await screenshot(session.page, "beacon-status-exited");
  });

  it("says so when the beacon node goes away, keeping what it last reported", async () => {
    await beacon.stop();
    const notice = session.page.locator('[data-testid="beacon-notice"][data-kind="error"]');
    // The next refresh is at most one epoch away (8 s here), then one retry.
    await notice.waitFor({ timeout: 30_000 });
    assert.match(await notice.textContent(), new RegExp(`No answer from the beacon node at ${beacon.url}`));
    assert.match(await notice.textContent(), /Showing what it reported at slot \d+/);
    assert.equal(await statusOf(dvKeys.get(4)).getAttribute("data-phase"), "active");
    await screenshot(session.page, "beacon-status-node-down");
  });

  it("contacted only its own origin, the chain and the beacon node, and logged nothing but the refused beacon", () => {
    const { problems } = session;
    const allowed = [new URL(baseUrl).origin, new URL(beacon.url).origin];
    assert.deepEqual(
      [...new Set(problems.foreignRequests)].filter((u) => !allowed.includes(new URL(u).origin)),
      [],
    );
    assert.deepEqual(
      problems.failedRequests.filter((r) => !r.includes(beacon.url)),
      [],
    );
    assert.deepEqual(
      problems.console.filter((m) => !m.includes("ERR_CONNECTION_REFUSED")),
      [],
    );
  });
});
