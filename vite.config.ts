import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The devnet's contract addresses are baked into the bundle at build/serve time instead of being fetched at run time:
// the page then makes no request beyond its own assets and the chain RPC, and a production build has none at all.
// Order: VITE_DEPLOYMENT_FILE (set by scripts/start.mjs and e2e/run.mjs; "none" for no contracts) >
// .devnet/deployment.json > none.
function readDeployment(): unknown {
  const explicit = process.env.VITE_DEPLOYMENT_FILE;
  if (explicit === "none") return null;
  const file = explicit ? resolve(explicit) : resolve(".devnet/deployment.json");
  if (!existsSync(file)) {
    if (explicit) throw new Error(`VITE_DEPLOYMENT_FILE=${explicit} does not exist`);
    return null;
  }
  // Only public addresses the dapp reads (and the node status URLs `npm start` adds); the file also lists accounts and
  // operator key-file paths, which do not belong in a bundle.
  const { chainId, registry, token, deployBlock, pool, miniPools, oracle, nodeApis } = JSON.parse(
    readFileSync(file, "utf8"),
  );
  return { chainId, registry, token, deployBlock, pool, miniPools, oracle, nodeApis };
}

export default defineConfig({
  plugins: [react(), tailwindcss()],
  define: {
    __COHORT_DEPLOYMENT__: JSON.stringify(readDeployment()),
  },
  worker: { format: "es" },
  build: {
    target: "es2022",
    // RainbowKit + wagmi + viem make one large vendor chunk; it is cached and loaded once, so the default 500 kB
    // warning is noise here. Pages are split by route in src/routes.tsx.
    chunkSizeWarningLimit: 1600,
  },
});
