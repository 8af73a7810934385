// Initiator page: a demo operator's owner bonds 4 ETH with three more operators and sees the mini-pool awaiting its
// DKG with 0/4 confirmations; then the four operators' identity keys (the devnet's key files) confirm a DKG result
// on-chain, as their nodes do, and the page follows to 2/4 and to Ready. The node-side DKG is tested in operator-node.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { cohortMiniPoolsAbi, cohortOracleAbi, cohortPoolAbi } from "@cohort/sdk/abi/index";
import { createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { clients, unlockedAccounts } from "./fixtures.mjs";
import { connectWallet, env, eventually, launchBrowser, openPage, screenshot } from "./harness.mjs";
import { installWallet } from "./wallet.mjs";

const miniPools = env.deployment?.miniPools;
const skip = miniPools ? false : "the deployment has no mini-pool contract";
const ops = env.deployment?.operators ?? [];
const hex = (n) => `0x${randomBytes(n).toString("hex")}`;

/** A member node's confirmation, sent from its identity key's Ethereum address (funded here for gas). */
async function confirmAs(operator, id, pubkey, signature) {
  const { identitySecretKey } = JSON.parse(readFileSync(operator.keyFile, "utf8"));
  const account = privateKeyToAccount(identitySecretKey);
  const { publicClient, walletClient } = clients();
  const [funder] = await unlockedAccounts();
  await publicClient.waitForTransactionReceipt({
    hash: await walletClient.sendTransaction({
      account: funder,
      to: account.address,
      value: parseEther("1"),
      chain: null,
    }),
  });
  const root = await publicClient.readContract({
    address: miniPools,
    abi: cohortMiniPoolsAbi,
    functionName: "depositDataRoot",
    args: [pubkey, signature],
  });
  const node = createWalletClient({ account, transport: http(env.rpcUrl) });
  const hash = await node.writeContract({
    address: miniPools,
    abi: cohortMiniPoolsAbi,
    functionName: "confirmDkg",
    args: [id, pubkey, signature, root],
    chain: null,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success");
}

describe("initiator page", { skip }, () => {
  let browser;
  let session;
  let id;

  before(async () => {
    browser = await launchBrowser();
    session = await openPage(browser, { wallet: false });
    await installWallet(session.context, { rpcUrl: env.rpcUrl, account: ops[0].owner });
    await session.page.goto(`${env.baseUrl}/initiator`, { waitUntil: "load" });
    await session.page.getByRole("heading", { level: 1, name: "Initiator" }).waitFor({ timeout: 15_000 });
    await connectWallet(session.page);
  });
  after(async () => {
    await browser?.close();
  });

  const myPool = () => session.page.locator(`[data-testid="my-mini-pool"][data-id="${id}"]`);

  it("creates a mini-pool with the owner's operator and three more, bonding 4 ETH", async () => {
    const { page } = session;
    await page.getByLabel("Initiator (your operator)").waitFor({ timeout: 15_000 });
    assert.equal(await page.getByLabel("Initiator (your operator)").inputValue(), String(ops[0].id));
    for (const op of ops.slice(1, 4)) await page.getByLabel(`${op.id} · ${op.name}`).check();
    const countBefore = await clients().publicClient.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "miniPoolCount",
    });
    await page.getByRole("button", { name: "Bond 4 ETH and create" }).click();
    await page.getByText("Mini-pool created").waitFor({ timeout: 30_000 });
    id = countBefore.toString();
    const m = await clients().publicClient.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "miniPool",
      args: [countBefore],
    });
    assert.deepEqual(
      m.operatorIds.map(Number),
      ops.slice(0, 4).map((o) => o.id),
    );
    assert.equal(m.bond, parseEther("4"));
  });

  it("shows it awaiting DKG with 0/4 confirmations", async () => {
    await myPool().waitFor({ timeout: 15_000 });
    assert.equal(await myPool().getByTestId("mini-pool-state").textContent(), "Awaiting DKG");
    assert.equal(await myPool().getByTestId("dkg-progress").textContent(), "0/4 confirmations");
    await screenshot(session.page, "initiator-awaiting-dkg");
  });

  it("follows members' on-chain confirmations to 2/4, then to Ready when all four agree", async () => {
    const pubkey = hex(48);
    const signature = hex(96);
    for (const op of ops.slice(0, 2)) await confirmAs(op, BigInt(id), pubkey, signature);
    await eventually(
      async () => assert.equal(await myPool().getByTestId("dkg-progress").textContent(), "2/4 confirmations"),
      15_000,
    );
    const confirmed = await myPool()
      .getByTestId("dkg-member")
      .evaluateAll((els) => els.map((e) => e.dataset.confirmed));
    assert.deepEqual(confirmed, ["true", "true", "false", "false"]);
    for (const op of ops.slice(2, 4)) await confirmAs(op, BigInt(id), pubkey, signature);
    await eventually(
      async () => assert.equal(await myPool().getByTestId("mini-pool-state").textContent(), "Ready: awaiting ETH"),
      15_000,
    );
    await screenshot(session.page, "initiator-ready");
  });

  it("once funded and reported on by the oracle, the operators page shows each member's performance", async () => {
    const { publicClient, walletClient } = clients();
    const { pool, oracle } = env.deployment;
    const [funder] = await unlockedAccounts();
    const send = async (request) => {
      const hash = await walletClient.writeContract({ account: funder, chain: null, ...request });
      assert.equal((await publicClient.waitForTransactionReceipt({ hash })).status, "success");
    };
    const free = await publicClient.readContract({ address: pool, abi: cohortPoolAbi, functionName: "freeEth" });
    if (free < parseEther("28")) {
      await send({ address: pool, abi: cohortPoolAbi, functionName: "deposit", value: parseEther("28") - free });
    }
    await send({ address: miniPools, abi: cohortMiniPoolsAbi, functionName: "fundNext" });
    const active = await publicClient.readContract({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "activeMiniPools",
    });
    // Three members agree on a report, as their nodes do each period; operator 2 missed a tenth of its duties.
    const epoch =
      (await publicClient.readContract({ address: oracle, abi: cohortOracleAbi, functionName: "lastEpoch" })) + 1n;
    const ids = ops.slice(0, 4).map((o) => BigInt(o.id));
    for (const op of ops.slice(0, 3)) {
      const { identitySecretKey } = JSON.parse(readFileSync(op.keyFile, "utf8"));
      const node = createWalletClient({ account: privateKeyToAccount(identitySecretKey), transport: http(env.rpcUrl) });
      const hash = await node.writeContract({
        address: oracle,
        abi: cohortOracleAbi,
        functionName: "submitReport",
        args: [epoch, BigInt(active.length) * parseEther("32"), ids, [10_000, 9_000, 10_000, 10_000]],
        chain: null,
      });
      assert.equal((await publicClient.waitForTransactionReceipt({ hash })).status, "success");
    }
    const { page } = session;
    await page.goto(`${env.baseUrl}/operators`, { waitUntil: "load" });
    const performanceOf = (op) =>
      page.getByTestId("operator-row").filter({ hasText: op.name }).getByTestId("operator-performance");
    await eventually(async () => {
      assert.equal(await performanceOf(ops[0]).textContent(), "100%");
      assert.equal(await performanceOf(ops[1]).textContent(), "90%");
    }, 15_000);
    await screenshot(page, "operators-performance");
  });

  it("made no foreign request and logged no errors", () => {
    const { problems } = session;
    assert.deepEqual([...new Set(problems.foreignRequests)], []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.failedRequests, []);
  });
});
