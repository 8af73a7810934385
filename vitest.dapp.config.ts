import { defineConfig } from "vitest/config";

// The dapp's logic that needs no browser (checks, batching, arithmetic): src/**/*.test.ts under Node. Pages and hooks
// are covered by the browser tests in e2e/.
export default defineConfig({
  // What vite.config.ts bakes into a build: no deployment, so modules that read it import under Node.
  define: { __COHORT_DEPLOYMENT__: "null" },
  test: {
    name: "dapp",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
