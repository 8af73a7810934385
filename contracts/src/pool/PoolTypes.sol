// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Governance parameters of the pool system (pool, mini-pools, oracle), kept in one struct on CohortPool so one
/// call and one event change and record them. The registry keeps its own `CohortConfig`; these only concern staked ETH.
struct PoolConfig {
    /// Smallest `deposit()` into the pool, in wei (0.1 ether).
    uint256 minDeposit;
    /// ETH an initiator bonds to create a mini-pool (4 ether); the pool adds the rest of the 32.
    uint256 initiatorBond;
    /// How many of a mini-pool's four operators must be verified by governance (0 = no requirement).
    uint256 minVerifiedOperators;
    /// Identical oracle reports needed to accept an epoch's balance.
    uint256 oracleQuorum;
    /// Cut of the pool's share of rewards that goes to the initiator, in basis points (1000 = 10%).
    uint256 initiatorCommissionBps;
    /// Average participation below which governance may deactivate an operator, in basis points.
    uint256 minPerformanceBps;
}

enum MiniPoolState {
    AwaitingDkg,
    Ready,
    Active,
    Failed,
    Exited,
    /// The initiator gave up before funding and took the bond back.
    Cancelled
}

/// @notice What `miniPool(id)` returns.
struct MiniPoolView {
    /// Operator id of the initiator (operatorIds[0]), whose owner bonded the ETH.
    uint64 initiator;
    uint64[4] operatorIds;
    MiniPoolState state;
    /// DKG attempt, 0 first; bumped by `retryDkg`.
    uint32 attempt;
    /// Set once all four members confirmed the same DKG result.
    bytes validatorPubkey;
    bytes depositSignature;
    bytes32 depositDataRoot;
    /// ETH the initiator bonded.
    uint256 bond;
    /// Address that bonded (owner of the initiator operator at creation).
    address owner;
    /// Bit i set = member operatorIds[i] confirmed the current attempt's result.
    uint8 confirmations;
}
