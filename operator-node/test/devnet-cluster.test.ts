import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../scripts/devnet/cluster.js";
import type { NodeStatus } from "../src/api/status.js";

// What `npm start` runs, as processes: anvil + contracts, a real Lodestar dev chain (validators 0..3 inside
// Lodestar), genesis validators 4..7 registered through the split path to operators 1..4, and four
// `cohort-node start` processes that learn their committee, shares and peers from the registry alone.
// Lodestar's own validators are half the stake, so the chain finalizes only if our distributed validators attest.

let cluster: Cluster;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cohort-cluster-"));
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  cluster = await startCluster({ dir, rpcPort: 0, beaconPort: 0, p2pBasePort: base, apiBasePort: base + 500 });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

async function status(apiUrl: string): Promise<NodeStatus | undefined> {
  try {
    const res = await fetch(`${apiUrl}/status`);
    return res.ok ? ((await res.json()) as NodeStatus) : undefined;
  } catch {
    return undefined;
  }
}

async function finalizedEpoch(): Promise<number> {
  const res = await fetch(`${cluster.beacon.url}/eth/v1/beacon/states/head/finality_checkpoints`);
  const body = (await res.json()) as { data: { finalized: { epoch: string } } };
  return Number(body.data.finalized.epoch);
}

async function headSlot(): Promise<number> {
  const res = await fetch(`${cluster.beacon.url}/eth/v1/beacon/headers/head`);
  return Number(((await res.json()) as { data: { header: { message: { slot: string } } } }).data.header.message.slot);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Validator indices whose attestations a node reports submitted at slots ≥ `from`. */
async function submittedSince(apiUrl: string, from: number): Promise<Set<number>> {
  const s = await status(apiUrl);
  return new Set((s?.recentDuties ?? []).filter((d) => d.slot >= from).flatMap((d) => d.submittedIndices));
}

describe("the devnet cluster (npm start's system)", () => {
  it("nodes learn their committee and the four validators from the registry, attest, and the chain finalizes", async () => {
    const deployment = JSON.parse(await readFile(join(dir, "deployment.json"), "utf8"));
    expect(Object.keys(deployment.nodeApis)).toEqual(["1", "2", "3", "4"]);
    const expected = [...cluster.validatorPublicKeys].sort();
    for (const node of cluster.nodes) {
      const s = await until(`node ${node.operatorId}'s status`, () => status(node.apiUrl), 60_000);
      expect([...s.validators].sort()).toEqual(expected);
    }
    const start = await headSlot();
    await until(
      "attestations of validators 4..7 submitted",
      async () => {
        const seen = new Set<number>();
        for (const n of cluster.nodes) for (const i of await submittedSince(n.apiUrl, start)) seen.add(i);
        return [4, 5, 6, 7].every((i) => seen.has(i)) ? true : undefined;
      },
      90_000,
    );
    // Finality needs > 2/3 of the stake: Lodestar's four validators alone are half of it.
    const finalized = await until(
      "finality with the distributed validators",
      async () => {
        const e = await finalizedEpoch();
        return e >= 2 ? e : undefined;
      },
      150_000,
    );
    expect(finalized).toBeGreaterThanOrEqual(2);
  }, 400_000);

  it("with one node killed (SIGKILL), the other three still get every validator's attestation included", async () => {
    const victim = cluster.nodes[3]!;
    await victim.kill();
    const from = (await headSlot()) + 2;
    const before = await finalizedEpoch();
    await until(
      "attestations of validators 4..7 from the three remaining nodes",
      async () => {
        const seen = new Set<number>();
        for (const n of cluster.nodes.slice(0, 3)) for (const i of await submittedSince(n.apiUrl, from)) seen.add(i);
        return [4, 5, 6, 7].every((i) => seen.has(i)) ? true : undefined;
      },
      60_000,
    );
    // And they count: finality keeps advancing without the fourth node.
    await until(
      "finality to advance with one node down",
      async () => ((await finalizedEpoch()) > before ? true : undefined),
      150_000,
    );
    expect(await status(victim.apiUrl)).toBeUndefined();
  }, 300_000);
});
