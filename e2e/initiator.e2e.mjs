// Initiator page: a demo operator's owner bonds 4 ETH with three more operators (which opted in to mini-pools; one that
// did not is not offered) and sees the mini-pool awaiting its DKG with 0/4 confirmations; then the four operators'
// identity keys (the devnet's key files) confirm a DKG result on-chain, as their nodes do, and the page follows to 2/4,
// to pending verification once the fourth confirmation pre-deposits 1 ETH, and to verified once governance verifies it
// (no operator serves a funded mini-pool yet, so no oracle quorum can). A second committee over the other two demo
// operators is funded too, so six serving operators can reach the oracle's quorum of five on a performance report.
// Then the initiator requests the exit, a report shows the balance withdrawn, and it claims its bond back.
// The node-side DKG and verification are tested in operator-node.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { cohortMiniPoolsAbi, cohortOracleAbi, cohortPoolAbi } from "@cohort/sdk/abi/index";
import { createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { clients, send as sendAs, unlockedAccounts } from "./fixtures.mjs";
import { connectWallet, env, eventually, launchBrowser, openPage, screenshot, skipUnlessReady } from "./harness.mjs";
import { installWallet } from "./wallet.mjs";

const miniPools = env.deployment?.miniPools;
const skip = skipUnlessReady(miniPools ? false : "the deployment has no mini-pool contract");
const ops = env.deployment?.operators ?? [];
const hex = (n) => `0x${randomBytes(n).toString("hex")}`;

const read = (address, abi, functionName, args = []) =>
  clients().publicClient.readContract({ address, abi, functionName, args });

/** The operator's owner says initiators may name it (off by default), as on the Operator account page. */
const optIn = (operator) =>
  sendAs({
    address: miniPools,
    abi: cohortMiniPoolsAbi,
    functionName: "setAcceptsMiniPools",
    args: [BigInt(operator.id), true],
    account: operator.owner,
  });

/** Governance marks a pre-deposited key verified: allowed only while too few outside operators serve to vote on it. */
const verifyByGovernance = (id) =>
  sendAs({
    address: env.deployment.oracle,
    abi: cohortOracleAbi,
    functionName: "verifyByGovernance",
    args: [id],
    account: env.deployment.governance,
  });

/** The beacon epoch after the chain's clock moved one epoch on: a report must be for a past epoch after funding. */
async function nextEpoch() {
  const { publicClient } = clients();
  const secondsPerEpoch = await read(env.deployment.oracle, cohortOracleAbi, "secondsPerEpoch");
  await publicClient.request({ method: "evm_increaseTime", params: [Number(secondsPerEpoch)] });
  await publicClient.request({ method: "evm_mine", params: [] });
  return read(env.deployment.oracle, cohortOracleAbi, "currentEpoch");
}

/** `operators`' nodes each vote for `report` from their identity addresses, as they do every report period. */
async function submitReport(operators, report) {
  const { publicClient } = clients();
  for (const op of operators) {
    const { identitySecretKey } = JSON.parse(readFileSync(op.keyFile, "utf8"));
    const node = createWalletClient({ account: privateKeyToAccount(identitySecretKey), transport: http(env.rpcUrl) });
    const hash = await node.writeContract({
      address: env.deployment.oracle,
      abi: cohortOracleAbi,
      functionName: "submitReport",
      args: [report],
      chain: null,
    });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash })).status, "success");
  }
}

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
  let secondId;

  before(async () => {
    assert.ok(ops.length >= 6, `the devnet registers six operators (it has ${ops.length})`);
    // Operators 2–4 take mini-pool work; 5 and 6 have not opted in yet.
    for (const op of ops.slice(1, 4)) await optIn(op);
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
    await page.getByLabel(`${ops[1].id} · ${ops[1].name}`).waitFor({ timeout: 15_000 });
    for (const op of ops.slice(4)) {
      assert.equal(await page.getByLabel(`${op.id} · ${op.name}`).count(), 0, `${op.name} did not opt in`);
    }
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

  it("follows members' confirmations to 2/4, to pending verification with 1 ETH pre-deposited, then to verified", async () => {
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
    const { publicClient } = clients();
    const depositContract = env.deployment.depositContract;
    const depositedBefore = await publicClient.getBalance({ address: depositContract });
    for (const op of ops.slice(2, 4)) await confirmAs(op, BigInt(id), pubkey, signature);
    await eventually(
      async () =>
        assert.equal(
          await myPool().getByTestId("mini-pool-state").textContent(),
          "Pending verification (1 ETH pre-deposited)",
        ),
      15_000,
    );
    await myPool().getByTestId("verification-note").waitFor();
    assert.equal((await publicClient.getBalance({ address: depositContract })) - depositedBefore, parseEther("1"));
    await screenshot(session.page, "initiator-pending-verification");
    await verifyByGovernance(BigInt(id));
    await eventually(
      async () => assert.equal(await myPool().getByTestId("mini-pool-state").textContent(), "Verified: awaiting ETH"),
      15_000,
    );
    await screenshot(session.page, "initiator-ready");
  });

  it("once funded and reported on by the oracle, the operators page shows each member's performance", async () => {
    const { pool, oracle, governance } = env.deployment;
    const need = parseEther("32") - parseEther("4");
    // A second mini-pool, initiated by operator 5's owner with 6, 1 and 2: with both funded, six operators serve.
    for (const op of [ops[5], ops[0]]) await optIn(op);
    const second = await read(miniPools, cohortMiniPoolsAbi, "miniPoolCount");
    const members = [ops[4], ops[5], ops[0], ops[1]];
    await sendAs({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      functionName: "createMiniPool",
      args: [members.map((o) => BigInt(o.id))],
      value: parseEther("4"),
      account: ops[4].owner,
    });
    const pubkey = hex(48);
    const signature = hex(96);
    for (const op of members) await confirmAs(op, second, pubkey, signature);
    await verifyByGovernance(second);

    const free = await read(pool, cohortPoolAbi, "freeEth");
    if (free < 2n * need) {
      await sendAs({
        address: pool,
        abi: cohortPoolAbi,
        functionName: "deposit",
        value: 2n * need - free,
        account: governance,
      });
    }
    for (let i = 0; i < 2; i++) {
      await sendAs({ address: miniPools, abi: cohortMiniPoolsAbi, functionName: "fundNext", account: governance });
    }
    await eventually(
      async () => assert.equal(await myPool().getByTestId("mini-pool-state").textContent(), "Active"),
      15_000,
    );
    assert.equal(await read(miniPools, cohortMiniPoolsAbi, "servingOperators"), 6n);

    const epoch = await nextEpoch();
    const active = [...(await read(miniPools, cohortMiniPoolsAbi, "activeMiniPools"))].sort((a, b) => (a < b ? -1 : 1));
    assert.deepEqual(active, [BigInt(id), second]);
    secondId = second;
    // Five of the six serving operators agree on a report; operator 2 missed a tenth of its duties. Balances
    // unchanged: 32 ETH each, nothing withdrawn.
    await submitReport(ops.slice(0, 5), {
      epoch,
      miniPoolIds: active,
      balancesGwei: active.map(() => 32_000_000_000n),
      withdrawnGwei: active.map(() => 0n),
      operatorIds: ops.map((o) => BigInt(o.id)),
      participationBps: ops.map((_, i) => (i === 1 ? 9_000 : 10_000)),
    });
    assert.equal(await read(oracle, cohortOracleAbi, "lastEpoch"), epoch, "the fifth identical vote accepts it");
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

  it("requests the exit; once a report shows the 32 ETH withdrawn, the initiator claims its 4 ETH back", async () => {
    const { page } = session;
    const { publicClient, walletClient } = clients();
    const { pool, oracle, governance } = env.deployment;
    await page.goto(`${env.baseUrl}/initiator`, { waitUntil: "load" });
    await connectWallet(page);
    await eventually(
      async () => assert.equal(await myPool().getByTestId("mini-pool-state").textContent(), "Active"),
      15_000,
    );
    await myPool().getByRole("button", { name: "Request exit" }).click();
    await myPool().getByRole("button", { name: "Confirm: exit this validator" }).click();
    await myPool().getByText("Exit requested: the committee signs").waitFor({ timeout: 30_000 });
    await eventually(
      async () => assert.equal(await myPool().getByTestId("mini-pool-state").textContent(), "Exiting"),
      15_000,
    );
    await myPool().getByTestId("exit-note").waitFor();
    const exits = await publicClient.getContractEvents({
      address: miniPools,
      abi: cohortMiniPoolsAbi,
      eventName: "ExitRequested",
      args: { id: BigInt(id) },
      fromBlock: 0n,
    });
    assert.equal(exits.length, 1);
    assert.equal(exits[0].args.by.toLowerCase(), ops[0].owner.toLowerCase());

    // The beacon chain's withdrawal sweep pays the exited balance to the pool (its withdrawal credentials).
    await publicClient.waitForTransactionReceipt({
      hash: await walletClient.sendTransaction({ account: governance, to: pool, value: parseEther("32"), chain: null }),
    });
    const epoch = await nextEpoch();
    await submitReport(ops.slice(0, 5), {
      epoch,
      miniPoolIds: [BigInt(id), secondId],
      balancesGwei: [0n, 32_000_000_000n],
      withdrawnGwei: [32_000_000_000n, 0n],
      operatorIds: ops.map((o) => BigInt(o.id)),
      participationBps: ops.map(() => 10_000),
    });
    assert.equal(await read(oracle, cohortOracleAbi, "lastEpoch"), epoch);
    // No gain or loss: of the 32 ETH, the pool's 28 go to its buffer and the initiator's 4 wait for its claim.
    const claim = myPool().getByRole("button", { name: "Claim 4 ETH back" });
    await claim.waitFor({ timeout: 15_000 });
    assert.equal(await myPool().getByTestId("mini-pool-state").textContent(), "Exited");
    assert.equal(await myPool().getByTestId("bond-status").textContent(), "4 ETH to claim back");
    const before = await publicClient.getBalance({ address: ops[0].owner });
    await claim.click();
    await myPool()
      .getByText("Claimed: the ETH is in your wallet.")
      .waitFor({ timeout: 30_000 })
      .catch(async (e) => {
        await screenshot(page, "initiator-claim-failed");
        throw e;
      });
    const gained = (await publicClient.getBalance({ address: ops[0].owner })) - before;
    assert.ok(gained > parseEther("3.99") && gained <= parseEther("4"), `gained ${gained} wei`);
    await eventually(
      async () => assert.equal(await myPool().getByTestId("bond-status").textContent(), "bond returned"),
      15_000,
    );
    assert.equal(await myPool().getByRole("button", { name: /Claim/ }).count(), 0);
    await screenshot(page, "initiator-bond-claimed");
  });

  it("made no foreign request and logged no errors", () => {
    const { problems } = session;
    assert.deepEqual([...new Set(problems.foreignRequests)], []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.failedRequests, []);
  });
});
