import { defineConfig } from "vitest/config";

// One runner for the whole tree; each workspace that has tests owns a vitest.config.ts. The beacon-chain project
// runs by itself after the others (`npm run test:beacon`), one file at a time.
export default defineConfig({
  test: {
    projects: [
      "sdk",
      "vitest.dapp.config.ts",
      "contracts",
      "operator-node",
      "operator-node/vitest.beacon.config.ts",
      "operator-node/vitest.standin.config.ts",
      "devnet-beacon",
    ],
  },
});
