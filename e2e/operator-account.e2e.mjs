// Operator account page: register an operator from the UI, then run a fee raise through declare → timelock → execute,
// replace the node addresses, opt in to mini-pools and out again, lower a fee at once and go private; every step is
// checked in the UI and on the chain.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { cohortMiniPoolsAbi, cohortRegistryAbi } from "@cohort/sdk/abi/index";
import { clients, identityProofFor, operatorKeys, registryAddress } from "./fixtures.mjs";
import { connectWallet, env, eventually, launchBrowser, openPage, screenshot, skipUnlessReady } from "./harness.mjs";
import { DEFAULT_ACCOUNT } from "./wallet.mjs";

const registry = registryAddress();
const skip = skipUnlessReady(
  registry ? false : "no Cohort deployment on the test chain (contracts not built / no devnet)",
);
const tag = Date.now().toString(36).slice(-4);
const NAME = `E2E Mine ${tag}`;

async function readOperatorByName(name) {
  const { publicClient } = clients();
  const count = await publicClient.readContract({
    address: registry,
    abi: cohortRegistryAbi,
    functionName: "operatorCount",
  });
  for (let id = count; id >= 1n; id--) {
    const op = await publicClient.readContract({
      address: registry,
      abi: cohortRegistryAbi,
      functionName: "getOperator",
      args: [id],
    });
    if (op.name === name) return { id, ...op };
  }
  return null;
}

async function readEndpoints(id) {
  const { publicClient } = clients();
  return publicClient.readContract({
    address: registry,
    abi: cohortRegistryAbi,
    functionName: "operatorEndpoints",
    args: [id],
  });
}

/** Fails fast with the page's own message when a transaction flow in `scope` shows an error. */
async function noTxError(scope) {
  const errors = await scope.getByTestId("tx-error").allTextContents();
  assert.deepEqual(errors, [], "transaction error shown");
}

