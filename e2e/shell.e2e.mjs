// The dapp shell: loads cleanly, talks to nobody but itself and the chain RPC, routes work, the wallet connects.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectWallet, env, launchBrowser, openPage, screenshot, shortAddress } from "./harness.mjs";
import { DEFAULT_ACCOUNT } from "./wallet.mjs";

const ROUTES = [
  { link: "Stake", path: "/stake", heading: /stake with a keystore/i },
  { link: "My validators", path: "/validators", heading: /my validators/i },
  { link: "Operators", path: "/operators", heading: /^operators$/i },
  { link: "Pool", path: "/pool", heading: /^pool$/i },
];

describe("dapp shell", () => {
  let browser;
  let session;
  before(async () => {
    browser = await launchBrowser();
    session = await openPage(browser);
  });
  after(async () => {
    await browser?.close();
  });

  it("loads / with the header, redirects to /stake, and logs no console errors", async () => {
    const { page, problems } = session;
    await page.goto(`${env.baseUrl}/`, { waitUntil: "load" });
    await page.getByRole("button", { name: /connect wallet/i }).waitFor({ timeout: 15_000 });
    assert.equal(new URL(page.url()).pathname, "/stake");
    await page.getByRole("link", { name: "Cohort home" }).waitFor();
    await page.getByRole("heading", { level: 1, name: /stake with a keystore/i }).waitFor();
    assert.deepEqual(problems.console, [], "console errors or warnings");
    assert.deepEqual(problems.failedRequests, [], "failed requests");
  });

  for (const route of ROUTES) {
    it(`navigates to ${route.path} from the header`, async () => {
      const { page } = session;
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: route.link, exact: true }).click();
      await page.getByRole("heading", { level: 1, name: route.heading }).waitFor({ timeout: 10_000 });
      assert.equal(new URL(page.url()).pathname, route.path);
      const current = page.getByRole("navigation", { name: "Main" }).locator('[aria-current="page"]');
      assert.equal((await current.textContent()).trim(), route.link);
      await screenshot(page, `page-${route.path.slice(1)}`);
    });
  }

  it("serves deep links directly and shows a not-found page for unknown paths", async () => {
    const { page } = session;
    await page.goto(`${env.baseUrl}/operators`, { waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: /^operators$/i }).waitFor({ timeout: 10_000 });
    await page.goto(`${env.baseUrl}/no-such-page`, { waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: /page not found/i }).waitFor({ timeout: 10_000 });
  });

  it("connects the injected wallet through RainbowKit and shows the account", async () => {
    const { page } = session;
    await page.goto(`${env.baseUrl}/stake`, { waitUntil: "load" });
    await page.getByRole("button", { name: /connect wallet/i }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await screenshot(page, "connect-modal");
    await page.keyboard.press("Escape");
    await connectWallet(page);
    const accountButton = page.getByRole("button", { name: new RegExp(shortAddress(DEFAULT_ACCOUNT), "i") });
    await accountButton.waitFor({ timeout: 10_000 });
    const calls = await page.evaluate(() => window.__e2eWalletCalls);
    assert.ok(calls.includes("eth_requestAccounts"), `wallet was asked for accounts (calls: ${calls.join(", ")})`);
    await screenshot(page, "connected");
  });

  it("made no request to any host but its own origin and the chain RPC, and logged no errors", () => {
    const { problems } = session;
    assert.deepEqual([...new Set(problems.foreignRequests)], [], "requests to foreign hosts");
    assert.deepEqual(problems.console, [], "console errors or warnings");
    assert.deepEqual(problems.failedRequests, [], "failed requests");
  });

  it("stores nothing but RainbowKit's wallet-choice keys (no account, no key material)", async () => {
    const { page } = session;
    const stored = await page.evaluate(async () => ({
      local: Object.fromEntries(Object.entries(localStorage)),
      session: Object.keys(sessionStorage),
      idb: (await indexedDB.databases()).map((d) => d.name),
      cookies: document.cookie,
    }));
    // RainbowKit always writes these three (its version, the last and recent wallet ids such as "injected"); wagmi's
    // own storage is a no-op (src/wallet/config.ts). Anything else, or any address or long hex, fails the test.
    const RAINBOWKIT_KEYS = ["rk-latest-id", "rk-recent", "rk-version"];
    assert.deepEqual(
      Object.keys(stored.local).filter((k) => !RAINBOWKIT_KEYS.includes(k)),
      [],
    );
    for (const value of Object.values(stored.local)) assert.doesNotMatch(value, /0x[0-9a-f]{20,}/i);
    assert.deepEqual(
      { session: stored.session, idb: stored.idb, cookies: stored.cookies },
      { session: [], idb: [], cookies: "" },
    );
  });
});
