// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MiniPoolState, MiniPoolView} from "./PoolTypes.sol";

/// @notice Mini-pools: an initiator operator bonds 4 ETH and names three more operators that opted in; the committee
/// runs a DKG and each member confirms the result from its node identity address. The fourth confirmation deposits
/// PRE_DEPOSIT (1 ETH) of the bond for the key (PendingVerification); once a quorum of eligible reporters saw the key
/// on the beacon chain with the pool's credentials (`CohortOracle.verifyValidator`) it is Ready, and when the pool has
/// 32 − bond ETH free anyone tops it up to 32 ETH (Active). A key someone front-ran with other credentials is never
/// verified, so the pool's ETH never follows it. Exits: the initiator (or governance) requests one (Exiting); the
/// report that shows the balance withdrawn makes it Exited, and the initiator claims its bond and earnings back.
///
/// A node's identity address is keccak256(uncompressed secp256k1 identity key)[12:], the Ethereum account of the
/// identity secret key every node holds (`identityAddress(operatorId)`); nodes send confirmDkg, reportDkgFailure and
/// oracle votes from it, so they need a little ETH there for gas.
interface ICohortMiniPools {
    event MiniPoolCreated(uint256 indexed id, uint64 indexed initiator, uint64[4] operatorIds, address owner);
    event DkgConfirmed(uint256 indexed id, uint64 indexed operatorId);
    /// All four confirmed: the pre-deposit was made, verification pending.
    event MiniPoolReady(uint256 indexed id, bytes validatorPubkey);
    event MiniPoolVerified(uint256 indexed id);
    /// A member confirmed a result that differs from an earlier member's: the attempt failed.
    event DkgConflict(uint256 indexed id, uint64 indexed operatorId);
    event DkgFailed(uint256 indexed id, uint64 indexed reporter, uint64[] culprits);
    event DkgRetry(uint256 indexed id, uint32 attempt);
    event MiniPoolFunded(uint256 indexed id, bytes validatorPubkey);
    event MiniPoolCancelled(uint256 indexed id, uint256 bond);
    event ExitRequested(uint256 indexed id, address by);
    event MiniPoolExited(uint256 indexed id, uint256 initiatorHeld);
    event BondReturned(uint256 indexed id, address to, uint256 amount);
    event MiniPoolOptIn(uint64 indexed operatorId, bool accepts);
    /// Per-report split of the covered validators' value change: what the initiators' claims and the pool's moved by.
    event RewardsDistributed(uint64 indexed epoch, int256 delta, int256 initiatorsDelta, int256 poolDelta);

    error WrongBond(uint256 required);
    error NotInitiator(uint64 operatorId);
    error NotOperatorOwner(uint64 operatorId);
    error OperatorNotOptedIn(uint64 operatorId);
    error DuplicateOperator(uint64 operatorId);
    error OperatorNotActive(uint64 operatorId);
    error NotEnoughVerifiedOperators(uint256 required, uint256 verified);
    error InvalidIdentityKey(uint64 operatorId);
    error MiniPoolNotFound(uint256 id);
    error WrongState(uint256 id, MiniPoolState state);
    error NotCommitteeMember(uint256 id);
    error AlreadyConfirmed(uint256 id, uint64 operatorId);
    error InvalidPubkeyLength(uint256 length);
    error InvalidSignatureLength(uint256 length);
    /// The root does not match (pubkey, this system's withdrawal credentials, PRE_DEPOSIT, signature); `computed` is
    /// the one that would.
    error InvalidDepositDataRoot(bytes32 computed);
    /// The key was used by another mini-pool or is a registry validator.
    error PubkeyAlreadyUsed();
    error NoMiniPoolReady();
    error InsufficientPoolEth(uint256 required, uint256 available);
    error OnlyOracle();
    error OnlyGovernance();
    error NotOwnerOrGovernance(uint256 id);
    /// The report does not cover exactly the validators funded before its epoch and not yet Exited.
    error ReportSetMismatch(uint256 expected, uint256 given);
    error NotInReportSet(uint256 id);
    error BondAlreadyReturned(uint256 id);

    // ─── lifecycle ───

    /// @notice By an operator's owner: whether others may name it in a mini-pool committee (off by default).
    function setAcceptsMiniPools(uint64 operatorId, bool accepts) external;

