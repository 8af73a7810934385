#!/usr/bin/env node
// Lodestar 1.5.1's built-in execution engine mock (`--execution.engineMock`) cannot drive a chain that is Bellatrix and
// Capella from genesis without two values its CLI leaves out (../shared/TOOLCHAIN.md, "Beacon chain"):
//   - genesisBlockHash: the dev genesis's execution payload block hash is 0x0b…0b; with "" the mock does not know the
//     head and every proposal fails with "Execution Layer Syncing";
//   - capellaForkTimestamp: 0 (Capella from genesis); without it the mock refuses payload attributes with withdrawals
//     ("withdrawals missing for capella").
// Runs as beacon/'s postinstall, so `npm ci` in this folder always yields the patched file. Idempotent; fails loudly
// when the file does not look as expected (another Lodestar version) instead of leaving a chain that cannot propose.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const file = join(
  dirname(fileURLToPath(import.meta.url)),
  "node_modules/@chainsafe/lodestar/lib/options/beaconNodeOptions/execution.js",
);
const ORIGINAL = `mode: "mock",
            genesisBlockHash: "",`;
const PATCHED = `mode: "mock",
            // cohort patch (beacon/patch-engine-mock.mjs): dev genesis payload hash, Capella from genesis
            genesisBlockHash: "0x${"0b".repeat(32)}",
            capellaForkTimestamp: 0,`;

const source = readFileSync(file, "utf8");
if (source.includes(PATCHED)) {
  console.error("beacon: Lodestar engine mock already patched");
} else if (source.includes(ORIGINAL)) {
  writeFileSync(file, source.replace(ORIGINAL, PATCHED));
  console.error("beacon: patched Lodestar's engine mock for a Capella-from-genesis dev chain");
} else {
  console.error(`beacon: ${file} does not hold the engine-mock options this patch expects (is Lodestar still 1.5.1?)`);
  process.exit(1);
}
