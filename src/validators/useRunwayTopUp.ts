import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { cohortRegistryAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";
import { TOP_UP_HEADROOM_BLOCKS } from "./topUp";

/**
 * The deposit that puts the committee `blocks` blocks of fees above its liquidation threshold (registry
 * `topUpNeeded`), plus the usual headroom for the transaction to land. Read only while a warning needs it.
 */
export function useRunwayTopUp(owner: Address, operatorIds: readonly bigint[], blocks: bigint | null) {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["runway-top-up", contracts?.registry, owner, operatorIds.join(","), blocks?.toString()],
    enabled: Boolean(contracts && client && blocks !== null),
    refetchInterval: 12_000,
    queryFn: () =>
      client!.readContract({
        address: contracts!.registry,
        abi: cohortRegistryAbi,
        functionName: "topUpNeeded",
        args: [owner, operatorIds, 0n, blocks! + TOP_UP_HEADROOM_BLOCKS],
      }) as Promise<bigint>,
  });
}
