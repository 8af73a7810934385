// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MiniPoolState, MiniPoolView} from "./PoolTypes.sol";

/// @notice Mini-pools: an initiator operator bonds 4 ETH and names three more operators; the committee runs a DKG and
/// each member confirms the result from its node identity address; when the pool has 28 ETH free, anyone funds the
/// oldest Ready mini-pool with 32 ETH through the beacon deposit contract.
///
/// A node's identity address is keccak256(uncompressed secp256k1 identity key)[12:], the Ethereum account of the
/// identity secret key every node holds (`identityAddress(operatorId)`); nodes send confirmDkg, reportDkgFailure and
/// oracle reports from it, so they need a little ETH there for gas.
interface ICohortMiniPools {
    event MiniPoolCreated(uint256 indexed id, uint64 indexed initiator, uint64[4] operatorIds, address owner);
    event DkgConfirmed(uint256 indexed id, uint64 indexed operatorId);
    event MiniPoolReady(uint256 indexed id, bytes validatorPubkey);
    /// A member confirmed a result that differs from an earlier member's: the attempt failed.
    event DkgConflict(uint256 indexed id, uint64 indexed operatorId);
    event DkgFailed(uint256 indexed id, uint64 indexed reporter, uint64[] culprits);
    event DkgRetry(uint256 indexed id, uint32 attempt);
    event MiniPoolFunded(uint256 indexed id, bytes validatorPubkey);
    event MiniPoolCancelled(uint256 indexed id, uint256 bond);
    /// Per-report split of the beacon balance change: what the initiators' balances and the pool's claim moved by.
    event RewardsDistributed(uint64 indexed epoch, int256 delta, int256 initiatorsDelta, int256 poolDelta);

    error WrongBond(uint256 required);
    error NotInitiator(uint64 operatorId);
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
    /// The root does not match (pubkey, this system's withdrawal credentials, 32 ETH, signature); `computed` is the
    /// one that would.
    error InvalidDepositDataRoot(bytes32 computed);
    error PubkeyAlreadyUsed();
    error NoMiniPoolReady();
    error InsufficientPoolEth(uint256 required, uint256 available);
    error OnlyOracle();
    error OnlyGovernance();

    // ─── lifecycle ───

    /// @notice Bond `initiatorBond()` (4 ETH) and name the committee; operatorIds[0] is the initiator and must be owned
    /// by msg.sender. Operators must be distinct and active (any order; nodes sort them for share indices).
    function createMiniPool(uint64[4] calldata operatorIds) external payable returns (uint256 id);

    /// @notice From a member's identity address: the DKG produced this validator key and deposit signature. All four
    /// identical → Ready. The root must match (pubkey, withdrawalCredentials(), 32 ETH, signature).
    function confirmDkg(uint256 id, bytes calldata validatorPubkey, bytes calldata depositSignature, bytes32 depositDataRoot)
        external;

    /// @notice From a member's identity address: the DKG failed, blaming `culprits` → Failed.
    function reportDkgFailure(uint256 id, uint64[] calldata culprits) external;

    /// @notice By the initiator's owner: Failed → AwaitingDkg with `attempt` + 1.
    function retryDkg(uint256 id) external;

    /// @notice By the initiator's owner, before funding (AwaitingDkg or Failed): refunds the bond → Cancelled.
    function cancelMiniPool(uint256 id) external;

    /// @notice Anyone: fund the oldest Ready mini-pool once the pool has (32 − bond) ETH free → Active.
    function fundNext() external returns (uint256 id);

    /// @notice Oracle only: split an accepted total beacon balance of the Active mini-pools. Returns the delta vs the
    /// accounted balance (Σ initiator balances + the pool's beacon claim).
    function applyReport(uint64 epoch, uint256 totalBalance) external returns (int256 delta);

    // ─── views ───

    function miniPool(uint256 id) external view returns (MiniPoolView memory);
    function miniPoolCount() external view returns (uint256);
    /// @notice Ready mini-pools waiting for ETH, oldest first.
    function readyQueue() external view returns (uint256[] memory);
    function activeMiniPools() external view returns (uint256[] memory);
    /// @notice Initiator bond plus its earnings (or minus its losses) for an Active mini-pool; the bond before.
    function initiatorBalance(uint256 id) external view returns (uint256);
    function totalInitiatorBalance() external view returns (uint256);
    /// @notice The Ethereum address of the operator's registered identity key.
    function identityAddress(uint64 operatorId) external view returns (address);
    /// @notice Operator id of an identity address seen in a mini-pool committee (0 if none).
    function operatorOfIdentity(address account) external view returns (uint64);
    /// @notice How many Active mini-pools the operator serves.
    function activeMiniPoolsOf(uint64 operatorId) external view returns (uint256);
    /// @notice The deposit_data_root for a full 32 ETH deposit to withdrawalCredentials().
    function depositDataRoot(bytes calldata pubkey, bytes calldata signature) external view returns (bytes32);
    function withdrawalCredentials() external view returns (bytes32);
    function pool() external view returns (address);
    function registry() external view returns (address);
    function oracle() external view returns (address);
}
