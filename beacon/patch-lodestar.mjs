#!/usr/bin/env node
// Local changes to Lodestar 1.5.1 that the single-node dev chain needs (../shared/TOOLCHAIN.md, "Beacon chain"). Runs
// as beacon/'s postinstall, so `npm ci` in this folder always yields the patched files. Idempotent; fails loudly when a
// file does not look as expected (another Lodestar version) instead of leaving a chain that silently misbehaves.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const modules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");

const PATCHES = [
  {
    // The built-in execution engine mock (`--execution.engineMock`) cannot drive a chain that is Bellatrix and Capella
    // from genesis without two values the CLI leaves out: the dev genesis's payload block hash is 0x0b…0b (with "" the
    // mock does not know the head and every proposal fails "Execution Layer Syncing"), and capellaForkTimestamp 0
    // (without it the mock refuses payload attributes with withdrawals: "withdrawals missing for capella").
    name: "engine mock for a Capella-from-genesis dev chain",
    file: "@chainsafe/lodestar/lib/options/beaconNodeOptions/execution.js",
    original: `mode: "mock",
            genesisBlockHash: "",`,
    patched: `mode: "mock",
            // cohort patch (beacon/patch-lodestar.mjs): dev genesis payload hash, Capella from genesis
            genesisBlockHash: "0x${"0b".repeat(32)}",
            capellaForkTimestamp: 0,`,
  },
  {
    // A single dev node (`sync.isSingleNode`, the dev command's default) has no peer to sync from, yet once its head is
    // one epoch behind the clock (one slow epoch on a loaded machine, a run of missed slots) 1.5.1 calls itself
    // "Stalled", answers every validator request 503 "waiting for peers", its own validators stop too, and the chain
    // never produces a block again. For a single node, a head behind the clock is a chain with missed slots: synced.
    name: "a single dev node never stalls",
    file: "@lodestar/beacon-node/lib/sync/sync.js",
    original: `            (headSlot <= currentSlot && headSlot >= currentSlot - this.slotImportTolerance)) &&`,
    patched: `            (headSlot <= currentSlot && (headSlot >= currentSlot - this.slotImportTolerance || this.opts.isSingleNode))) && // cohort patch (beacon/patch-lodestar.mjs)`,
  },
  {
    // The engine mock builds every payload with no withdrawals, whatever the payload attributes ask for. Once a
    // validator with 0x01 credentials holds more than 32 ETH (a mini-pool's after its first rewards), the beacon state
    // expects its sweep in the next payload, every proposal fails "Invalid withdrawals length expected=1 actual=0" and
    // the chain stops until penalties take the balance back under 32 ETH (seen: no block for two epochs).
    name: "engine mock payloads carry the expected withdrawals",
    file: "@lodestar/beacon-node/lib/execution/engine/mock.js",
    original: `            executionPayload.transactions = [];
`,
    patched: `            executionPayload.transactions = [];
            // cohort patch (beacon/patch-lodestar.mjs): the withdrawals the beacon state expects
            if (payloadAttributes.withdrawals) executionPayload.withdrawals = payloadAttributes.withdrawals;
`,
  },
];

let failed = false;
for (const patch of PATCHES) {
  const file = join(modules, patch.file);
  const source = readFileSync(file, "utf8");
  if (source.includes(patch.patched)) continue;
  if (source.includes(patch.original)) {
    writeFileSync(file, source.replace(patch.original, patch.patched));
    console.error(`beacon: patched Lodestar: ${patch.name}`);
  } else {
    console.error(`beacon: ${file} does not hold what the patch "${patch.name}" expects (is Lodestar still 1.5.1?)`);
    failed = true;
  }
}
if (failed) process.exit(1);
