import type { PublicClient } from "viem";
import { usePublicClient } from "wagmi";
import { type CohortContracts, cohortContracts } from "./contracts";

/** A public client on the chain the contracts were deployed to, whatever chain the wallet is on. */
export function useCohortClient(): { contracts: CohortContracts | null; client: PublicClient | undefined } {
  const contracts = cohortContracts();
  const client = usePublicClient(contracts?.chainId ? { chainId: contracts.chainId } : undefined);
  return { contracts, client: client as PublicClient | undefined };
}
