import { connectorsForWallets } from "@rainbow-me/rainbowkit";
import { injectedWallet } from "@rainbow-me/rainbowkit/wallets";
import type { Chain } from "viem";
import { createConfig, createStorage, http, noopStorage } from "wagmi";
import type { ChainChoice } from "./chains";

export const APP_NAME = "Cohort";

/**
 * Injected (browser extension) wallets only. RainbowKit requires a WalletConnect projectId field, but with only
 * injectedWallet listed it is never contacted: the page talks to nothing but the chain RPC.
 */
export function createWalletConfig(choices: ChainChoice[]) {
  const connectors = connectorsForWallets([{ groupName: "Browser wallets", wallets: [injectedWallet] }], {
    appName: APP_NAME,
    projectId: "unused-injected-wallets-only",
  });
  const chains = choices.map((c) => c.chain) as [Chain, ...Chain[]];
  return createConfig({
    chains,
    connectors,
    // EIP-6963 discovery lists every installed wallet by name, next to the generic injected one.
    multiInjectedProviderDiscovery: true,
    transports: Object.fromEntries(choices.map((c) => [c.chain.id, http(c.rpcUrl)])),
    // Nothing is persisted in the browser, not even the last connected wallet: the user reconnects after a reload.
    storage: createStorage({ storage: noopStorage }),
    ssr: false,
  });
}
