// Shared helpers for e2e/*.e2e.mjs. The runner (e2e/run.mjs) starts the chain and the built dapp and passes their
// addresses in the environment; test files only drive the browser.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { installWallet } from "./wallet.mjs";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const ARTIFACTS = join(import.meta.dirname, "artifacts");

/** On CI every browser test must run: a missing prerequisite there is a failure, never a skip. */
export const CI = /^(1|true)$/i.test(process.env.CI ?? "");

/**
 * The `skip` option of a suite or test that needs `reason` to be false: locally it skips with the reason; under CI
 * it throws, so the file fails saying what is missing.
 * @param {string | false} reason
 */
export function skipUnlessReady(reason) {
  if (!reason) return false;
  if (CI) throw new Error(`${reason}; CI=true runs every browser test, so this fails instead of skipping`);
  return reason;
}

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests with \`npm run test:e2e\` (node e2e/run.mjs)`);
  return v;
}

export const env = {
  get baseUrl() {
    return required("E2E_BASE_URL");
  },
  get rpcUrl() {
    return required("E2E_RPC_URL");
  },
  /** The devnet deployment (contracts), or null when the runner only had a bare anvil chain. */
  get deployment() {
    const file = process.env.E2E_DEPLOYMENT_FILE;
    return file ? JSON.parse(readFileSync(file, "utf8")) : null;
  },
};

/** A fresh browser: Playwright's launch() gives every browser its own temporary user-data-dir, deleted on close. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A page with the test wallet installed and watchers for console errors, failed responses and requests to any host
 * other than the page's own origin and the chain RPC.
 */
export async function openPage(browser, { wallet = true, viewport = { width: 1280, height: 860 } } = {}) {
  const context = await browser.newContext({ viewport });
  if (wallet) await installWallet(context, { rpcUrl: env.rpcUrl });
  const page = await context.newPage();
  const allowed = [new URL(env.baseUrl).origin, new URL(env.rpcUrl).origin];
  const problems = { console: [], foreignRequests: [], failedRequests: [] };
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.console.push(`${m.type()}: ${m.text().slice(0, 300)}`);
  });
  page.on("pageerror", (e) => problems.console.push(`pageerror: ${String(e).slice(0, 300)}`));
  page.on("request", (r) => {
    const url = r.url();
    if (url.startsWith("data:") || url.startsWith("blob:")) return;
    if (!allowed.includes(new URL(url).origin)) problems.foreignRequests.push(url);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.failedRequests.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    const reason = r.failure()?.errorText ?? "";
    // Leaving a page cancels its in-flight RPC reads (ERR_ABORTED): that is navigation, not a failure.
    if (reason !== "net::ERR_ABORTED") problems.failedRequests.push(`failed ${r.url()} ${reason}`);
  });
  return { context, page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Connect through RainbowKit's modal, choosing the injected test wallet; resolves when the header shows the account. */
export async function connectWallet(page) {
  await page.getByRole("button", { name: /connect wallet/i }).click();
  const dialog = page.getByRole("dialog");
  await dialog
    .getByRole("button", { name: /E2E Wallet/i })
    .first()
    .click();
  await dialog.waitFor({ state: "detached", timeout: 10_000 }).catch(() => {});
  await page.keyboard.press("Escape").catch(() => {});
}

/** Short form RainbowKit shows in the header, e.g. 0xf3…2266. */
export function shortAddress(address) {
  return `${address.slice(0, 4)}…${address.slice(-4)}`;
}

/** Retry `check` (which throws on failure) until it passes or `timeout` ms pass; for UI that updates after a click. */
export async function eventually(check, timeout = 5_000) {
  const until = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
