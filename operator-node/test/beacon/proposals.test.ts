import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../../scripts/devnet/cluster.js";
import { blockProposer, clockSlot, epochOf, proposersOf, SLOTS_PER_EPOCH } from "./chain-blocks.js";

// npm start's system (six operator processes, genesis validators 4..7 in three committees, real Lodestar 1.5.1):
// with every member up, the distributed validators propose in their proposer slots, counted from the chain's own
// blocks over several epochs. Before the fix they proposed in epoch 0 only (see README "Proposals").

const DV = new Set([4, 5, 6, 7]);
const EPOCHS = 5;
let cluster: Cluster;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "cohort-proposals-"));
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  cluster = await startCluster({ dir, rpcPort: 0, beaconPort: 0, p2pBasePort: base, apiBasePort: base + 900 });
  await cluster.waitHealthy(120_000);
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("block proposals of the distributed validators (counted from the chain's blocks)", () => {
  it(`propose in at least 90% of their proposer slots over ${EPOCHS} epochs`, async () => {
    const url = cluster.beacon.url;
    const first = epochOf(await clockSlot(url)) + 1;
    const proposers = new Map<number, number>();
    // Duties are read while each epoch is current: the only answer the beacon node gives as final.
    for (let e = first; e < first + EPOCHS; e++) {
      while ((await clockSlot(url)) < e * SLOTS_PER_EPOCH) await new Promise((r) => setTimeout(r, 250));
      for (const [slot, v] of await proposersOf(url, e)) proposers.set(slot, v);
    }
    // Let the last slot's block arrive.
    while ((await clockSlot(url)) < (first + EPOCHS) * SLOTS_PER_EPOCH + 1)
      await new Promise((r) => setTimeout(r, 250));
    const ours = [...proposers].filter(([, v]) => DV.has(v)).map(([slot]) => slot);
    const theirs = [...proposers].filter(([, v]) => !DV.has(v)).map(([slot]) => slot);
    const proposed = async (slots: number[]) => {
      const hit: number[] = [];
      for (const s of slots) if ((await blockProposer(url, s)) === proposers.get(s)) hit.push(s);
      return hit;
    };
    const oursHit = await proposed(ours);
    const theirsHit = await proposed(theirs);
    const missed = ours.filter((s) => !oursHit.includes(s));
    console.log(
      `proposals over epochs ${first}..${first + EPOCHS - 1}: DV validators ${oursHit.length}/${ours.length} ` +
        `(${((100 * oursHit.length) / Math.max(1, ours.length)).toFixed(1)}%), Lodestar's own ${theirsHit.length}/${theirs.length}; ` +
        `DV slots missed: ${missed.join(", ") || "none"}`,
    );
    expect(ours.length).toBeGreaterThanOrEqual(5);
    expect(oursHit.length / ours.length).toBeGreaterThanOrEqual(0.9);
  }, 400_000);
});
