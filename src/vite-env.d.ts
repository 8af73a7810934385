/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** RPC of the local anvil devnet (chain 31337). Default http://127.0.0.1:8545. */
  readonly VITE_RPC_URL?: string;
  /** Comma-separated chain names the dapp offers: anvil, mainnet, holesky, hoodi. Default "anvil". */
  readonly VITE_CHAINS?: string;
  readonly VITE_RPC_URL_MAINNET?: string;
  readonly VITE_RPC_URL_HOLESKY?: string;
  readonly VITE_RPC_URL_HOODI?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

/** Contents of the devnet's deployment.json, injected by vite.config.ts; null when no devnet was found at build time. */
declare const __COHORT_DEPLOYMENT__: unknown;
