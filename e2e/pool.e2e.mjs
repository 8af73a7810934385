// Pool page against the devnet's CohortPool: a deposit below the minimum is refused in the form, a real deposit mints
// cETH at 1:1, a withdrawal is requested and claimed, then other accounts deposit in pieces until the pool holds one
// validator's worth of free ETH and the fill meter reads full.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cohortPoolAbi } from "@cohort/sdk/abi/index";
import { formatEther, parseEther } from "viem";
import { clients, send } from "./fixtures.mjs";
import { connectWallet, env, eventually, launchBrowser, openPage, screenshot, skipUnlessReady } from "./harness.mjs";
import { installWallet } from "./wallet.mjs";

const pool = env.deployment?.pool;
const skip = skipUnlessReady(pool ? false : "the deployment has no pool contracts");
// Anvil account 9 deposits through the page; 5 and 6 through the fixtures (no other browser test moves ETH from them
// into the pool).
const depositor = env.deployment?.accounts?.[9];
const others = [env.deployment?.accounts?.[5], env.deployment?.accounts?.[6]];
const read = (functionName, args = []) =>
  clients().publicClient.readContract({ address: pool, abi: cohortPoolAbi, functionName, args });

describe("pool page", { skip }, () => {
  let browser;
  let session;

  before(async () => {
    // The pool's first deposit mints its DEAD_SHARES (1 gwei) to 0x…dEaD: when this file runs first, another account
    // makes that deposit, so the page's depositor meets a 1:1 pool as every later depositor does.
    if ((await read("totalSupply")) === 0n) {
      await send({
        address: pool,
        abi: cohortPoolAbi,
        functionName: "deposit",
        args: [],
        value: parseEther("1"),
        account: others[0],
      });
    }
    browser = await launchBrowser();
    session = await openPage(browser, { wallet: false });
    await installWallet(session.context, { rpcUrl: env.rpcUrl, account: depositor });
    await session.page.goto(`${env.baseUrl}/pool`, { waitUntil: "load" });
    await session.page.getByRole("heading", { level: 1, name: "Pool" }).waitFor({ timeout: 15_000 });
    await connectWallet(session.page);
  });
  after(async () => {
    await browser?.close();
  });

  const text = (testId) => session.page.getByTestId(testId).first().textContent();

  it("refuses a deposit under 0.1 ETH in the form, naming the minimum", async () => {
    const { page } = session;
    const input = page.getByLabel("Deposit ETH");
    await input.fill("0.05");
    await page.getByText("The pool takes deposits from 0.1 ETH; enter 0.1 or more.").waitFor();
    const nonce = () => clients().publicClient.getTransactionCount({ address: depositor });
    const nonceBefore = await nonce();
    await page.getByRole("button", { name: "Deposit", exact: true }).click();
    // A refusal has nothing to wait for; a send would show its status and reach the chain within this time (the
    // same form's 10 ETH deposit below does so in well under a second on the devnet).
    await page.waitForTimeout(2_000);
    assert.equal(await page.getByTestId("tx-status").count(), 0, "nothing was sent");
    assert.equal(await nonce(), nonceBefore, "no transaction from the depositor");
    assert.equal(await read("balanceOf", [depositor]), 0n);
  });

  it("deposits 10 ETH and shows 10 cETH worth 10 ETH at a 1:1 rate", async () => {
    const { page } = session;
    await page.getByLabel("Deposit ETH").fill("10");
    await page.getByRole("button", { name: "Deposit", exact: true }).click();
    await page.getByText("Deposited: your cETH balance is updated.").waitFor({ timeout: 30_000 });
    assert.equal(await read("balanceOf", [depositor]), parseEther("10"));
    await eventually(async () => assert.equal(await text("my-shares"), "10 cETH"), 15_000);
    assert.equal(await text("my-value"), "Worth 10 ETH at the current rate.");
    assert.equal(await text("pool-rate"), "1 cETH = 1 ETH");
  });

  it("requests a withdrawal of 1 cETH and claims it once ready", async () => {
    const { page } = session;
    await page.getByLabel("Withdraw cETH").fill("1");
    await page.getByRole("button", { name: "Request", exact: true }).click();
    await page.getByText("Requested: it appears below").waitFor({ timeout: 30_000 });
    const row = page.getByTestId("withdrawal").first();
    // The pool has free ETH, so the queue funds the request at once.
    await eventually(
      async () => assert.equal(await row.getByTestId("withdrawal-state").textContent(), "ready to claim"),
      15_000,
    );
    const ethBefore = await clients().publicClient.getBalance({ address: depositor });
    await row.getByRole("button", { name: "Claim" }).click();
    await page.getByText("Claimed: the ETH is in your wallet.").waitFor({ timeout: 30_000 });
    const gained = (await clients().publicClient.getBalance({ address: depositor })) - ethBefore;
    // 1 ETH back minus gas.
    assert.ok(gained > parseEther("0.99") && gained <= parseEther("1"), `gained ${formatEther(gained)} ETH`);
    await eventually(async () => assert.equal(await page.getByTestId("withdrawal").count(), 0), 15_000);
    await eventually(async () => assert.equal(await text("my-shares"), "9 cETH"), 15_000);
  });

  it("fills the meter when others bring the free ETH to one validator's 28 ETH in pieces", async () => {
    const { page } = session;
    const need = parseEther("32") - (await read("initiatorBond"));
    const missing = need - ((await read("freeEth")) % need);
    // Two accounts, the first deposit a piece of at least 0.1 ETH, the second the rest.
    const first = missing / 3n;
    for (const [account, value] of [
      [others[0], first],
      [others[1], missing - first],
    ]) {
      await send({ address: pool, abi: cohortPoolAbi, functionName: "deposit", args: [], value, account });
    }
    assert.equal((await read("freeEth")) % need, 0n);
    const meter = page.getByTestId("fill-meter");
    await eventually(async () => assert.equal(await meter.getAttribute("data-fraction"), "1"), 15_000);
    assert.match(await text("fill-text"), /^\d+ validators? can be funded now$/);
    assert.equal(
      await page.getByRole("progressbar", { name: "Free ETH toward the next validator" }).getAttribute("aria-valuenow"),
      "100",
    );
    // Other files on this devnet (the initiator test) may have had an oracle report accepted: the history shows
    // exactly the accepted reports, or says there is none.
    const reports = await clients().publicClient.getContractEvents({
      address: pool,
      abi: cohortPoolAbi,
      eventName: "ExchangeRateUpdated",
      fromBlock: 0n,
    });
    if (reports.length === 0) {
      assert.match(await page.getByTestId("rate-history-empty").textContent(), /No oracle report accepted yet/);
    } else {
      await eventually(
        async () =>
          assert.equal(await page.getByTestId("rate-chart").getAttribute("data-points"), String(reports.length)),
        15_000,
      );
    }
    await screenshot(page, "pool-full");
  });

  it("made no foreign request and logged no errors", () => {
    const { problems } = session;
    assert.deepEqual([...new Set(problems.foreignRequests)], []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.failedRequests, []);
  });
});
