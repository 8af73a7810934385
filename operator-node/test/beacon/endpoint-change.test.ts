/**
 * An operator moves its node: it publishes a new endpoint on-chain (setOperatorEndpoints) and restarts its node on
 * that port. Its peers learn the address from their chain sync alone (no config change, no restart) and redial; the
 * committees it sits in keep attesting. On npm start's own six-operator devnet, with real processes.
 */
import { mkdtempSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cohortRegistryAbi } from "@cohort/sdk";
import { createPublicClient, createWalletClient, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../../scripts/devnet/cluster.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const MOVER = 5; // in committees {3,4,5,6} and {1,2,5,6}
let cluster: Cluster;
let base: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "cohort-endpoint-"));
  base = 22_000 + Math.floor(Math.random() * 20_000);
  cluster = await startCluster({ dir, rpcPort: 0, beaconPort: 0, p2pBasePort: base, apiBasePort: base + 40 });
  await cluster.waitHealthy(180_000);
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

async function peersConnected(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const m = /^cohort_peers_connected (\d+)/m.exec(text);
  return m ? Number(m[1]) : -1;
}

async function waitFor(what: string, cond: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe("an operator publishes a new endpoint on-chain", () => {
  it("its peers learn it from the chain and redial without a restart", async () => {
    const node = (id: number) => cluster.nodes.find((n) => n.operatorId === id)!;
    const peer = node(6);
    // Operator 6 shares committees with 1, 2, 3, 4 and 5.
    await waitFor("operator 6 connected to its five peers", async () => (await peersConnected(peer.apiUrl)) === 5);
    const peerPid = (await readFile(peer.pidFile, "utf8")).trim();

    const newPort = base + 80;
    const owner = mnemonicToAccount(MNEMONIC, { addressIndex: MOVER });
    const transport = http(cluster.devnet.rpcUrl);
    const wallet = createWalletClient({ account: owner, transport });
    const hash = await wallet.writeContract({
      chain: null,
      address: cluster.deployment.registry,
      abi: cohortRegistryAbi,
      functionName: "setOperatorEndpoints",
      args: [BigInt(MOVER), [`/ip4/127.0.0.1/tcp/${newPort}`]],
    });
    const receipt = await createPublicClient({ transport }).waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");

    // The operator restarts its node on the new port (its config is the operator's own business).
    const mover = node(MOVER);
    await mover.stop();
    const configFile = join(mover.dir, "config.json");
    const config = JSON.parse(await readFile(configFile, "utf8")) as { p2p: { port: number } };
    config.p2p.port = newPort;
    await writeFile(configFile, JSON.stringify(config, null, 2));
    mover.start();

    // Operator 6 read the new address from the chain and says so, then is connected to all five again.
    await waitFor("operator 6 to log the move", async () =>
      (await peer.lastLogLines(400)).some((l) => l.includes("node moved") && l.includes(`/tcp/${newPort}`)),
    );
    await waitFor("operator 6 reconnected to operator 5", async () => (await peersConnected(peer.apiUrl)) === 5);
    // The mover itself dials the others too; the test proves operator 6 redials by making the mover reachable
    // only at its new port, and by operator 6's log above. Nothing of operator 6 was restarted.
    expect((await readFile(peer.pidFile, "utf8")).trim()).toBe(peerPid);
    expect(peer.running()).toBe(true);
  }, 400_000);
});
