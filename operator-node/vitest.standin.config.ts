import { defineConfig } from "vitest/config";

// DV nodes against the stand-in beacon chain (devnet-beacon/, Electra and Fulu on @lodestar/state-transition 1.46):
// real sockets, real BLS, 2-second slots. One file at a time, after the unit tests: a chain on two shared cores that
// misses slots cannot finalize on time.
export default defineConfig({
  test: {
    name: "operator-node-standin",
    include: ["test/standin/**/*.test.ts"],
    setupFiles: ["./src/polyfill.ts"],
    env: { LODESTAR_PRESET: "minimal" },
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
