// Node status on the My validators page against real operator-node API servers (operator-node's startApi with a
// StatusBook fed NodeEvents, as the node's workflow feeds it) on the ports e2e/run.mjs baked into the bundle as
// `nodeApis`: duty rows with the refusal reason, a node that does not serve the validator, a closed port shown as
// unreachable, and a node that goes away while watched.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NodeMetrics } from "../operator-node/dist/src/api/metrics.js";
import { startApi } from "../operator-node/dist/src/api/server.js";
import { StatusBook } from "../operator-node/dist/src/api/status.js";
import { registerValidator, registryAddress } from "./fixtures.mjs";
import { connectWallet, env, eventually, launchBrowser, openPage, screenshot, skipUnlessReady } from "./harness.mjs";
import { DEFAULT_ACCOUNT, installWallet } from "./wallet.mjs";

const registry = registryAddress();
const nodeApis = env.deployment?.nodeApis;
const skip = skipUnlessReady(
  !registry
    ? "no Cohort deployment on the test chain"
    : !nodeApis
      ? "the deployment has no nodeApis (e2e/run.mjs reserves them for the devnet's operators)"
      : false,
);
const TOKEN = 10n ** 18n;
// Anvil account 8: no other browser test registers validators from it, so the page lists exactly ours.
const owner = env.deployment?.accounts?.[8] ?? DEFAULT_ACCOUNT;
const portOf = (id) => Number(new URL(nodeApis[id]).port);
const bare = (key) => key.slice(2);
const OTHER_VALIDATOR = "ab".repeat(48);

