// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Beacon balance oracle. Nodes of operators serving Active mini-pools report, from their identity address,
/// the total beacon balance of all Active mini-pool validators at an epoch (a funded validator the beacon chain has not
/// credited yet counts at its 32 ETH deposit) and each such operator's participation (bps of its duties done). When
/// `oracleQuorum()` identical reports for an epoch newer than the last accepted one arrive, the pool's exchange rate
/// moves and performance is recorded.
interface ICohortOracle {
    event ReportSubmitted(uint64 indexed epoch, uint64 indexed operatorId, bytes32 reportHash);
    event ReportAccepted(uint64 indexed epoch, uint256 totalBalance, int256 delta);
    event OperatorDeactivated(uint64 indexed operatorId);

    error NotActiveCommitteeMember(address account);
    error EpochNotNew(uint64 lastEpoch);
    error AlreadyReported(uint64 epoch, uint64 operatorId);
    error LengthMismatch();
    /// Operator ids in a report must be strictly ascending, so nobody is counted twice.
    error OperatorIdsNotSorted();
    error ParticipationTooHigh(uint32 bps);
    error NoPerformanceData(uint64 operatorId);
    error PerformanceAboveMinimum(uint256 averageBps, uint256 minimumBps);
    error OnlyGovernance();

    function submitReport(
        uint64 epoch,
        uint256 totalBalance,
        uint64[] calldata operatorIds,
        uint32[] calldata participationBps
    ) external;

    /// @notice keccak256(abi.encode(epoch, totalBalance, operatorIds, participationBps)): reports agree iff equal.
    function reportHash(uint64 epoch, uint256 totalBalance, uint64[] calldata operatorIds, uint32[] calldata participationBps)
        external
        pure
        returns (bytes32);

    /// @notice Last accepted epoch (0 before any).
    function lastEpoch() external view returns (uint64);
    /// @notice Hash reported by an operator for an epoch (0 if none).
    function reportOf(uint64 epoch, uint64 operatorId) external view returns (bytes32);
    /// @notice How many operators reported this hash for this epoch.
    function votes(uint64 epoch, bytes32 reportHash) external view returns (uint256);

    function operatorPerformance(uint64 operatorId) external view returns (uint64 reports, uint64 sumBps);

    /// @notice Governance (the pool's owner): deactivate in the registry an operator whose average participation is
    /// below `minPerformanceBps()`. Its validators then need key-share restoration (`moveValidator`).
    function deactivateOperator(uint64 operatorId) external;

    function pool() external view returns (address);
    function miniPools() external view returns (address);
    function registry() external view returns (address);
}
