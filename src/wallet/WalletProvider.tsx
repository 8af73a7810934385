import { lightTheme, RainbowKitProvider } from "@rainbow-me/rainbowkit";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { WagmiProvider } from "wagmi";
import type { ChainChoice } from "./chains";
import { createWalletConfig } from "./config";

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } },
});

export function WalletProvider({ chains, children }: { chains: ChainChoice[]; children: ReactNode }) {
  const config = createWalletConfig(chains);
  return (
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>
        <RainbowKitProvider
          appInfo={{ appName: "Cohort" }}
          theme={lightTheme({ accentColor: "#0f766e", borderRadius: "medium", fontStack: "system" })}
          modalSize="compact"
        >
          {children}
        </RainbowKitProvider>
      </QueryClientProvider>
    </WagmiProvider>
  );
}
