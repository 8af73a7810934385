import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "devnet-beacon",
    include: ["test/**/*.test.ts"],
    // @lodestar/params fixes the SSZ preset at import; the stand-in chain runs the minimal one.
    env: { LODESTAR_PRESET: "minimal" },
    // Bounds a wait on a shared 2-core machine; asserts no speed.
    testTimeout: 60_000,
  },
});
