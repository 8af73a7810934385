// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CohortConfig} from "./CohortTypes.sol";

/// @notice Events and errors of the registry. Events carry everything an operator node needs to rebuild its state from
/// logs alone (keys, committee, payload), because payloads are never kept in storage.
interface ICohortRegistry {
    // ─── governance ───
    event ConfigUpdated(CohortConfig config);
    event ConfigProposed(CohortConfig config, uint64 executableAt);
    event ConfigProposalCancelled();
    event OperatorVerified(uint64 indexed operatorId, bool verified);
    event NetworkEarningsWithdrawn(address indexed to, uint256 amount);
    event PoolOracleUpdated(address oracle);

    // ─── operators ───
    event OperatorAdded(
        uint64 indexed operatorId, address indexed owner, bytes identityKey, bytes32 encryptionKey, string name, uint256 fee
    );
    /// Emitted at registration (right after OperatorAdded) and on every change: the full new list, possibly empty.
    event OperatorEndpointsUpdated(uint64 indexed operatorId, string[] endpoints);
    event OperatorRemoved(uint64 indexed operatorId);
    /// The pool oracle retired the operator for poor performance: no fee, no new validators; its validators stay until
    /// their owners move them (`moveValidator`).
    event OperatorDeactivated(uint64 indexed operatorId);
    event OperatorFeeDeclared(uint64 indexed operatorId, uint256 fee, uint64 executableAt, uint64 expiresAt);
    event OperatorFeeDeclarationCancelled(uint64 indexed operatorId);
    event OperatorFeeUpdated(uint64 indexed operatorId, uint256 fee);
    event OperatorPrivacyUpdated(uint64 indexed operatorId, bool privateMode);
    event OperatorAllowListUpdated(uint64 indexed operatorId, address[] owners, bool allowed);
    event OperatorEarningsWithdrawn(uint64 indexed operatorId, address indexed to, uint256 amount);

    // ─── validators ───
    event ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes payload, uint256 nonce);
    event ValidatorRemoved(address indexed owner, uint64[] operatorIds, bytes publicKey);
    event ValidatorExitRequested(address indexed owner, uint64[] operatorIds, bytes publicKey);
    /// The effective execution-layer fee recipient (never zero: resetting emits the owner). Not emitted at registration,
    /// where the recipient is the `ValidatorAdded` owner.
    event FeeRecipientUpdated(bytes publicKey, address feeRecipient);
    event ValidatorCommitteeChanged(
        address indexed owner,
        bytes publicKey,
        uint64[] oldOperatorIds,
        uint64[] operatorIds,
        bytes payload,
        uint256 nonce
    );

    // ─── committees ───
    event CommitteeDeposited(address indexed owner, uint64[] operatorIds, address indexed from, uint256 amount);
    event CommitteeWithdrawn(address indexed owner, uint64[] operatorIds, uint256 amount);
    event CommitteeLiquidated(
        address indexed owner, uint64[] operatorIds, address indexed liquidator, uint256 collateral, uint256 badDebt
    );
    event CommitteeReactivated(address indexed owner, uint64[] operatorIds, uint256 amount);
    /// The last validator left a committee whose balance was negative; the shortfall moved to `badDebt`.
    event CommitteeBadDebt(address indexed owner, uint64[] operatorIds, uint256 amount);

    // ─── errors: governance ───
    error OwnershipCannotBeRenounced();
    error FeeExecutionWindowZero();
    error MaxFeeIncreaseTooLarge(uint256 maxBps);
    error MaxValidatorsPerOperatorZero();
    /// `parameter` is above its bound `max` (the network fee's bound is the config's maxOperatorFee).
    error ConfigParameterTooLarge(string parameter, uint256 max);
    error NoConfigProposed();
    error ConfigTimelockNotElapsed(uint64 executableAt);

    // ─── errors: operators ───
    error OperatorNotFound(uint64 operatorId);
    error NotPoolOracle();
    error NotOperatorOwner(uint64 operatorId);
    /// Not a 33-byte compressed secp256k1 point.
    error InvalidIdentityKey();
    /// The identity proof is not the identity key's 65-byte signature (r ‖ s ‖ v) over
    /// keccak256("cohort/identity/v1" ‖ chainid ‖ registry ‖ msg.sender).
    error InvalidIdentityProof();
    error IdentityKeyInUse(uint64 operatorId);
    error InvalidEncryptionKey();
    error InvalidOperatorName();
    /// More than 4 endpoints, or one that is empty or longer than 128 bytes.
    error InvalidEndpoints();
    error FeeTooHigh(uint256 maxFee);
    error FeeNotAnIncrease(uint256 currentFee);
    error FeeIncreaseTooLarge(uint256 maxFee);
    error FeeNotADecrease(uint256 currentFee);
    error NoFeeDeclared();
    error FeeTimelockNotElapsed(uint64 executableAt);
    error FeeDeclarationExpired(uint64 expiredAt);
    error OperatorHasValidators(uint256 validatorCount);
    error InsufficientEarnings(uint256 available);
    error ZeroAmount();

    // ─── errors: validators and committees ───
    error InvalidCommitteeSize(uint256 size);
    error CommitteeNotSorted();
    error OwnerNotAllowed(uint64 operatorId);
    error OperatorValidatorLimitReached(uint64 operatorId, uint256 limit);
    error InvalidPublicKeyLength(uint256 length);
    error ValidatorAlreadyRegistered();
    /// The payload's ownership signature is not the validator key's BLS signature of ownershipMessage(owner, nonce).
    error InvalidOwnershipProof();
    error ValidatorNotFound();
    error NotValidatorOwner();
    error ValidatorNotInCommittee();
    error InvalidNonce(uint256 expected, uint256 provided);
    error EmptyBatch();
    error BatchLengthMismatch();
    error SameCommittee();
    error CommitteeNotFound();
    error CommitteeIsLiquidated();
    error CommitteeAlreadyActive();
    error CommitteeNotLiquidatable();
    error InsufficientCollateral(uint256 required, uint256 available);
    error InsufficientBalance(uint256 available);
}