    /// @notice Bond `initiatorBond()` (4 ETH) and name the committee; operatorIds[0] is the initiator and must be owned
    /// by msg.sender, the others must have opted in. Operators must be distinct and active.
    function createMiniPool(uint64[4] calldata operatorIds) external payable returns (uint256 id);

    /// @notice From a member's identity address: the DKG produced this validator key and the signature of its
    /// pre-deposit message (PRE_DEPOSIT to withdrawalCredentials()). All four identical → pre-deposit, then
    /// PendingVerification.
    function confirmDkg(uint256 id, bytes calldata validatorPubkey, bytes calldata depositSignature, bytes32 depositDataRoot)
        external;

    /// @notice From a member's identity address: the DKG failed, blaming `culprits` → Failed.
    function reportDkgFailure(uint256 id, uint64[] calldata culprits) external;

    /// @notice By the initiator's owner: Failed → AwaitingDkg with `attempt` + 1.
    function retryDkg(uint256 id) external;

    /// @notice By the initiator's owner, before funding: refunds the bond (less a made pre-deposit) → Cancelled.
    function cancelMiniPool(uint256 id) external;

    /// @notice Anyone: top up the oldest verified (Ready) mini-pool to 32 ETH once the pool has (32 − bond) ETH free.
    function fundNext() external returns (uint256 id);

    /// @notice By the initiator's owner, or governance for a failing committee: Active → Exiting. Through EIP-7002
    /// where configured (`msg.value` pays its fee), else signalled to the committee by the pool's ExitRequested event.
    function requestExit(uint256 id) external payable;

    /// @notice By the initiator's owner once Exited: pays the initiator's part of the withdrawn ETH.
    function claimBond(uint256 id) external;

    // ─── oracle hooks ───

    function markVerified(uint256 id) external;
    function requirePendingVerification(uint256 id) external view;
    /// @notice Loss and booked value of the covered validators, after checking the report covers exactly the right set.
    function previewReport(
        uint64 epoch,
        uint256[] calldata ids,
        uint64[] calldata balancesGwei,
        uint64[] calldata withdrawnGwei
    ) external view returns (uint256 loss, uint256 covered);
    function applyReport(
        uint64 epoch,
        uint256[] calldata ids,
        uint64[] calldata balancesGwei,
        uint64[] calldata withdrawnGwei
    ) external returns (uint256 totalBalance, int256 delta);

    // ─── views ───

    function PRE_DEPOSIT() external view returns (uint256);
    function miniPool(uint256 id) external view returns (MiniPoolView memory);
    function miniPoolCount() external view returns (uint256);
    /// @notice Verified mini-pools waiting for ETH, oldest first (may include cancelled ones fundNext will skip).
    function readyQueue() external view returns (uint256[] memory);
    /// @notice Funded mini-pools not yet Exited (Active or Exiting), in no particular order.
    function activeMiniPools() external view returns (uint256[] memory);
    /// @notice The initiator's claim: bond plus earnings minus losses while funded, what it can take back once Exited.
    function initiatorBalance(uint256 id) external view returns (uint256);
    function totalInitiatorBalance() external view returns (uint256);
    function acceptsMiniPools(uint64 operatorId) external view returns (bool);
    function isMember(uint256 id, uint64 operatorId) external view returns (bool);
    /// @notice Operators serving at least one funded mini-pool: the eligible reporters (if active in the registry).
    function servingOperators() external view returns (uint256);
    /// @notice How many of the mini-pool's own operators are serving operators.
    function servingMembers(uint256 id) external view returns (uint256);
    /// @notice The Ethereum address of the operator's registered identity key.
    function identityAddress(uint64 operatorId) external view returns (address);
    /// @notice Operator id of an identity address seen in a mini-pool committee (0 if none).
    function operatorOfIdentity(address account) external view returns (uint64);
    /// @notice How many funded mini-pools the operator serves.
    function activeMiniPoolsOf(uint64 operatorId) external view returns (uint256);
    /// @notice The deposit_data_root of the pre-deposit (PRE_DEPOSIT to withdrawalCredentials()).
    function depositDataRoot(bytes calldata pubkey, bytes calldata signature) external view returns (bytes32);
    function withdrawalCredentials() external view returns (bytes32);
    function pool() external view returns (address);
    function registry() external view returns (address);
    function oracle() external view returns (address);
}
