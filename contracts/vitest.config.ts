import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "contracts",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/globalSetup.ts"],
    // All files share the one anvil started by globalSetup and use evm_snapshot/evm_revert, which are chain-wide.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
