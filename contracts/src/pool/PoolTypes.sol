// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Governance parameters of the pool system (pool, mini-pools, oracle), kept in one struct on CohortPool so one
/// call and one event change and record them. Every field is bounded (CohortPool's `_checkConfig`) and a change takes
/// effect only `CONFIG_DELAY` after it is proposed, so depositors can leave before a change they object to.
struct PoolConfig {
    /// Smallest `deposit()` into the pool, in wei (0.1 ether).
    uint256 minDeposit;
    /// ETH an initiator bonds to create a mini-pool (4 ether); the pool adds the rest of the 32. 1 ETH of it is the
    /// pre-deposit that must show the pool's credentials on the beacon chain before the pool's ETH follows.
    uint256 initiatorBond;
    /// How many of a mini-pool's four operators must be verified by governance (0 = no requirement).
    uint256 minVerifiedOperators;
    /// Fewest identical votes any report or key verification needs, whatever the share below gives. At least 5, so the
    /// four operators of one committee never suffice.
    uint256 oracleQuorum;
    /// Share of all eligible reporters (active operators serving an Active mini-pool) whose identical votes are needed,
    /// in basis points; more than half.
    uint256 oracleQuorumBps;
    /// Cut of the pool's share of rewards that goes to the initiator, in basis points (1000 = 10%).
    uint256 initiatorCommissionBps;
    /// Average participation below which governance may deactivate an operator, in basis points.
    uint256 minPerformanceBps;
    /// Most a validator's booked value may grow per year of epochs elapsed since it was last booked, in basis points
    /// (Lido's annual balance increase limit). More is booked by later reports, never at once.
    uint256 maxAprBps;
    /// A report whose losses exceed this share of the booked value of the validators it covers waits `lossDelay`
    /// seconds before it is booked, and deposits and claims wait with it.
    uint256 maxInstantLossBps;
    uint256 lossDelay;
    /// The EIP-7002 withdrawal request contract, or 0 where the chain has none (exits are then only signalled to the
    /// committee by the `ExitRequested` event and done with a signed voluntary exit).
    address exitRequestContract;
}

enum MiniPoolState {
    AwaitingDkg,
    /// Verified on the beacon chain and waiting for the pool's ETH (`fundNext`).
    Ready,
    Active,
    Failed,
    /// Balance fully withdrawn to the pool; the initiator may take its bond and earnings back.
    Exited,
    /// The initiator gave up before funding and took the bond back (less a made pre-deposit).
    Cancelled,
    /// 1 ETH of the bond is deposited; waits until a quorum saw the key on the beacon chain with the pool's credentials.
    PendingVerification,
    /// Exit requested (by the initiator or governance); Active until the reports show the balance withdrawn.
    Exiting
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
    /// Signs the pre-deposit message (PRE_DEPOSIT to the pool's credentials).
    bytes depositSignature;
    /// Root of the pre-deposit.
    bytes32 depositDataRoot;
    /// ETH the initiator bonded.
    uint256 bond;
    /// Address that bonded (owner of the initiator operator at creation).
    address owner;
    /// Bit i set = member operatorIds[i] confirmed the current attempt's result.
    uint8 confirmations;
    /// Beacon epoch (by the chain clock) at full funding; reports at later epochs must cover it.
    uint64 fundedEpoch;
    /// Value on the beacon chain as last booked (wei).
    uint256 booked;
    /// The initiator's part of `booked` (bond plus earnings minus losses).
    uint256 initiatorClaim;
    /// ETH already withdrawn to the pool that belongs to the initiator, paid by `claimBond` once Exited.
    uint256 initiatorHeld;
    bool bondReturned;
}
