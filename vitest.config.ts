import { defineConfig } from "vitest/config";

// One runner for the whole tree; each workspace that has tests owns a vitest.config.ts.
export default defineConfig({
  test: {
    projects: ["sdk", "contracts", "operator-node"],
  },
});
