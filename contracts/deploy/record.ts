/**
 * The JSON record of a deployment (the dapp and operators read it; `npm run deploy` writes it and the devnet's
 * deployment.json extends it).
 */
import type { Address } from "viem";
import type { CohortConfig, PoolConfig } from "./config.js";
import type { Deployment } from "./deploy.js";

/** What the dapp and operators need; JSON-safe. The RPC URL is left out: it often carries an API key. */
export interface DeploymentRecord {
  chainId: number;
  network: string;
  registry: Address;
  token: Address;
  pool: Address;
  miniPools: Address;
  oracle: Address;
  depositContract: Address;
  deployer: Address;
  governance: Address;
  /** Where node configs' execution.deployBlock and event indexers start. */
  deployBlock: number;
  config: Record<keyof CohortConfig, string>;
  poolConfig: Record<keyof PoolConfig, string>;
  beaconClock: { genesisTime: string; secondsPerEpoch: string };
  /** False: governance must still call registry.setPoolOracle(oracle). */
  poolOracleLinked: boolean;
}

/** One place that turns a deployment into its JSON record (the devnet's deployment.json extends it). */
export function deploymentRecord(d: Deployment, network: string): DeploymentRecord {
  const strings = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)])) as Record<keyof T, string>;
  return {
    chainId: d.chainId,
    network,
    registry: d.registry,
    token: d.token,
    pool: d.pool,
    miniPools: d.miniPools,
    oracle: d.oracle,
    depositContract: d.depositContract,
    deployer: d.deployer,
    governance: d.governance,
    deployBlock: Number(d.blockNumber),
    config: strings(d.config),
    poolConfig: strings(d.poolConfig),
    beaconClock: strings(d.beaconClock),
    poolOracleLinked: d.poolOracleLinked,
  };
}
