import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "operator-node",
    include: ["test/**/*.test.ts"],
    // Beacon-chain tests have their own projects (vitest.beacon.config.ts, vitest.standin.config.ts), run serially after this one.
    exclude: ["test/beacon/**", "test/standin/**"],
    // libp2p 3 calls Promise.withResolvers, which Node 20 lacks.
    setupFiles: ["./src/polyfill.ts"],
    // @lodestar/params fixes the SSZ preset at import; the local Lodestar dev chain runs the minimal one.
    env: { LODESTAR_PRESET: "minimal" },
    // Generous: real sockets and real crypto on a shared 2-core machine. Bounds a wait, asserts no speed.
    testTimeout: 180_000,
  },
});
