import { cohortMiniPoolsAbi, cohortOracleAbi, cohortPoolAbi } from "@cohort/sdk/abi/index";
import type { Address } from "viem";
import { contractAddress, deployment } from "../wallet/deployment";

export { cohortMiniPoolsAbi, cohortOracleAbi, cohortPoolAbi };

export interface PoolContracts {
  chainId: number | undefined;
  pool: Address;
  miniPools: Address;
  oracle: Address;
}

/** The Stage 2 contracts of the configured deployment, or null when it has none (a Stage 1 deployment). */
export function poolContracts(): PoolContracts | null {
  const pool = contractAddress("pool", "CohortPool");
  const miniPools = contractAddress("miniPools", "CohortMiniPools");
  const oracle = contractAddress("oracle", "CohortOracle");
  if (!pool || !miniPools || !oracle) return null;
  return { chainId: deployment?.chainId, pool, miniPools, oracle };
}

/** The ETH a mini-pool validator is deposited with; the pool adds it minus the initiator's bond. */
export const VALIDATOR_DEPOSIT = 32n * 10n ** 18n;
