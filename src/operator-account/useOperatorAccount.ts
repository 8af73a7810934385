import { useQuery } from "@tanstack/react-query";
import { type Address, getAddress } from "viem";
import { cohortRegistryAbi } from "../chain/contracts";
import { contractEvents } from "../chain/events";
import { useCohortClient } from "../chain/useCohortClient";
import { registryFromBlock } from "../validators/fromBlock";

/** What an owner manages on one operator: fee, pending fee change, earnings up to the current block, node addresses. */
export function useOperatorAccount(id: bigint) {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["operator-account", contracts?.registry, id.toString()],
    enabled: Boolean(contracts && client),
    refetchInterval: 8000,
    queryFn: async () => {
      const registry = contracts!.registry;
      const [operator, declaration, endpoints] = await Promise.all([
        client!.readContract({ address: registry, abi: cohortRegistryAbi, functionName: "getOperator", args: [id] }),
        client!.readContract({
          address: registry,
          abi: cohortRegistryAbi,
          functionName: "getFeeDeclaration",
          args: [id],
        }),
        client!.readContract({
          address: registry,
          abi: cohortRegistryAbi,
          functionName: "operatorEndpoints",
          args: [id],
        }),
      ]);
      return { operator, endpoints, declaration: declaration.executableAt === 0n ? null : declaration };
    },
  });
}

/**
 * The allow-list rebuilt from OperatorAllowListUpdated events (the contract keeps a mapping it cannot enumerate).
 * Addresses are checksummed so the same owner added twice in different case counts once.
 */
export function useAllowList(id: bigint) {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["operator-allow-list", contracts?.registry, id.toString()],
    enabled: Boolean(contracts && client),
    queryFn: async (): Promise<Address[]> => {
      const logs = await contractEvents(client!, {
        address: contracts!.registry,
        abi: cohortRegistryAbi,
        eventName: "OperatorAllowListUpdated",
        args: { operatorId: id },
        fromBlock: registryFromBlock(),
      });
      const allowed = new Set<Address>();
      for (const log of logs) {
        for (const owner of log.args.owners ?? []) {
          if (log.args.allowed) allowed.add(getAddress(owner));
          else allowed.delete(getAddress(owner));
        }
      }
      return [...allowed];
    },
  });
}
