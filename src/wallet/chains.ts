import { type Chain, defineChain } from "viem";
import { holesky, hoodi, mainnet } from "viem/chains";

export const DEFAULT_DEVNET_RPC = "http://127.0.0.1:8545";

/** The local anvil devnet started by `npm start`; anvil's default chain id. */
export function devnetChain(rpcUrl: string): Chain {
  return defineChain({
    id: 31337,
    name: "Cohort devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    testnet: true,
  });
}

export interface ChainChoice {
  chain: Chain;
  rpcUrl: string;
}

export class ChainConfigError extends Error {
  override name = "ChainConfigError";
}

type Env = Partial<Record<keyof ImportMetaEnv, string | undefined>>;

/**
 * Chains are chosen by configuration (VITE_CHAINS), not hard-coded, so the same build can target the devnet only
 * or public networks. Each public chain's RPC can be overridden (VITE_RPC_URL_<NAME>); without an override viem's
 * public default endpoint for that chain is used, which is a third-party service: say so to whoever deploys.
 */
export function chainsFromEnv(env: Env): ChainChoice[] {
  const devnetRpc = env.VITE_RPC_URL || DEFAULT_DEVNET_RPC;
  const known: Record<string, () => ChainChoice> = {
    anvil: () => ({ chain: devnetChain(devnetRpc), rpcUrl: devnetRpc }),
    mainnet: () => publicChain(mainnet, env.VITE_RPC_URL_MAINNET),
    holesky: () => publicChain(holesky, env.VITE_RPC_URL_HOLESKY),
    hoodi: () => publicChain(hoodi, env.VITE_RPC_URL_HOODI),
  };
  const names = (env.VITE_CHAINS || "anvil")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(n in known));
  if (unknown.length > 0) {
    throw new ChainConfigError(
      `VITE_CHAINS lists unknown chain(s) ${unknown.join(", ")}; use a comma-separated list of ${Object.keys(known).join(", ")} and rebuild.`,
    );
  }
  if (names.length === 0) throw new ChainConfigError("VITE_CHAINS is empty; set it to e.g. anvil or mainnet,hoodi.");
  return [...new Set(names)].map((n) => known[n]!());
}

function publicChain(chain: Chain, override: string | undefined): ChainChoice {
  const rpcUrl = override || chain.rpcUrls.default.http[0]!;
  return { chain: { ...chain, rpcUrls: { ...chain.rpcUrls, default: { http: [rpcUrl] } } }, rpcUrl };
}
