// My validators page against validators this test registers through the sdk + viem (the Stake page's registration is
// not built yet): committee, balance and runway as the chain has them; top-up (approve + deposit); liquidation shown
// and reactivated; fee recipient set and reset; exit request; key-share restoration to a new operator from a
// re-dropped keystore; removal.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createKeystore, openShare, verifyRegistration } from "@cohort/sdk";
import { cohortRegistryAbi, cohortTokenAbi } from "@cohort/sdk/abi/index";
import { encodePacked, hexToBytes, keccak256, parseUnits } from "viem";
import {
  blsSecret,
  clients,
  registerOperator,
  registerValidator as registerValidatorAs,
  registryAddress,
  send,
  unlockedAccounts,
} from "./fixtures.mjs";
import { connectWallet, env, eventually, launchBrowser, openPage, screenshot, skipUnlessReady } from "./harness.mjs";
import { DEFAULT_ACCOUNT, installWallet } from "./wallet.mjs";

const registry = registryAddress();
const skip = skipUnlessReady(
  registry ? false : "no Cohort deployment on the test chain (contracts not built / no devnet)",
);
const tag = Date.now().toString(36).slice(-4);
const TOKEN = 10n ** 18n;
const PASSWORD = "correct horse battery staple";
// Anvil account 7, not the wallet's default account 0: other browser tests (Stake) register validators from account 0
// on the same devnet, and this file asserts exact balances and committee contents.
const owner = env.deployment?.accounts?.[7] ?? DEFAULT_ACCOUNT;

const read = (functionName, args = [], address = registry, abi = cohortRegistryAbi) =>
  clients().publicClient.readContract({ address, abi, functionName, args });

/** Registers a validator for `owner` into `operators` with `amount` fee tokens, exactly as the Stake page will. */
const registerValidator = (secretKey, operators, amount) =>
  registerValidatorAs(registry, { owner, operators, amount, secretKey });

const committeeId = (ids) => keccak256(encodePacked(["address", "uint64[]"], [owner, ids]));

