import { useQuery } from "@tanstack/react-query";
import type { Address, Hex, PublicClient } from "viem";
import { cohortRegistryAbi, cohortTokenAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";
import { cohortOracleAbi, poolContracts } from "../pool/contracts";

export interface OperatorRow {
  id: bigint;
  owner: Address;
  name: string;
  /** Fee-token wei per validator per block. */
  fee: bigint;
  validatorCount: number;
  active: boolean;
  verified: boolean;
  privateMode: boolean;
  identityKey: Hex;
  encryptionKey: Hex;
  /** From the pool oracle's accepted reports; null when there is no oracle or no report names the operator. */
  performance: Performance | null;
}

export interface Performance {
  reports: number;
  /** Average participation over the reports, in basis points (10,000 = every duty done). */
  averageBps: number;
}

export interface FeeToken {
  address: Address;
  symbol: string;
  decimals: number;
}

async function readPerformance(client: PublicClient, id: bigint): Promise<Performance | null> {
  const oracle = poolContracts()?.oracle;
  if (!oracle) return null;
  const [reports, sumBps] = await client.readContract({
    address: oracle,
    abi: cohortOracleAbi,
    functionName: "operatorPerformance",
    args: [id],
  });
  return reports === 0n ? null : { reports: Number(reports), averageBps: Number(sumBps / reports) };
}

async function readOperator(client: PublicClient, registry: Address, id: bigint): Promise<OperatorRow> {
  const [op, performance] = await Promise.all([
    client.readContract({
      address: registry,
      abi: cohortRegistryAbi,
      functionName: "getOperator",
      args: [id],
    }),
    readPerformance(client, id),
  ]);
  return {
    id,
    owner: op.owner,
    name: op.name,
    fee: op.fee,
    validatorCount: Number(op.validatorCount),
    active: op.active,
    verified: op.verified,
    privateMode: op.privateMode,
    identityKey: op.identityKey,
    encryptionKey: op.encryptionKey,
    performance,
  };
}

/** All operators ever registered (ids 1..operatorCount), removed ones included with active = false. */
export function useOperators() {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["operators", contracts?.registry, client?.chain?.id],
    enabled: Boolean(contracts && client),
    queryFn: async () => {
      const registry = contracts!.registry;
      const count = await client!.readContract({
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "operatorCount",
      });
      const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
      // One eth_call per operator, sent together (the devnet has no multicall contract).
      return Promise.all(ids.map((id) => readOperator(client!, registry, id)));
    },
  });
}

export function useOperator(id: bigint | null) {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["operator", contracts?.registry, client?.chain?.id, id?.toString()],
    enabled: Boolean(contracts && client && id !== null),
    retry: false,
    queryFn: async () => {
      const registry = contracts!.registry;
      const count = await client!.readContract({
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "operatorCount",
      });
      if (id! < 1n || id! > count) return null;
      const [operator, declaration, endpoints] = await Promise.all([
        readOperator(client!, registry, id!),
        client!.readContract({
          address: registry,
          abi: cohortRegistryAbi,
          functionName: "getFeeDeclaration",
          args: [id!],
        }),
        client!.readContract({
          address: registry,
          abi: cohortRegistryAbi,
          functionName: "operatorEndpoints",
          args: [id!],
        }),
      ]);
      return { operator, declaration, endpoints };
    },
  });
}

export function useFeeToken() {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["fee-token", contracts?.registry, client?.chain?.id],
    enabled: Boolean(contracts && client),
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async (): Promise<FeeToken> => {
      const address = await client!.readContract({
        address: contracts!.registry,
        abi: cohortRegistryAbi,
        functionName: "token",
      });
      const [symbol, decimals] = await Promise.all([
        client!.readContract({ address, abi: cohortTokenAbi, functionName: "symbol" }),
        client!.readContract({ address, abi: cohortTokenAbi, functionName: "decimals" }),
      ]);
      return { address, symbol, decimals };
    },
  });
}
