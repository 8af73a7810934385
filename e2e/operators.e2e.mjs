// Operators page and operator detail, against operators this test registers on the chain.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { registerOperator, registryAddress, unlockedAccounts } from "./fixtures.mjs";
import { env, eventually, launchBrowser, openPage, screenshot, skipUnlessReady } from "./harness.mjs";

const registry = registryAddress();
const skip = skipUnlessReady(
  registry ? false : "no Cohort deployment on the test chain (contracts not built / no devnet)",
);
const tag = Date.now().toString(36).slice(-4);
const GWEI = 1_000_000_000n;

/**
 * A filter checkbox is controlled by the URL: its state follows one render after the click, which can lag while the
 * table re-renders fresh chain data. Playwright's check() reads the state right after its click, so wait instead.
 */
async function setFilter(page, name, checked) {
  const box = page.getByRole("checkbox", { name });
  if ((await box.isChecked()) !== checked) await box.click();
  await eventually(async () => assert.equal(await box.isChecked(), checked));
}

describe("operators", { skip }, () => {
  let browser;
  let session;
  const ops = {};

  before(async () => {
    const accounts = await unlockedAccounts();
    // Sequential: the owners differ, but the governance account verifies several of them.
    ops.alpha = await registerOperator(registry, {
      owner: accounts[1],
      name: `E2E Alpha ${tag}`,
      fee: 1n * GWEI,
      verified: true,
    });
    ops.bravo = await registerOperator(registry, {
      owner: accounts[2],
      name: `E2E Bravo ${tag}`,
      fee: 5n * GWEI,
      privateMode: true,
    });
    ops.charlie = await registerOperator(registry, {
      owner: accounts[3],
      name: `E2E Charlie ${tag}`,
      fee: 2n * GWEI,
    });
    ops.delta = await registerOperator(registry, {
      owner: accounts[4],
      name: `E2E Delta ${tag}`,
      fee: 3n * GWEI,
      endpoints: ["/ip4/203.0.113.9/tcp/9000", "/dns4/delta.example/tcp/9001"],
      verified: true,
      privateMode: true,
    });
    browser = await launchBrowser();
    session = await openPage(browser);
  });
  after(async () => {
    await browser?.close();
  });

  /** Names of this test's operators in table order. */
  async function ourNamesInOrder(page) {
    const names = await page.getByTestId("operator-row").locator("td:nth-child(2) a").allTextContents();
    return names.filter((n) => n.endsWith(tag)).map((n) => n.split(" ")[1]);
  }

  it("lists every operator read from the chain with fees per block and per year, badges and access", async () => {
    const { page } = session;
    await page.goto(`${env.baseUrl}/operators`, { waitUntil: "load" });
    await page.getByRole("link", { name: ops.delta.name }).waitFor({ timeout: 15_000 });
    await eventually(async () => assert.deepEqual(await ourNamesInOrder(page), ["Alpha", "Bravo", "Charlie", "Delta"]));

    const alpha = page.getByTestId("operator-row").filter({ hasText: ops.alpha.name });
    const cells = (await alpha.locator("td").allTextContents()).map((s) => s.trim());
    assert.equal(cells[0], ops.alpha.id.toString());
    assert.match(cells[1], /Verified/);
    assert.equal(cells[2], "0.000000001 COHORT"); // 1 gwei of an 18-decimals token per block
    assert.equal(cells[3], "0.00263 COHORT"); // × 2,629,800 blocks = 0.0026298
    assert.equal(cells[4], "0");
    assert.equal(cells[5], "—"); // performance: no oracle report names this operator
    assert.equal(cells[6], "Public");
    const bravo = page.getByTestId("operator-row").filter({ hasText: ops.bravo.name });
    assert.match(await bravo.textContent(), /Private/);
    await screenshot(page, "operators-list");
  });

  it("searches by name and by id", async () => {
    const { page } = session;
    const search = page.getByRole("searchbox", { name: "Search operators" });
    await search.fill(`bravo ${tag}`);
    await page.getByTestId("operator-row").filter({ hasText: ops.alpha.name }).waitFor({ state: "detached" });
    await eventually(async () => assert.deepEqual(await ourNamesInOrder(page), ["Bravo"]));
    await search.fill(ops.charlie.id.toString());
    await page.getByRole("link", { name: ops.charlie.name }).waitFor();
    await eventually(async () => assert.equal(await page.getByTestId("operator-row").count(), 1));
    await search.fill("no operator is called this");
    await page.getByText("No operator matches these filters.").waitFor();
    await search.fill("");
  });

  it("filters verified-only and hides private operators", async () => {
    const { page } = session;
    await setFilter(page, "Verified only", true);
    await page.getByRole("link", { name: ops.bravo.name }).waitFor({ state: "detached" });
    await eventually(async () => assert.deepEqual(await ourNamesInOrder(page), ["Alpha", "Delta"]));
    for (const row of await page.getByTestId("operator-row").all()) assert.match(await row.textContent(), /Verified/);
    await setFilter(page, "Hide private", true);
    await page.getByRole("link", { name: ops.delta.name }).waitFor({ state: "detached" });
    await eventually(async () => assert.deepEqual(await ourNamesInOrder(page), ["Alpha"]));
    assert.match(page.url(), /verified=1/);
    await setFilter(page, "Verified only", false);
    await setFilter(page, "Hide private", false);
    await page.getByRole("link", { name: ops.bravo.name }).waitFor();
  });

  it("sorts by fee, both directions, and by name", async () => {
    const { page } = session;
    const feeHeader = page.getByRole("columnheader", { name: /Fee \/ block/ });
    await feeHeader.getByRole("button").click();
    // The click returns before React re-renders: wait for the header's state rather than read it at once.
    await eventually(async () => assert.equal(await feeHeader.getAttribute("aria-sort"), "ascending"));
    await eventually(async () => assert.deepEqual(await ourNamesInOrder(page), ["Alpha", "Charlie", "Delta", "Bravo"]));
    await feeHeader.getByRole("button").click();
    await eventually(async () => assert.equal(await feeHeader.getAttribute("aria-sort"), "descending"));
    await eventually(async () => assert.deepEqual(await ourNamesInOrder(page), ["Bravo", "Delta", "Charlie", "Alpha"]));
    await page.getByRole("columnheader", { name: /Name/ }).getByRole("button").click();
    await eventually(async () => assert.deepEqual(await ourNamesInOrder(page), ["Alpha", "Bravo", "Charlie", "Delta"]));
  });

  it("opens an operator's detail page with its on-chain keys", async () => {
    const { page } = session;
    await page.getByRole("link", { name: ops.delta.name }).click();
    await page.getByRole("heading", { level: 1, name: ops.delta.name }).waitFor({ timeout: 10_000 });
    assert.equal(new URL(page.url()).pathname, `/operators/${ops.delta.id}`);
    const body = await page.locator("main").textContent();
    assert.ok(body.toLowerCase().includes(ops.delta.owner.toLowerCase()), "owner shown");
    assert.ok(body.includes(ops.delta.identityKey), "identity key shown");
    assert.ok(body.includes(ops.delta.encryptionKey), "encryption key shown");
    assert.deepEqual(
      (await page.getByTestId("operator-endpoints").locator("li").allTextContents()).map((s) => s.trim()),
      ops.delta.endpoints,
      "node addresses shown as registered",
    );
    assert.match(body, /Verified/);
    assert.match(body, /Private: allow-listed owners only/);
    assert.match(body, /0\.000000003 COHORT/);
    await screenshot(page, "operator-detail");
  });

  it("says so when an operator id does not exist", async () => {
    const { page } = session;
    await page.goto(`${env.baseUrl}/operators/999999`, { waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: "Operator not found" }).waitFor({ timeout: 10_000 });
  });

  it("made no foreign request and logged no errors", () => {
    const { problems } = session;
    assert.deepEqual([...new Set(problems.foreignRequests)], []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.failedRequests, []);
  });
});
