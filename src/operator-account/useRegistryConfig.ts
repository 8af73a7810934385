import { useQuery } from "@tanstack/react-query";
import { cohortRegistryAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";

/** The registry's governance parameters (fees, caps, timelocks, runway), read once per page load. */
export function useRegistryConfig() {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["registry-config", contracts?.registry, client?.chain?.id],
    enabled: Boolean(contracts && client),
    queryFn: () =>
      client!.readContract({ address: contracts!.registry, abi: cohortRegistryAbi, functionName: "config" }),
  });
}