describe("node status on the validator page", { skip }, () => {
  let browser;
  let session;
  let validator;
  let ops;
  const servers = [];

  /** A real node API for operator `id` whose StatusBook has seen `events` and serves `validators`. */
  async function serveNode(id, validators, events) {
    const book = new StatusBook(String(id), () => validators);
    for (const e of events) book.record(e);
    const api = await startApi(new NodeMetrics(() => 3), book, { port: portOf(id) });
    servers.push(api);
    return api;
  }

  before(async () => {
    // The devnet's first four operators: a committee has 4, 7, 10 or 13 members and the devnet has six operators.
    ops = env.deployment.operators.slice(0, 4);
    validator = await registerValidator(registry, {
      owner,
      operators: ops.map((o) => ({ id: o.id, encryptionKey: o.encryptionPublicKey })),
      amount: 2n * TOKEN,
    });
    const key = bare(validator.publicKey);
    // Operator 1: signed slot 72 (and another validator's duty in the same slot), refused slot 80, and slot 88 only
    // for the other validator, which must not appear.
    await serveNode(
      ops[0].id,
      [key, OTHER_VALIDATOR],
      [
        { type: "duty", slot: 72 },
        { type: "decided", slot: 72 },
        { type: "signed", slot: 72, validator: key, targetEpoch: 9, signingRoot: "00".repeat(32) },
        { type: "signed", slot: 72, validator: OTHER_VALIDATOR, targetEpoch: 9, signingRoot: "11".repeat(32) },
        { type: "submitted", slot: 72, validatorIndex: 4, dataRoot: "22".repeat(32) },
        { type: "decided", slot: 80 },
        { type: "refused", slot: 80, validator: key, reason: "SURROUNDING_VOTE" },
        { type: "decided", slot: 88 },
        { type: "signed", slot: 88, validator: OTHER_VALIDATOR, targetEpoch: 11, signingRoot: "33".repeat(32) },
      ],
    );
    // Operator 2: up, but has not picked the validator up from the chain.
    await serveNode(ops[1].id, [], []);
    // Operator 3: nothing listens on its port.
    // Operator 4: up with one signed slot; closed later to see the page notice.
    await serveNode(
      ops[3].id,
      [key],
      [
        { type: "decided", slot: 96 },
        { type: "signed", slot: 96, validator: key, targetEpoch: 12, signingRoot: "44".repeat(32) },
      ],
    );

    browser = await launchBrowser();
    session = await openPage(browser, { wallet: false });
    await installWallet(session.context, { rpcUrl: env.rpcUrl, account: owner });
    await session.page.goto(`${env.baseUrl}/validators`, { waitUntil: "load" });
    await session.page.getByRole("heading", { level: 1, name: "My validators" }).waitFor({ timeout: 15_000 });
    await connectWallet(session.page);
  });
  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  const item = () => session.page.locator(`[data-testid="validator"][data-pubkey="${validator.publicKey}"]`);
  let failedBefore = 0;
  const failedAttempts = () => session.problems.failedRequests.filter((r) => r.includes(nodeApis[ops[2].id])).length;
  const node = (id) => item().locator(`[data-testid="node-status"][data-operator-id="${id}"]`);

  it("opens the node status of each committee member from the validator", async () => {
    await item().waitFor({ timeout: 20_000 });
    await item().getByRole("button", { name: "Node status" }).click();
    for (const op of ops) await node(op.id).waitFor();
    assert.equal(await item().locator('[data-testid="node-status"]').count(), 4);
  });

  it("shows a reachable node's duties for this validator, with the refusal reason, newest first", async () => {
    const n = node(ops[0].id);
    await eventually(
      async () => assert.equal(await n.getByTestId("node-reachability").textContent(), "Reachable"),
      15_000,
    );
    assert.equal(await n.getByTestId("node-knows").textContent(), "Serves this validator");
    const rows = n.getByTestId("duty-row");
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.dataset.slot)), ["80", "72"]);
    const cells = async (i) => (await rows.nth(i).locator("td").allTextContents()).map((t) => t.trim());
    assert.deepEqual(await cells(0), [
      "80",
      "decided",
      "refused by slashing protection: surrounding vote (SURROUNDING_VOTE)",
    ]);
    assert.deepEqual(await cells(1), ["72", "decided", "signed"]);
    await screenshot(session.page, "validator-node-status");
  });

  it("says when a reachable node does not list the validator", async () => {
    const n = node(ops[1].id);
    await eventually(
      async () => assert.equal(await n.getByTestId("node-reachability").textContent(), "Reachable"),
      15_000,
    );
    assert.equal(await n.getByTestId("node-knows").textContent(), "Does not list this validator");
    assert.match(await n.getByTestId("no-duties").textContent(), /No duties for this validator/);
  });

  it("shows a closed endpoint as unreachable, with what to check", async () => {
    const n = node(ops[2].id);
    await eventually(
      async () => assert.equal(await n.getByTestId("node-reachability").textContent(), "Unreachable"),
      15_000,
    );
    assert.match(await n.getByTestId("node-error").textContent(), new RegExp(`No answer from ${nodeApis[ops[2].id]}`));
    assert.equal(await n.getByTestId("duty-row").count(), 0);
    // From here, record every label the pill shows: later polls of the dead port must not flicker back to "Checking…".
    await n.getByTestId("node-reachability").evaluate((pill) => {
      window.__deadNodeLabels = [];
      new MutationObserver(() => window.__deadNodeLabels.push(pill.textContent)).observe(pill, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    failedBefore = failedAttempts();
  });

  it("turns a node that goes away into unreachable while keeping what it last reported", async () => {
    const n = node(ops[3].id);
    await eventually(async () => assert.equal(await n.getByTestId("duty-row").count(), 1), 15_000);
    await servers.pop().close();
    // The next poll (every ~6 s) fails, then one retry.
    await eventually(
      async () => assert.equal(await n.getByTestId("node-reachability").textContent(), "Unreachable"),
      20_000,
    );
    assert.match(await n.getByTestId("node-error").textContent(), /Showing what it last reported/);
    assert.equal(await n.getByTestId("duty-row").count(), 1);
    await screenshot(session.page, "validator-node-status-unreachable");
  });

  it("keeps a dead node steadily unreachable across polls", async () => {
    await eventually(
      async () => assert.ok(failedAttempts() > failedBefore, "the page polled the dead port again"),
      15_000,
    );
    const labels = await session.page.evaluate(() => window.__deadNodeLabels);
    assert.deepEqual(
      labels.filter((l) => l !== "Unreachable"),
      [],
    );
    assert.equal(await node(ops[2].id).getByTestId("node-reachability").textContent(), "Unreachable");
  });

  it("only contacted the chain and the node APIs, and logged nothing but the closed ports", () => {
    const { problems } = session;
    const nodeOrigins = Object.values(nodeApis).map((u) => new URL(u).origin);
    assert.deepEqual(
      [...new Set(problems.foreignRequests)].filter((u) => !nodeOrigins.includes(new URL(u).origin)),
      [],
    );
    const closed = [nodeApis[ops[2].id], nodeApis[ops[3].id]];
    assert.deepEqual(
      problems.failedRequests.filter((r) => !closed.some((u) => r.includes(u))),
      [],
    );
    // Chromium logs each refused connection as a console error; anything else is a bug.
    assert.deepEqual(
      problems.console.filter((m) => !m.includes("ERR_CONNECTION_REFUSED")),
      [],
    );
  });
});