describe("my validators", { skip }, () => {
  let browser;
  let session;
  let dir;
  let keystorePath;
  let validatorA;
  let validatorB;
  let extra;
  // The devnet's first four operators: a committee has 4, 7, 10 or 13 members and the devnet has six operators.
  const committeeOps = () => env.deployment.operators.slice(0, 4);
  const devnetOps = () => committeeOps().map((o) => ({ id: o.id, encryptionKey: o.encryptionPublicKey }));

  before(async () => {
    const accounts = await unlockedAccounts();
    // A fifth operator, so a committee member can be replaced.
    extra = await registerOperator(registry, { owner: accounts[5], name: `E2E Spare ${tag}`, fee: 1_000_000_000n });
    const skA = blsSecret();
    validatorA = await registerValidator(skA, devnetOps(), 2n * TOKEN);
    // Validator B's committee gets exactly the minimum, so one block later it is below the threshold.
    const [op1, op2, op3] = devnetOps();
    validatorB = await registerValidator(
      blsSecret(),
      [op1, op2, op3, { id: Number(extra.id), encryptionKey: extra.encryptionKey }],
      TOKEN,
    );
    dir = mkdtempSync(join(tmpdir(), "cohort-e2e-"));
    keystorePath = join(dir, `keystore-m_12381_3600_0_0_0-${tag}.json`);
    // pbkdf2 with a low count keeps the test fast; the page treats it like any EIP-2335 keystore.
    writeFileSync(
      keystorePath,
      JSON.stringify(await createKeystore(skA, PASSWORD, { kdf: "pbkdf2", kdfParams: { c: 1024 } })),
    );
    skA.fill(0);
    browser = await launchBrowser();
    session = await openPage(browser, { wallet: false });
    await installWallet(session.context, { rpcUrl: env.rpcUrl, account: owner });
    const { page } = session;
    await page.goto(`${env.baseUrl}/validators`, { waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: "My validators" }).waitFor({ timeout: 15_000 });
    await connectWallet(page);
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const committeeCard = (ids) =>
    session.page.locator(`[data-testid="committee"][data-operator-ids="${ids.join(",")}"]`);

  it("lists the validator with its committee's operator names, balance, fees and runway", async () => {
    const { page } = session;
    const card = committeeCard(validatorA.ids);
    await card.waitFor({ timeout: 20_000 });
    for (const op of committeeOps()) await card.getByRole("link", { name: op.name }).waitFor();
    await card.locator(`[data-pubkey="${validatorA.publicKey}"]`).waitFor();
    assert.equal((await card.getByTestId("committee-balance").textContent()).trim(), "2 COHORT");
    // (1 + 1.5 + 2 + 2.5 operator gwei + 1 network gwei) × 1 validator = 8 gwei a block; × 2,629,800 blocks a year
    assert.match(
      await card.getByTestId("committee-burn").textContent(),
      /^0\.000000008 COHORT \/ block · 0\.02104 COHORT \/ year$/,
    );
    // Runway = floor(balance / burn) / blocks-per-day, with the blocks per day the page states.
    const text = await card.textContent();
    const perDay = Number(/at ([\d,]+) blocks a day/.exec(text)[1].replaceAll(",", ""));
    const balance = await read("committeeBalance", [owner, validatorA.ids]);
    const expected = Number(balance / 8_000_000_000n) / perDay;
    const shown = Number((await card.getByTestId("committee-runway").textContent()).replace(/[^\d.]/g, ""));
    assert.ok(Math.abs(shown - expected) <= Math.max(1, expected * 0.001), `runway ${shown} vs ${expected} days`);
    await screenshot(page, "validators");
  });

  it("tops up: approve + deposit raises the balance and the runway", async () => {
    const card = committeeCard(validatorA.ids);
    const runwayBefore = Number((await card.getByTestId("committee-runway").textContent()).replace(/[^\d.]/g, ""));
    const before = await read("committeeBalance", [owner, validatorA.ids]);
    await card.getByLabel(/Top up amount/).fill("3");
    await card.getByRole("button", { name: "Top up" }).click();
    await card.getByText("Deposited.").waitFor({ timeout: 40_000 });
    await eventually(
      async () => assert.equal((await card.getByTestId("committee-balance").textContent()).trim(), "5 COHORT"),
      15_000,
    );
    const afterBalance = await read("committeeBalance", [owner, validatorA.ids]);
    assert.ok(
      afterBalance - before > 3n * TOKEN - 10n ** 12n && afterBalance - before <= 3n * TOKEN,
      "3 COHORT arrived",
    );
    const runwayAfter = Number((await card.getByTestId("committee-runway").textContent()).replace(/[^\d.]/g, ""));
    assert.ok(runwayAfter > runwayBefore * 2.4, `runway grew from ${runwayBefore} to ${runwayAfter}`);
    await screenshot(session.page, "validators-topped-up");
  });

  it("sets the validator's fee recipient, refuses a bad address in the form, and resets it to the owner", async () => {
    const card = committeeCard(validatorA.ids);
    const row = card.locator(`[data-pubkey="${validatorA.publicKey}"]`);
    const recipientOnChain = () => read("feeRecipientOf", [validatorA.publicKey]);
    await row.getByRole("button", { name: "Fee recipient" }).click();
    const form = row.getByTestId("fee-recipient");
    await eventually(
      async () => assert.equal(await form.getByTestId("fee-recipient-current").textContent(), owner),
      15_000,
    );
    await form.getByText("(you, the default)").waitFor();
    await form.getByLabel("New fee recipient").fill("0x1234");
    await form.getByText("“0x1234” is not an Ethereum address (0x + 40 hex digits).").waitFor();
    assert.equal(await form.getByRole("button", { name: "Set fee recipient" }).isDisabled(), true);
    const payee = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
    await form.getByLabel("New fee recipient").fill(payee.toLowerCase());
    await form.getByRole("button", { name: "Set fee recipient" }).click();
    await form.getByText("Fee recipient updated.").waitFor({ timeout: 30_000 });
    await eventually(
      async () => assert.equal(await form.getByTestId("fee-recipient-current").textContent(), payee),
      15_000,
    );
    assert.equal(await recipientOnChain(), payee);
    await screenshot(session.page, "validators-fee-recipient");
    await form.getByRole("button", { name: "Pay me" }).click();
    await eventually(async () => {
      assert.equal(await form.getByTestId("fee-recipient-current").textContent(), owner);
      await form.getByText("(you, the default)").waitFor({ timeout: 100 });
    }, 30_000);
    assert.equal(await recipientOnChain(), owner);
  });

  it("shows a liquidated committee and reactivates it", async () => {
    const { page } = session;
    const accounts = await unlockedAccounts();
    assert.equal(await read("isLiquidatable", [owner, validatorB.ids]), true);
    await send({
      address: registry,
      abi: cohortRegistryAbi,
      functionName: "liquidate",
      args: [owner, validatorB.ids],
      account: accounts[6],
    });
    await page.reload({ waitUntil: "load" });
    await connectWallet(page);
    const card = committeeCard(validatorB.ids);
    await card.getByText("Liquidated", { exact: true }).waitFor({ timeout: 20_000 });
    assert.equal((await card.getByTestId("committee-runway").textContent()).trim(), "stopped (liquidated)");
    await screenshot(page, "validators-liquidated");
    // The suggested amount is pre-filled: the registry's topUpNeeded, the required collateral (1 COHORT) plus the
    // dapp's headroom of fees for 100 blocks (well under 0.001 COHORT here).
    const suggested = Number(await card.getByLabel(/Reactivate amount/).inputValue());
    assert.ok(suggested > 1 && suggested < 1.001, `suggested ${suggested}`);
    await card.getByLabel(/Reactivate amount/).fill("1.5");
    await card.getByRole("button", { name: "Reactivate" }).click();
    await card.getByText("Active", { exact: true }).waitFor({ timeout: 40_000 });
    const committee = await read("getCommittee", [owner, validatorB.ids]);
    assert.equal(committee.active, true);
  });

  it("requests an exit after a confirming second click", async () => {
    const card = committeeCard(validatorA.ids);
    const row = card.locator(`[data-pubkey="${validatorA.publicKey}"]`);
    await row.getByRole("button", { name: "Request exit" }).click();
    await row.getByRole("button", { name: "Confirm: ask the committee to exit" }).click();
    await row.getByText("Exit requested").waitFor({ timeout: 30_000 });
    const logs = await clients().publicClient.getContractEvents({
      address: registry,
      abi: cohortRegistryAbi,
      eventName: "ValidatorExitRequested",
      args: { owner },
      fromBlock: 0n,
    });
    assert.ok(logs.some((l) => l.args.publicKey.toLowerCase() === validatorA.publicKey));
  });

  it("changes an operator: re-dropped keystore, wrong password explained, re-split for the new committee", async () => {
    const { page } = session;
    const card = committeeCard(validatorA.ids);
    const row = card.locator(`[data-pubkey="${validatorA.publicKey}"]`);
    await row.getByRole("button", { name: "Change an operator" }).click();
    await row.getByLabel("Replace operator").selectOption("4");
    await row.getByLabel("With operator").selectOption(extra.id.toString());
    await row.locator('input[type="file"]').setInputFiles(keystorePath);
    await row.getByLabel("Keystore password").fill("wrong password");
    await row.getByRole("button", { name: "Re-split and change committee" }).click();
    const error = row.getByTestId("restore-error");
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.textContent(), /keystore-m_.*\.json: wrong password.*check the password and try again/);
    // The dropped file is still there; only the password needs fixing.
    assert.match(await row.getByTestId("keystore-name").textContent(), /keystore-m_12381_3600_0_0_0/);
    await screenshot(page, "validators-change-operator-error");
    await row.getByLabel("Keystore password").fill(PASSWORD);
    await row.getByRole("button", { name: "Re-split and change committee" }).click();
    const newIds = [1n, 2n, 3n, extra.id];
    // It joins validator B's (now active) committee on operators 1, 2, 3 and the spare.
    await committeeCard(newIds).locator(`[data-pubkey="${validatorA.publicKey}"]`).waitFor({ timeout: 60_000 });
    const v = await read("getValidator", [validatorA.publicKey]);
    assert.equal(v.committeeId, committeeId(newIds));
    const [moved] = await clients().publicClient.getContractEvents({
      address: registry,
      abi: cohortRegistryAbi,
      eventName: "ValidatorCommitteeChanged",
      args: { owner },
      fromBlock: 0n,
    });
    assert.deepEqual(moved.args.operatorIds, newIds);
    // The fresh payload verifies as the operators will check it: C₀ = the validator key, share keys against the
    // commitments, and an ownership proof for this owner's nonce at the time of the move.
    const registration = {
      publicKey: hexToBytes(validatorA.publicKey),
      owner,
      nonce: moved.args.nonce,
      chainId: 31337n,
      registry,
      operatorIds: newIds,
      payload: hexToBytes(moved.args.payload),
    };
    const payload = await verifyRegistration(registration);
    assert.equal(payload.encryptedShares.length, 4);
    // And operator 1, with the secret key its devnet node holds, decrypts its new share and proves it.
    const op1 = JSON.parse(readFileSync(env.deployment.operators[0].keyFile, "utf8"));
    const share = await openShare(registration, 1n, hexToBytes(op1.encryptionSecretKey));
    assert.equal(share.index, 1);
    share.secret.fill(0);
    await screenshot(page, "validators-committee-changed");
  });

  it("offers the balance left in the emptied committee for withdrawal, and withdraws it", async () => {
    const card = committeeCard(validatorA.ids);
    await card.getByText("Empty", { exact: true }).waitFor({ timeout: 15_000 });
    const token = await read("token");
    const left = await read("committeeBalance", [owner, validatorA.ids]);
    assert.ok(left > 4n * TOKEN, `about 5 COHORT left (${left})`);
    const before = await read("balanceOf", [owner], token, cohortTokenAbi);
    await card.getByRole("button", { name: "Max" }).click();
    await card.getByRole("button", { name: "Withdraw", exact: true }).click();
    await card.waitFor({ state: "detached", timeout: 30_000 });
    assert.equal(await read("committeeBalance", [owner, validatorA.ids]), 0n);
    assert.equal((await read("balanceOf", [owner], token, cohortTokenAbi)) - before, left);
  });

  it("removes a validator after a confirming second click", async () => {
    const newIds = [1n, 2n, 3n, extra.id];
    const card = committeeCard(newIds);
    const row = card.locator(`[data-pubkey="${validatorB.publicKey}"]`);
    await row.getByRole("button", { name: "Remove" }).click();
    await row.getByRole("button", { name: "Confirm: stop service and remove" }).click();
    await row.waitFor({ state: "detached", timeout: 30_000 });
    assert.equal(
      (await read("getValidator", [validatorB.publicKey])).owner,
      "0x0000000000000000000000000000000000000000",
    );
  });

  it("the committee's operator owner withdraws the earnings these validators paid (Operator account page)", async () => {
    // A second browser context whose wallet is operator 1's owner (anvil account 1).
    const opOwner = env.deployment.operators[0].owner;
    const other = await openPage(browser, { wallet: false });
    await installWallet(other.context, { rpcUrl: env.rpcUrl, account: opOwner });
    const { page } = other;
    await page.goto(`${env.baseUrl}/operator-account`, { waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: "Operator account" }).waitFor({ timeout: 15_000 });
    await connectWallet(page);
    const card = page.locator('[data-testid="my-operator"][data-operator-id="1"]');
    await card.waitFor({ timeout: 15_000 });
    await eventually(
      async () => assert.notEqual((await card.getByTestId("operator-earnings").textContent()).trim(), "0 COHORT"),
      15_000,
    );
    const token = await read("token");
    const before = await read("balanceOf", [opOwner], token, cohortTokenAbi);
    await card.getByRole("button", { name: "Max" }).click();
    const typed = await card.getByLabel(/^Withdraw \(/).inputValue();
    assert.ok(parseUnits(typed, 18) > 0n, `max earnings filled in (${typed})`);
    await card.getByRole("button", { name: "Withdraw", exact: true }).click();
    await card.getByText("Withdrawn to your wallet.").waitFor({ timeout: 30_000 });
    const afterBalance = await read("balanceOf", [opOwner], token, cohortTokenAbi);
    assert.equal(afterBalance - before, parseUnits(typed, 18));
    await screenshot(page, "operator-account-withdrawn");
    assert.deepEqual(other.problems.console, []);
    await other.context.close();
  });

  it("made no foreign request, logged no errors and stored nothing in the browser", async () => {
    const { page, problems } = session;
    assert.deepEqual([...new Set(problems.foreignRequests)], []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.failedRequests, []);
    const stored = await page.evaluate(async () => ({
      keys: Object.keys(localStorage).filter((k) => !k.startsWith("rk-")),
      session: Object.keys(sessionStorage),
      idb: (await indexedDB.databases()).map((d) => d.name),
    }));
    assert.deepEqual(stored, { keys: [], session: [], idb: [] });
  });
});
