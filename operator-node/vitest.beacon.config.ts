import { defineConfig } from "vitest/config";

// Tests against a real Lodestar dev chain (2-second slots). They run one file at a time, after the rest: two dev
// chains on two shared cores miss slots, and a chain that misses slots cannot finalize on time.
export default defineConfig({
  test: {
    name: "operator-node-beacon",
    include: ["test/beacon/**/*.test.ts"],
    setupFiles: ["./src/polyfill.ts"],
    env: { LODESTAR_PRESET: "minimal" },
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
