import { useChainId, useChains } from "wagmi";

export function Footer() {
  const chains = useChains();
  const chainId = useChainId();
  const chain = chains.find((c) => c.id === chainId);
  return (
    <footer className="border-t border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-4 text-xs text-slate-500 sm:px-6">
        <span>Cohort · distributed validators for Ethereum</span>
        {chain && (
          <span data-testid="chain-info">
            Network: {chain.name} (chain {chain.id}) · RPC {chain.rpcUrls.default.http[0]}
          </span>
        )}
      </div>
    </footer>
  );
}
