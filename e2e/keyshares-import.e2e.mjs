// Stake page, keyshares import: a file made by the real CLI (`cohort-keys split`) is dropped on the page, checked against
// the chain, and registered in bulkRegisterValidators batches sized to the block gas limit, with "batch i of n"
// progress; a batch rejected in the wallet is resumed without registering anything twice. The chain's block gas limit
// is lowered (anvil_setBlockGasLimit) so that two validators fit a batch and three do not, measured on this chain.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { combinePartialSignatures, createKeystore, openShare, partialSign, sign, verify } from "@cohort/sdk";
import { cohortRegistryAbi, cohortTokenAbi } from "@cohort/sdk/abi/index";
import { hexToBytes, maxUint256, parseEventLogs, toFunctionSelector, zeroAddress } from "viem";
import { blsSecret, clients, registryAddress, unlockedAccounts } from "./fixtures.mjs";
import { connectWallet, env, eventually, launchBrowser, openPage, screenshot, skipUnlessReady } from "./harness.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const CLI = join(ROOT, "sdk/bin/cohort-keys.js");
const PASSWORD = "keyshares import password";
const COUNT = 5;
const HEADROOM_BLOCKS = 100n; // src/validators/topUp.ts: what each batch pays for, as the page does
const BULK_SELECTOR = toFunctionSelector("bulkRegisterValidators(bytes[],uint64[],bytes[],uint256,uint256)");

const skip = skipUnlessReady(
  env.deployment?.operators?.length >= 4 && process.env.E2E_DEVNET_DIR
    ? false
    : "no devnet with demo operators and fee tokens",
);

const rpc = (method, params = []) => clients().publicClient.request({ method, params });
const read = (functionName, args = [], address = registryAddress(), abi = cohortRegistryAbi) =>
  clients().publicClient.readContract({ address, abi, functionName, args });

/** Drop one file on the zone the way a browser does. */
async function drop(page, name, text) {
  const dt = await page.evaluateHandle(
    ({ name, text }) => {
      const d = new DataTransfer();
      d.items.add(new File([text], name, { type: "application/json" }));
      return d;
    },
    { name, text },
  );
  const zone = page.getByTestId("dropzone");
  await zone.dispatchEvent("dragover", { dataTransfer: dt });
  await zone.dispatchEvent("drop", { dataTransfer: dt });
}

