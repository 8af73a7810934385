import { RouterProvider } from "react-router";
import { router } from "./routes";
import type { ChainChoice } from "./wallet/chains";
import { WalletProvider } from "./wallet/WalletProvider";

export function App({ chains }: { chains: ChainChoice[] }) {
  return (
    <WalletProvider chains={chains}>
      <RouterProvider router={router} />
    </WalletProvider>
  );
}
