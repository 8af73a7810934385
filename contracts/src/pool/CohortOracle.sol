// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICohortMiniPools} from "./ICohortMiniPools.sol";
import {ICohortOracle, OracleReport} from "./ICohortOracle.sol";
import {ICohortPool} from "./ICohortPool.sol";
import {IOperatorRegistry} from "./IOperatorRegistry.sol";
import {PoolConfig} from "./PoolTypes.sol";

/// @title Cohort oracle
/// @notice See ICohortOracle. Governance is the pool's owner, so the pool system has one governance address.
contract CohortOracle is ICohortOracle {
    uint256 private constant BPS = 10_000;

    struct Performance {
        uint64 reports;
        uint64 sumBps;
    }

    address public immutable pool;
    address public immutable miniPools;
    address public immutable registry;
    /// The beacon chain's clock: reports must be for a past epoch, so nobody can spend the epoch space ahead of time.
    uint64 public immutable genesisTime;
    uint64 public immutable secondsPerEpoch;

    uint64 public lastEpoch;
    mapping(uint64 epoch => mapping(uint64 operatorId => bytes32)) public reportOf;
    mapping(uint64 epoch => mapping(bytes32 reportHash => uint256)) public votes;
    mapping(uint64 operatorId => Performance) private _performance;
    mapping(uint256 miniPoolId => uint256) public verificationVotes;
    mapping(uint256 miniPoolId => mapping(uint64 operatorId => bool)) public hasVerified;

    bytes32 private _delayedHash;
    uint64 private _delayedEpoch;
    uint256 private _delayedAt;

    constructor(address pool_, address miniPools_, address registry_, uint64 genesisTime_, uint64 secondsPerEpoch_) {
        pool = pool_;
        miniPools = miniPools_;
        registry = registry_;
        genesisTime = genesisTime_;
        secondsPerEpoch = secondsPerEpoch_;
    }

    function submitReport(OracleReport calldata r) external {
        uint64 operatorId = _eligibleReporter();
        if (_delayedHash != 0) revert LossPendingReport();
        uint64 epoch = r.epoch;
        if (epoch <= lastEpoch) revert EpochNotNew(lastEpoch);
        uint64 current = currentEpoch();
        if (epoch > current) revert EpochNotPast(epoch, current);
        _checkShape(r);
        if (reportOf[epoch][operatorId] != 0) revert AlreadyReported(epoch, operatorId);

        bytes32 hash = keccak256(abi.encode(r));
        reportOf[epoch][operatorId] = hash;
        uint256 count = ++votes[epoch][hash];
        emit ReportSubmitted(epoch, operatorId, hash);
        // `>=`: the quorum may have fallen while votes were coming in.
        if (count >= quorum()) _accept(r, hash);
    }

    function reportHash(OracleReport calldata r) external pure returns (bytes32) {
        return keccak256(abi.encode(r));
    }

    function bookDelayedReport(OracleReport calldata r) external {
        if (_delayedHash == 0) revert NoDelayedReport();
        if (keccak256(abi.encode(r)) != _delayedHash) revert ReportMismatch();
        if (block.timestamp < _delayedAt) revert DelayNotOver(_delayedAt);
        _clearDelayed();
        _book(r);
    }

    function cancelDelayedReport() external {
        if (msg.sender != ICohortPool(pool).owner()) revert OnlyGovernance();
        if (_delayedHash == 0) revert NoDelayedReport();
        emit DelayedReportCancelled(_delayedEpoch, _delayedHash);
        _clearDelayed();
    }

    function verifyValidator(uint256 miniPoolId) external {
        uint64 operatorId = _eligibleReporter();
        ICohortMiniPools mp = ICohortMiniPools(miniPools);
        if (mp.isMember(miniPoolId, operatorId)) revert OwnCommittee(miniPoolId);
        if (hasVerified[miniPoolId][operatorId]) revert AlreadyVoted(miniPoolId, operatorId);
        hasVerified[miniPoolId][operatorId] = true;
        uint256 count = ++verificationVotes[miniPoolId];
        emit VerificationVote(miniPoolId, operatorId);
        // markVerified checks the state (PendingVerification), so a vote for anything else reverts.
        if (count >= verificationQuorum(miniPoolId)) mp.markVerified(miniPoolId);
        else mp.requirePendingVerification(miniPoolId);
    }

    function verifyByGovernance(uint256 miniPoolId) external {
        if (msg.sender != ICohortPool(pool).owner()) revert OnlyGovernance();
        uint256 eligible = _eligibleVerifiers(miniPoolId);
        uint256 q = verificationQuorum(miniPoolId);
        if (eligible >= q) revert QuorumReachable(eligible, q);
        ICohortMiniPools(miniPools).markVerified(miniPoolId);
    }

    function quorum() public view returns (uint256) {
        return _quorumOf(ICohortMiniPools(miniPools).servingOperators());
    }

    function verificationQuorum(uint256 miniPoolId) public view returns (uint256) {
        return _quorumOf(_eligibleVerifiers(miniPoolId));
    }

    function currentEpoch() public view returns (uint64) {
        if (block.timestamp < genesisTime) return 0;
        return uint64((block.timestamp - genesisTime) / secondsPerEpoch);
    }

    function lossPending() external view returns (bool) {
        return _delayedHash != 0;
    }

    function delayedReport() external view returns (bytes32, uint64, uint256) {
        return (_delayedHash, _delayedEpoch, _delayedAt);
    }

    function operatorPerformance(uint64 operatorId) external view returns (uint64 reports, uint64 sumBps) {
        Performance storage p = _performance[operatorId];
        return (p.reports, p.sumBps);
    }

    function deactivateOperator(uint64 operatorId) external {
        if (msg.sender != ICohortPool(pool).owner()) revert OnlyGovernance();
        Performance storage p = _performance[operatorId];
        if (p.reports == 0) revert NoPerformanceData(operatorId);
        uint256 average = p.sumBps / p.reports;
        uint256 minimum = ICohortPool(pool).minPerformanceBps();
        if (average >= minimum) revert PerformanceAboveMinimum(average, minimum);
        emit OperatorDeactivated(operatorId);
        IOperatorRegistry(registry).deactivateOperator(operatorId);
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev The caller's operator, if it may vote now: it serves an Active mini-pool and the registry still has it
    /// active (a deactivated or removed operator's votes stop at once).
    function _eligibleReporter() private view returns (uint64 operatorId) {
        ICohortMiniPools mp = ICohortMiniPools(miniPools);
        operatorId = mp.operatorOfIdentity(msg.sender);
        if (operatorId == 0 || mp.activeMiniPoolsOf(operatorId) == 0) revert NotEligibleReporter(msg.sender);
        if (!IOperatorRegistry(registry).getOperator(operatorId).active) revert NotEligibleReporter(msg.sender);
    }

    function _quorumOf(uint256 eligible) private view returns (uint256) {
        PoolConfig memory c = ICohortPool(pool).poolConfig();
        uint256 share = (eligible * c.oracleQuorumBps + BPS - 1) / BPS;
        return share > c.oracleQuorum ? share : c.oracleQuorum;
    }

    /// @dev Serving operators outside the mini-pool's own committee.
    function _eligibleVerifiers(uint256 miniPoolId) private view returns (uint256) {
        ICohortMiniPools mp = ICohortMiniPools(miniPools);
        return mp.servingOperators() - mp.servingMembers(miniPoolId);
    }

    function _checkShape(OracleReport calldata r) private pure {
        uint256 n = r.miniPoolIds.length;
        if (r.balancesGwei.length != n || r.withdrawnGwei.length != n) revert LengthMismatch();
        if (r.operatorIds.length != r.participationBps.length) revert LengthMismatch();
        for (uint256 i; i < r.operatorIds.length; ++i) {
            if (i != 0 && r.operatorIds[i] <= r.operatorIds[i - 1]) revert OperatorIdsNotSorted();
            if (r.participationBps[i] > BPS) revert ParticipationTooHigh(r.participationBps[i]);
        }
    }

    function _accept(OracleReport calldata r, bytes32 hash) private {
        lastEpoch = r.epoch;
        (uint256 loss, uint256 covered) =
            ICohortMiniPools(miniPools).previewReport(r.epoch, r.miniPoolIds, r.balancesGwei, r.withdrawnGwei);
        PoolConfig memory c = ICohortPool(pool).poolConfig();
        if (loss * BPS > covered * c.maxInstantLossBps) {
            _delayedHash = hash;
            _delayedEpoch = r.epoch;
            _delayedAt = block.timestamp + c.lossDelay;
            emit LossDelayed(r.epoch, hash, loss, _delayedAt);
            return;
        }
        _book(r);
    }

    function _book(OracleReport calldata r) private {
        for (uint256 i; i < r.operatorIds.length; ++i) {
            Performance storage p = _performance[r.operatorIds[i]];
            p.reports += 1;
            p.sumBps += r.participationBps[i];
        }
        (uint256 totalBalance, int256 delta) =
            ICohortMiniPools(miniPools).applyReport(r.epoch, r.miniPoolIds, r.balancesGwei, r.withdrawnGwei);
        emit ReportAccepted(r.epoch, totalBalance, delta);
    }

    function _clearDelayed() private {
        _delayedHash = 0;
        _delayedEpoch = 0;
        _delayedAt = 0;
    }
}