describe("stake: keyshares file from cohort-keys", { skip }, () => {
  let browser;
  let session;
  let dir;
  let owner;
  let operators;
  let secrets;
  let fileText;
  let keyshares;
  let originalGasLimit;
  let blockGasLimit;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "cohort-e2e-keyshares-"));
    [owner] = await unlockedAccounts();
    const registry = registryAddress();
    // Four active public operators as the chain has them now (other files may have changed some).
    operators = [];
    for (const op of env.deployment.operators) {
      const onChain = await read("getOperator", [BigInt(op.id)]);
      if (onChain.active && !onChain.privateMode) operators.push({ id: op.id, encryptionKey: onChain.encryptionKey });
      if (operators.length === 4) break;
    }
    assert.equal(operators.length, 4, "four active public demo operators");

    // pbkdf2 keystores: the CLI's KDF speed is not what this file tests.
    secrets = [];
    const keystoreArgs = [];
    for (let i = 0; i < COUNT; i++) {
      const secret = blsSecret();
      secrets.push(secret);
      const ks = await createKeystore(secret, PASSWORD, { kdf: "pbkdf2", path: `m/12381/3600/${i}/0/0` });
      const file = join(dir, `keystore-m_12381_3600_${i}_0_0.json`);
      writeFileSync(file, JSON.stringify(ks));
      keystoreArgs.push("--keystore", file);
    }
    writeFileSync(join(dir, "password.txt"), `${PASSWORD}\n`);
    const nonce = await read("nonces", [owner]);
    const chainId = await clients().publicClient.getChainId();
    const out = join(dir, "keyshares.json");
    const cli = spawnSync(
      process.execPath,
      [
        CLI,
        "split",
        ...keystoreArgs,
        "--password-file",
        join(dir, "password.txt"),
        ...operators.flatMap((o) => ["--operator", `${o.id}:${o.encryptionKey}`]),
        "--owner",
        owner,
        "--nonce",
        String(nonce),
        "--chain-id",
        String(chainId),
        "--registry",
        registry,
        "--out",
        out,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(cli.status, 0, `cohort-keys split failed: ${cli.stderr}`);
    fileText = readFileSync(out, "utf8");
    keyshares = JSON.parse(fileText).validators;
    assert.equal(keyshares.length, COUNT);

    // The gas of a 2- and a 3-validator batch on this chain, measured with the owner's real keyshares and then undone.
    const ids = operators.map((o) => BigInt(o.id));
    const snapshot = await rpc("evm_snapshot");
    let gas2;
    let gas3;
    try {
      const { walletClient, publicClient } = clients();
      const token = await read("token");
      const hash = await walletClient.writeContract({
        address: token,
        abi: cohortTokenAbi,
        functionName: "approve",
        args: [registry, maxUint256],
        account: owner,
        chain: null,
      });
      await publicClient.waitForTransactionReceipt({ hash });
      const estimate = async (k) =>
        publicClient.estimateContractGas({
          address: registry,
          abi: cohortRegistryAbi,
          functionName: "bulkRegisterValidators",
          args: [
            keyshares.slice(0, k).map((v) => v.publicKey),
            ids,
            keyshares.slice(0, k).map((v) => v.payload),
            nonce,
            await read("topUpNeeded", [owner, ids, BigInt(k), HEADROOM_BLOCKS]),
          ],
          account: owner,
        });
      gas2 = await estimate(2);
      gas3 = await estimate(3);
    } finally {
      assert.equal(await rpc("evm_revert", [snapshot]), true);
    }
    // The page lets a batch send estimate × 5/4 (useTx) into half a block: put the limit between 2 and 3 validators,
    // nearer 2, since batches after the first cost a little less (the committee's storage exists by then).
    const cap = gas2 + (gas3 - gas2) / 4n;
    blockGasLimit = ((cap * 5n) / 4n) * 2n;
    console.log(`bulk registration gas: 2 validators ${gas2}, 3 validators ${gas3}; block gas limit ${blockGasLimit}`);
    originalGasLimit = (await clients().publicClient.getBlock()).gasLimit;
    await rpc("anvil_setBlockGasLimit", [`0x${blockGasLimit.toString(16)}`]);
    await rpc("evm_mine");
    assert.equal((await clients().publicClient.getBlock()).gasLimit, blockGasLimit);

    browser = await launchBrowser();
    session = await openPage(browser);
  });

  after(async () => {
    await browser?.close();
    if (originalGasLimit) {
      await rpc("anvil_setBlockGasLimit", [`0x${originalGasLimit.toString(16)}`]);
      await rpc("evm_mine");
    }
    for (const s of secrets ?? []) s.fill(0);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a tampered file (a share sealed to another key), naming the operator and what to run", async () => {
    const { page } = session;
    await page.goto(`${env.baseUrl}/stake`, { waitUntil: "load" });
    await connectWallet(page);
    const tampered = JSON.parse(fileText);
    tampered.validators[2].encryptedShares[1].encryptionKey = `0x${randomBytes(32).toString("hex")}`;
    await drop(page, "tampered-keyshares.json", JSON.stringify(tampered));
    const checks = page.getByTestId("keyshares-checks");
    await eventually(
      async () =>
        assert.match(
          await checks.textContent(),
          new RegExp(
            `✗Shares for operator ${operators[1].id} were encrypted to 0x.*registered encryption key is .*its node could not open them\\. run \`cohort-keys split\` again`,
          ),
        ),
      15_000,
    );
    assert.equal(await page.getByRole("button", { name: /^Register \d+ validators?$/ }).isDisabled(), true);
    await screenshot(page, "keyshares-tampered");
  });

  it("shows the CLI's file: every validator, its committee and the checks against the chain", async () => {
    const { page } = session;
    await drop(page, "keyshares.json", fileText);
    const rows = page.getByTestId("keyshares-row");
    await eventually(async () => assert.equal(await rows.count(), COUNT), 10_000);
    await eventually(
      async () =>
        assert.equal(await page.locator('[data-testid="keyshares-row"][data-state="pending"]').count(), COUNT),
      30_000,
    );
    for (const [i, v] of keyshares.entries()) {
      const text = await rows.nth(i).textContent();
      assert.match(text, new RegExp(v.publicKey.slice(0, 10)));
      assert.match(text, new RegExp(`operators ${operators.map((o) => o.id).join(", ")} · nonce ${v.nonce}`));
      assert.match(text, /Verified; ready to register/);
    }
    const checks = await page.getByTestId("keyshares-checks").textContent();
    assert.match(checks, new RegExp(`${COUNT} of ${COUNT} payloads verified in this browser`));
    assert.match(checks, new RegExp(`Operators ${operators.map((o) => o.id).join(", ")} are registered and active`));
    assert.match(checks, /Every share is encrypted to its operator's encryption key as the registry holds it/);
    await page.getByRole("button", { name: `Register ${COUNT} validators` }).waitFor();
    await screenshot(page, "keyshares-checked");
  });

  it("registers in gas-sized batches with progress; a rejected batch resumes without registering twice", async () => {
    const { page } = session;
    // The wallet rejects the second registration, as a user pressing "Reject" would; progress texts are recorded.
    await page.evaluate((selector) => {
      const eth = window.ethereum;
      const forward = eth.request.bind(eth);
      let registrations = 0;
      eth.request = async (args) => {
        if (args.method === "eth_sendTransaction" && args.params?.[0]?.data?.startsWith(selector)) {
          registrations++;
          if (registrations === 2) throw Object.assign(new Error("User rejected the request."), { code: 4001 });
        }
        return forward(args);
      };
      window.__progress = new Set();
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="batch-progress"]');
        if (el) window.__progress.add(el.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    }, BULK_SELECTOR);

    await page.getByRole("button", { name: `Register ${COUNT} validators` }).click();
    const stopped = page.getByTestId("batch-stopped");
    await stopped.waitFor({ timeout: 120_000 });
    assert.match(await stopped.textContent(), new RegExp(`^2 of ${COUNT} validators are on-chain`));
    assert.match(await page.getByTestId("tx-error").textContent(), /You rejected the request in your wallet/);
    await screenshot(page, "keyshares-batch-rejected");
    const ownerOf = async (v) => (await read("getValidator", [v.publicKey])).owner.toLowerCase();
    assert.deepEqual(
      await Promise.all(keyshares.map(ownerOf)),
      [owner, owner, zeroAddress, zeroAddress, zeroAddress].map((a) => a.toLowerCase()),
      "the first batch (2 validators) is on-chain, the rejected one is not",
    );
    await eventually(
      async () => assert.equal(await page.locator('[data-testid="keyshares-row"][data-state="registered"]').count(), 2),
      10_000,
    );

    await page.getByRole("button", { name: "Resume" }).click();
    const done = page.getByTestId("keyshares-done");
    await done.waitFor({ timeout: 120_000 });
    assert.match(await done.textContent(), /^3 validators registered in \d transactions?; 2 were on-chain already\./);
    await screenshot(page, "keyshares-registered");

    const progress = await page.evaluate(() => [...window.__progress]);
    assert.ok(
      progress.some((t) => t.startsWith("Batch 1 of 3: 2 validators")),
      `progress shows the first of three gas-sized batches: ${JSON.stringify(progress)}`,
    );
    assert.ok(progress.some((t) => /validators on-chain$/.test(t) && t.includes(`2 of ${COUNT}`)));

    // On-chain: every validator registered once to the connected account, in transactions that each fit half a block.
    for (const v of keyshares) assert.equal(await ownerOf(v), owner.toLowerCase());
    const { publicClient } = clients();
    const logs = await publicClient.getContractEvents({
      address: registryAddress(),
      abi: cohortRegistryAbi,
      eventName: "ValidatorAdded",
      fromBlock: 0n,
    });
    const events = parseEventLogs({ abi: cohortRegistryAbi, logs, eventName: "ValidatorAdded" }).filter((e) =>
      keyshares.some((v) => v.publicKey === e.args.publicKey.toLowerCase()),
    );
    assert.equal(events.length, COUNT, "each validator was added exactly once");
    const perTx = new Map();
    for (const e of events) perTx.set(e.transactionHash, [...(perTx.get(e.transactionHash) ?? []), e]);
    assert.ok(perTx.size >= 3, `${perTx.size} registration transactions`);
    for (const [hash, added] of perTx) {
      const tx = await publicClient.getTransaction({ hash });
      assert.ok(tx.gas <= blockGasLimit / 2n, `transaction ${hash} asks ${tx.gas} gas, over half the block`);
      assert.ok(added.length <= 2, `transaction ${hash} registered ${added.length} validators`);
    }

    // What the committee's nodes will do with the CLI's shares: open them and sign as the keystore key.
    const chainId = BigInt(await publicClient.getChainId());
    const event = events.find((e) => e.args.publicKey.toLowerCase() === keyshares[4].publicKey);
    const registration = {
      publicKey: hexToBytes(event.args.publicKey),
      owner: event.args.owner,
      nonce: event.args.nonce,
      chainId,
      registry: registryAddress(),
      operatorIds: [...event.args.operatorIds],
      payload: hexToBytes(event.args.payload),
    };
    const message = randomBytes(32);
    const partials = [];
    for (const id of registration.operatorIds) {
      const keyFile = JSON.parse(
        readFileSync(join(process.env.E2E_DEVNET_DIR, "operators", `operator-${id}.json`), "utf8"),
      );
      const share = await openShare(registration, id, hexToBytes(keyFile.encryptionSecretKey));
      partials.push({ index: share.index, signature: await partialSign(share.secret, message) });
    }
    const combined = await combinePartialSignatures(partials.slice(1), 3);
    assert.deepEqual(combined, await sign(secrets[4], message));
    assert.ok(await verify(registration.publicKey, message, combined));
  });

  it("dropping the file again shows every validator on-chain and offers nothing to send", async () => {
    const { page, problems } = session;
    await drop(page, "keyshares-again.json", fileText);
    await eventually(
      async () =>
        assert.equal(await page.locator('[data-testid="keyshares-row"][data-state="registered"]').count(), COUNT),
      20_000,
    );
    const button = page.getByRole("button", { name: "All validators in this file are registered" });
    assert.equal(await button.isDisabled(), true);
    assert.deepEqual([...new Set(problems.foreignRequests)], []);
    assert.deepEqual(problems.failedRequests, []);
    assert.deepEqual(problems.console, []);
  });
});