describe("operator account", { skip }, () => {
  let browser;
  let session;
  let card;
  let operatorId;
  const keys = operatorKeys();

  before(async () => {
    browser = await launchBrowser();
    session = await openPage(browser);
    const { page } = session;
    await page.goto(`${env.baseUrl}/operator-account`, { waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: "Operator account" }).waitFor({ timeout: 15_000 });
    await connectWallet(page);
    await page.getByRole("heading", { name: "Register an operator" }).waitFor({ timeout: 10_000 });
  });
  after(async () => {
    await browser?.close();
  });

  it("explains bad keys before sending, and a contract refusal after, keeping what was typed", async () => {
    const { page } = session;
    await page.getByLabel("Identity public key").fill("0x02abcd");
    await page.getByText("Expected 33 bytes (66 hex digits); got 3.").waitFor();
    // An identity key that a devnet operator already holds: only the contract knows, so this reaches the chain.
    const holder = env.deployment.operators[0];
    const taken = holder.identityPublicKey;
    const takenSecret = JSON.parse(readFileSync(holder.keyFile, "utf8")).identitySecretKey;
    await page.getByLabel("Identity public key").fill(taken);
    // A proof the node made for another owner is caught before the wallet opens: it names that owner.
    await page.getByLabel("Identity proof").fill(await identityProofFor(registry, holder.owner, takenSecret));
    await page.getByText(`This is not the identity key's proof for owner ${DEFAULT_ACCOUNT}`).waitFor();
    await page.getByLabel("Identity proof").fill(await identityProofFor(registry, DEFAULT_ACCOUNT, takenSecret));
    await page.getByLabel("Encryption public key").fill(keys.encryptionKey);
    await page.getByLabel("Name").fill(NAME);
    await page.getByLabel(/Fee per validator per block/).fill("0.000000002");
    await page
      .getByTestId("register-fee-preview")
      .getByText("0.000000002 COHORT / block = 0.00526 COHORT / year")
      .waitFor();
    await page.getByRole("button", { name: "Register operator" }).click();
    const error = page.getByTestId("tx-error");
    await error.waitFor({ timeout: 20_000 });
    assert.equal(await error.getAttribute("data-error"), "IdentityKeyInUse");
    assert.match(await error.textContent(), /already registered by operator 1; each node needs its own key/);
    assert.equal(await page.getByLabel("Name").inputValue(), NAME, "typed name kept after the error");
    assert.equal(await page.getByLabel("Encryption public key").inputValue(), keys.encryptionKey);
    await screenshot(page, "operator-account-register-error");
  });

  it("registers an operator from the UI; it shows as the wallet's operator and in the operators table", async () => {
    const { page } = session;
    await page.getByLabel("Identity public key").fill(keys.identityKey);
    await page
      .getByLabel("Identity proof")
      .fill(await identityProofFor(registry, DEFAULT_ACCOUNT, keys.identitySecret));
    await page.getByLabel("Node addresses", { exact: true }).fill("/ip4/203.0.113.300/tcp/9000");
    await page.getByText("“203.0.113.300” in “/ip4/203.0.113.300/tcp/9000” is not an IPv4 address").waitFor();
    await page
      .getByLabel("Node addresses", { exact: true })
      .fill("/ip4/203.0.113.7/tcp/9000\n\n/dns4/mine.example/tcp/9000\n");
    await page.getByRole("button", { name: "Register operator" }).click();
    await page.getByText("Registered. Your operator is listed below").waitFor({ timeout: 30_000 });
    const onChain = await readOperatorByName(NAME);
    assert.ok(onChain, "operator registered on-chain");
    assert.equal(onChain.owner, DEFAULT_ACCOUNT);
    assert.equal(onChain.identityKey, keys.identityKey);
    assert.equal(onChain.encryptionKey, keys.encryptionKey);
    assert.equal(onChain.fee, 2_000_000_000n);
    operatorId = onChain.id;
    assert.deepEqual(await readEndpoints(operatorId), ["/ip4/203.0.113.7/tcp/9000", "/dns4/mine.example/tcp/9000"]);
    card = page.locator(`[data-testid="my-operator"][data-operator-id="${operatorId}"]`);
    await card.getByRole("heading", { name: NAME }).waitFor({ timeout: 15_000 });
    assert.equal(
      (await card.getByTestId("current-fee").textContent()).trim(),
      "0.000000002 COHORT / block · 0.00526 COHORT / year",
    );
    assert.equal(await page.getByLabel("Name").inputValue(), "", "form cleared after success");
    await screenshot(page, "operator-account");
  });

  it("raises the fee: declare → execute refused during the timelock → anvil_mine past it → execute → table shows it", async () => {
    const { page } = session;
    // The cap is +10% per change: 0.0000000022 is the most allowed from 0.000000002.
    await card.getByLabel(/Raise fee to/).fill("0.0000000023");
    await card.getByText("One change may raise the fee to at most 0.0000000022 COHORT per block.").waitFor();
    await card.getByLabel(/Raise fee to/).fill("0.0000000022");
    await card.getByRole("button", { name: "Declare" }).click();
    await card.getByText("Declared. Execute it once the timelock has passed.").waitFor({ timeout: 30_000 });
    const declared = card.getByTestId("fee-declaration");
    await declared.waitFor({ timeout: 15_000 });
    assert.match(
      await declared.textContent(),
      /Declared raise to 0\.0000000022 COHORT \/ block · 0\.005786 COHORT \/ year/,
    );
    assert.match(await card.getByTestId("fee-countdown").textContent(), /Timelock: executable in \d+ (min|s)/);
    await screenshot(page, "operator-account-fee-declared");

    // Too early: the simulation returns FeeTimelockNotElapsed and the page says when it can be executed.
    await card.getByRole("button", { name: "Execute new fee" }).click();
    const early = card.getByTestId("tx-error");
    await early.waitFor({ timeout: 20_000 });
    assert.equal(await early.getAttribute("data-error"), "FeeTimelockNotElapsed");
    assert.match(
      await early.textContent(),
      /The new fee can be executed from .* GMT \(about \d+ s from the chain's latest block\); wait/,
    );

    // The devnet timelock is 60 s: mine two blocks 61 s apart so the chain's clock passes it.
    const { publicClient } = clients();
    await publicClient.request({ method: "anvil_mine", params: ["0x2", "0x3d"] });
    await eventually(
      async () => assert.equal(await card.getByTestId("fee-countdown").getAttribute("data-phase"), "open"),
      20_000,
    );
    await card.getByRole("button", { name: "Execute new fee" }).click();
    await eventually(
      async () =>
        assert.equal(
          (await card.getByTestId("current-fee").textContent()).trim(),
          "0.0000000022 COHORT / block · 0.005786 COHORT / year",
        ),
      30_000,
    );
    await card.getByTestId("fee-declaration").waitFor({ state: "detached", timeout: 15_000 });
    assert.equal((await readOperatorByName(NAME)).fee, 2_200_000_000n);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operators", exact: true }).click();
    const row = page.getByTestId("operator-row").filter({ hasText: NAME });
    await row.waitFor({ timeout: 15_000 });
    const cells = (await row.locator("td").allTextContents()).map((s) => s.trim());
    assert.equal(cells[0], operatorId.toString());
    assert.equal(cells[2], "0.0000000022 COHORT");
    await screenshot(page, "operator-account-table-new-fee");
  });

  it("replaces the node addresses; the card and the chain show the new list", async () => {
    const { page } = session;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operator account" }).click();
    card = page.locator(`[data-testid="my-operator"][data-operator-id="${operatorId}"]`);
    const field = card.getByLabel("Change node addresses");
    await field.waitFor({ timeout: 15_000 });
    assert.equal(await field.inputValue(), "/ip4/203.0.113.7/tcp/9000\n/dns4/mine.example/tcp/9000");
    await field.fill(
      "/ip4/1.1.1.1/tcp/1\n/ip4/1.1.1.1/tcp/2\n/ip4/1.1.1.1/tcp/3\n/ip4/1.1.1.1/tcp/4\n/ip4/1.1.1.1/tcp/5",
    );
    await card.getByText("At most 4 addresses; this has 5.").waitFor();
    await field.fill("/dns4/moved.example/tcp/9100");
    await card.getByRole("button", { name: "Save addresses" }).click();
    await card.getByTestId("operator-endpoints").getByText("/dns4/moved.example/tcp/9100").waitFor({ timeout: 30_000 });
    await noTxError(card);
    assert.deepEqual(await readEndpoints(operatorId), ["/dns4/moved.example/tcp/9100"]);
  });

  it("opts in to mini-pools and out again; the card and the chain follow", async () => {
    const miniPools = env.deployment?.miniPools;
    assert.ok(miniPools, "the devnet deploys the mini-pool contract");
    const accepts = () =>
      clients().publicClient.readContract({
        address: miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "acceptsMiniPools",
        args: [operatorId],
      });
    const status = () => card.getByTestId("operator-mini-pools").textContent();
    await eventually(async () => assert.match(await status(), /^Mini-pools: not accepted/), 15_000);
    assert.equal(await accepts(), false, "off by default");
    await card.getByRole("button", { name: "Accept mini-pools" }).click();
    await card.getByText("Initiators may now name this operator.").waitFor({ timeout: 30_000 });
    await eventually(async () => assert.match(await status(), /^Mini-pools: accepted/), 15_000);
    await noTxError(card);
    assert.equal(await accepts(), true);
    await card.getByRole("button", { name: "Stop accepting mini-pools" }).click();
    await card.getByText("Initiators can no longer name this operator.").waitFor({ timeout: 30_000 });
    await eventually(async () => assert.match(await status(), /^Mini-pools: not accepted/), 15_000);
    assert.equal(await accepts(), false);
  });

  it("lowers the fee at once and goes private", async () => {
    const { page } = session;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operator account" }).click();
    card = page.locator(`[data-testid="my-operator"][data-operator-id="${operatorId}"]`);
    await card.getByLabel(/Lower fee now to/).fill("0.000000001");
    await card.getByRole("button", { name: "Lower fee" }).click();
    await eventually(async () => {
      await noTxError(card);
      assert.match(await card.getByTestId("current-fee").textContent(), /^0\.000000001 COHORT \/ block/);
    }, 30_000).catch(async (e) => {
      await screenshot(page, "operator-account-lower-failed");
      throw e;
    });
    await card.getByRole("button", { name: "Make private" }).click();
    await eventually(
      async () => assert.match(await card.getByTestId("operator-access").textContent(), /^Private/),
      30_000,
    );
    const op = await readOperatorByName(NAME);
    assert.equal(op.fee, 1_000_000_000n);
    assert.equal(op.privateMode, true);
    await card.getByLabel("Owner addresses").fill("0x976EA74026E726554dB657fA54763abd0C3a0aa9");
    await card.getByRole("button", { name: "Add to allow-list" }).click();
    await card
      .getByTestId("allow-list")
      .getByText("0x976EA74026E726554dB657fA54763abd0C3a0aa9")
      .waitFor({ timeout: 30_000 });
    const { publicClient } = clients();
    assert.equal(
      await publicClient.readContract({
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "isAllowed",
        args: [operatorId, "0x976EA74026E726554dB657fA54763abd0C3a0aa9"],
      }),
      true,
    );
    await screenshot(page, "operator-account-private");
  });

  it("on the wrong network says so, offers a switch and sends nothing, keeping the form", async () => {
    const other = await openPage(browser);
    // After connecting, the wallet moves to mainnet (as when a user switches networks in the extension) and refuses
    // to come back. Wraps the test wallet from outside: captures its listeners, then answers eth_chainId with 0x1.
    await other.context.addInitScript(() => {
      const provider = window.ethereum;
      const listeners = [];
      const on = provider.on.bind(provider);
      provider.on = (event, fn) => {
        if (event === "chainChanged") listeners.push(fn);
        return on(event, fn);
      };
      const request = provider.request.bind(provider);
      let chain = null;
      provider.request = async (args) => {
        if (chain && args.method === "eth_chainId") return chain;
        if (chain && args.method === "wallet_switchEthereumChain") {
          throw Object.assign(new Error("User rejected the request."), { code: 4001 });
        }
        return request(args);
      };
      window.__moveWalletTo = (hex) => {
        chain = hex;
        for (const fn of listeners) fn(hex);
      };
    });
    const { page } = other;
    await page.goto(`${env.baseUrl}/operator-account`, { waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: "Operator account" }).waitFor({ timeout: 15_000 });
    await connectWallet(page);
    await page.getByLabel("Name").waitFor({ timeout: 10_000 });
    const fresh = operatorKeys();
    await page.getByLabel("Identity public key").fill(fresh.identityKey);
    await page
      .getByLabel("Identity proof")
      .fill(await identityProofFor(registry, DEFAULT_ACCOUNT, fresh.identitySecret));
    await page.getByLabel("Encryption public key").fill(fresh.encryptionKey);
    await page.getByLabel("Name").fill("Wrong network test");
    await page.getByLabel(/Fee per validator per block/).fill("0.000000001");
    await page.evaluate(() => window.__moveWalletTo("0x1"));
    // One page-level notice, not one per form.
    await page.getByText("Your wallet is on another network; Cohort's contracts here are on chain 31337.").waitFor();
    const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Register an operator" }) });
    await form.getByRole("button", { name: "Register operator" }).click();
    const error = form.getByTestId("tx-error");
    await error.waitFor({ timeout: 10_000 });
    assert.match(await error.textContent(), /Your wallet is on another network; use “Switch network” and submit again/);
    await form.getByRole("button", { name: "Switch network" }).click();
    await eventually(async () =>
      assert.match(await error.textContent(), /You rejected the request in your wallet; nothing was sent/),
    );
    const calls = await page.evaluate(() => window.__e2eWalletCalls);
    assert.ok(!calls.includes("eth_sendTransaction"), "sent no transaction on the wrong network");
    assert.equal(await page.getByLabel("Name").inputValue(), "Wrong network test");
    await screenshot(page, "operator-account-wrong-network");
    await other.context.close();
  });

  it("made no foreign request and logged no errors", () => {
    const { problems } = session;
    assert.deepEqual([...new Set(problems.foreignRequests)], []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.failedRequests, []);
  });
});
