// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Every governance parameter of the registry, in one struct so one call and one event change and record them.
struct CohortConfig {
    /// Fee-token wei the network earns per validator per block.
    uint256 networkFee;
    /// Upper bound on any operator fee, so fee × blocks × validators cannot overflow and a typo cannot brick a committee.
    uint256 maxOperatorFee;
    /// Largest raise per declared fee change, in basis points of the current fee (1000 = +10%).
    uint256 maxFeeIncreaseBps;
    /// Seconds between declaring a fee raise and being allowed to execute it.
    uint256 feeDeclareTimelock;
    /// Seconds after the timelock during which the raise may be executed; afterwards it must be declared again.
    uint256 feeExecutionWindow;
    /// A committee must always hold enough to pay this many blocks at its current burn rate, or anyone may liquidate it.
    uint256 liquidationRunway;
    /// A committee with validators must always hold at least this much, whatever its burn rate.
    uint256 minCollateral;
    /// Most validators one operator may serve.
    uint256 maxValidatorsPerOperator;
}

struct Operator {
    address owner;
    uint32 validatorCount;
    bool active;
    bool verified;
    bool privateMode;
    /// Block up to which `feeIndex` and `earnings` are settled. Shares slot 0 with the fields above to save gas.
    uint40 snapshotBlock;
    uint256 fee;
    /// Cumulative fee one validator has owed this operator since registration, up to `snapshotBlock`.
    uint256 feeIndex;
    /// Earnings not yet withdrawn, up to `snapshotBlock`.
    uint256 earnings;
    bytes identityKey;
    bytes32 encryptionKey;
    string name;
}

struct FeeDeclaration {
    uint256 fee;
    uint64 executableAt;
    uint64 expiresAt;
}

/// @notice A committee account: one owner's validators on one operator set ("cluster" in SSV).
struct Committee {
    uint32 validatorCount;
    bool active;
    /// Balance as of the last settlement; what it owes since then follows from the index snapshots. Negative once the
    /// committee ran dry without being liquidated: it then owes its operators.
    int256 balance;
    /// Sum of the committee operators' fee indices at the last settlement.
    uint256 operatorsIndex;
    /// Network fee index at the last settlement.
    uint256 networkIndex;
}

struct Validator {
    address owner;
    bytes32 committeeId;
}
