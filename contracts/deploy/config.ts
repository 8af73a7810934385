/** Governance parameters, mirroring the `CohortConfig` struct of CohortRegistry.sol. */
export interface CohortConfig {
  networkFee: bigint;
  maxOperatorFee: bigint;
  maxFeeIncreaseBps: bigint;
  feeDeclareTimelock: bigint;
  feeExecutionWindow: bigint;
  liquidationRunway: bigint;
  minCollateral: bigint;
  maxValidatorsPerOperator: bigint;
}

const TOKEN = 10n ** 18n;

/**
 * Mainnet-like defaults. Fees are fee-token wei per validator per block: 1e9 wei/block is ~0.0026 tokens a year at
 * 12-second blocks.
 */
export const defaultConfig: CohortConfig = {
  networkFee: 1_000_000_000n,
  maxOperatorFee: 10n ** 15n,
  maxFeeIncreaseBps: 1_000n,
  feeDeclareTimelock: 3n * 24n * 3600n,
  feeExecutionWindow: 24n * 3600n,
  // About two weeks of 12-second blocks.
  liquidationRunway: 100_800n,
  minCollateral: TOKEN,
  maxValidatorsPerOperator: 500n,
};

/** Pool-system governance parameters, mirroring the `PoolConfig` struct of pool/PoolTypes.sol. */
export interface PoolConfig {
  minDeposit: bigint;
  initiatorBond: bigint;
  minVerifiedOperators: bigint;
  oracleQuorum: bigint;
  oracleQuorumBps: bigint;
  initiatorCommissionBps: bigint;
  minPerformanceBps: bigint;
  maxAprBps: bigint;
  maxInstantLossBps: bigint;
  lossDelay: bigint;
  exitRequestContract: `0x${string}`;
}

const ETHER = 10n ** 18n;

export const defaultPoolConfig: PoolConfig = {
  minDeposit: ETHER / 10n,
  initiatorBond: 4n * ETHER,
  minVerifiedOperators: 0n,
  // Never fewer than five votes (more than one committee) and two thirds of the eligible reporters.
  oracleQuorum: 5n,
  oracleQuorumBps: 6_666n,
  initiatorCommissionBps: 1_000n,
  minPerformanceBps: 8_000n,
  // Lido's annual balance increase limit.
  maxAprBps: 1_000n,
  // A report losing more than 5% of the covered validators' value waits a day.
  maxInstantLossBps: 500n,
  lossDelay: 24n * 3600n,
  // EIP-7002's predeploy (mainnet since Prague); a chain without it (anvil) passes the zero address.
  exitRequestContract: "0x00000961Ef480Eb55e80D19ad83579A64c007002",
};
