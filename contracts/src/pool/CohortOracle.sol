// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICohortMiniPools} from "./ICohortMiniPools.sol";
import {ICohortOracle} from "./ICohortOracle.sol";
import {ICohortPool} from "./ICohortPool.sol";
import {IOperatorRegistry} from "./IOperatorRegistry.sol";

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

    uint64 public lastEpoch;
    mapping(uint64 epoch => mapping(uint64 operatorId => bytes32)) public reportOf;
    mapping(uint64 epoch => mapping(bytes32 reportHash => uint256)) public votes;
    mapping(uint64 operatorId => Performance) private _performance;

    constructor(address pool_, address miniPools_, address registry_) {
        pool = pool_;
        miniPools = miniPools_;
        registry = registry_;
    }

    function submitReport(
        uint64 epoch,
        uint256 totalBalance,
        uint64[] calldata operatorIds,
        uint32[] calldata participationBps
    ) external {
        ICohortMiniPools mp = ICohortMiniPools(miniPools);
        uint64 operatorId = mp.operatorOfIdentity(msg.sender);
        if (operatorId == 0 || mp.activeMiniPoolsOf(operatorId) == 0) revert NotActiveCommitteeMember(msg.sender);
        if (epoch <= lastEpoch) revert EpochNotNew(lastEpoch);
        if (operatorIds.length != participationBps.length) revert LengthMismatch();
        for (uint256 i; i < operatorIds.length; ++i) {
            if (i != 0 && operatorIds[i] <= operatorIds[i - 1]) revert OperatorIdsNotSorted();
            if (participationBps[i] > BPS) revert ParticipationTooHigh(participationBps[i]);
        }
        if (reportOf[epoch][operatorId] != 0) revert AlreadyReported(epoch, operatorId);

        bytes32 hash = _hash(epoch, totalBalance, operatorIds, participationBps);
        reportOf[epoch][operatorId] = hash;
        uint256 count = ++votes[epoch][hash];
        emit ReportSubmitted(epoch, operatorId, hash);
        // `>=`: governance may have lowered the quorum while votes were coming in.
        if (count >= ICohortPool(pool).oracleQuorum()) _accept(epoch, totalBalance, operatorIds, participationBps);
    }

    function reportHash(
        uint64 epoch,
        uint256 totalBalance,
        uint64[] calldata operatorIds,
        uint32[] calldata participationBps
    ) external pure returns (bytes32) {
        return _hash(epoch, totalBalance, operatorIds, participationBps);
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

    function _accept(
        uint64 epoch,
        uint256 totalBalance,
        uint64[] calldata operatorIds,
        uint32[] calldata participationBps
    ) private {
        lastEpoch = epoch;
        for (uint256 i; i < operatorIds.length; ++i) {
            Performance storage p = _performance[operatorIds[i]];
            p.reports += 1;
            p.sumBps += participationBps[i];
        }
        int256 delta = ICohortMiniPools(miniPools).applyReport(epoch, totalBalance);
        emit ReportAccepted(epoch, totalBalance, delta);
    }

    function _hash(
        uint64 epoch,
        uint256 totalBalance,
        uint64[] calldata operatorIds,
        uint32[] calldata participationBps
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(epoch, totalBalance, operatorIds, participationBps));
    }
}
