// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice One oracle report: the state at the first slot of `epoch` of every mini-pool validator funded before that
/// epoch and not yet Exited (`miniPoolIds`, ascending: exactly that set, so a report is bound to the validators it was
/// computed for), and each operator's participation.
struct OracleReport {
    uint64 epoch;
    uint256[] miniPoolIds;
    /// Beacon balance per validator, gwei (a validator the beacon chain has not credited yet counts at 32 ETH).
    uint64[] balancesGwei;
    /// Withdrawals to the pool seen per validator in the blocks since the last accepted report's epoch up to this
    /// one's, gwei.
    uint64[] withdrawnGwei;
    /// Ascending.
    uint64[] operatorIds;
    uint32[] participationBps;
}

/// @notice Beacon balance oracle. Eligible reporters are the operators, active in the registry, that serve at least
/// one Active mini-pool; each reports from its node identity address. A report is accepted when `quorum()` of them sent
/// the identical one: the larger of `oracleQuorum` (≥ 5: more than one committee) and `oracleQuorumBps` of all eligible
/// reporters. Its epoch must be past by the chain's clock and after the last accepted one. Gains are capped per
/// validator by the APR ceiling; a report losing more than `maxInstantLossBps` waits `lossDelay` (and deposits and
/// claims with it) before anyone books it. The same quorum verifies pre-deposited keys on the beacon chain
/// (Rocket Pool's scrub check, positive): only a verified key gets the pool's ETH.
interface ICohortOracle {
    event ReportSubmitted(uint64 indexed epoch, uint64 indexed operatorId, bytes32 reportHash);
    /// `totalBalance`: Σ balances reported; `delta`: change of the covered validators' value (balance + withdrawn).
    event ReportAccepted(uint64 indexed epoch, uint256 totalBalance, int256 delta);
    event LossDelayed(uint64 indexed epoch, bytes32 reportHash, uint256 loss, uint256 bookableAt);
    event DelayedReportCancelled(uint64 indexed epoch, bytes32 reportHash);
    event OperatorDeactivated(uint64 indexed operatorId);
    event VerificationVote(uint256 indexed miniPoolId, uint64 indexed operatorId);

    error NotEligibleReporter(address account);
    error EpochNotNew(uint64 lastEpoch);
    error EpochNotPast(uint64 epoch, uint64 currentEpoch);
    error AlreadyReported(uint64 epoch, uint64 operatorId);
    error LengthMismatch();
    /// Operator ids in a report must be strictly ascending, so nobody is counted twice.
    error OperatorIdsNotSorted();
    error ParticipationTooHigh(uint32 bps);
    error NoPerformanceData(uint64 operatorId);
    error PerformanceAboveMinimum(uint256 averageBps, uint256 minimumBps);
    error OnlyGovernance();
    error LossPendingReport();
    error NoDelayedReport();
    error DelayNotOver(uint256 bookableAt);
    error ReportMismatch();
    error AlreadyVoted(uint256 miniPoolId, uint64 operatorId);
    /// Members may not verify their own mini-pool's key.
    error OwnCommittee(uint256 miniPoolId);
    /// Governance verifies only while too few eligible reporters exist to reach a quorum (bootstrap).
    error QuorumReachable(uint256 eligible, uint256 quorum);

    function submitReport(OracleReport calldata report) external;
    /// @notice keccak256(abi.encode(report)): reports agree iff equal.
    function reportHash(OracleReport calldata report) external pure returns (bytes32);
    /// @notice Anyone, `lossDelay` after a large loss was accepted: books it.
    function bookDelayedReport(OracleReport calldata report) external;
    /// @notice Governance: drops a delayed report it found false; its epoch stays used.
    function cancelDelayedReport() external;
    /// @notice From an eligible reporter's identity address that is not a member: the mini-pool's key is on the beacon
    /// chain with the pool's withdrawal credentials (and no other deposit for it used others).
    function verifyValidator(uint256 miniPoolId) external;
    /// @notice Governance, only while a quorum cannot form (fewer eligible verifiers than `verificationQuorum`).
    function verifyByGovernance(uint256 miniPoolId) external;

    /// @notice Votes a report needs now: max(oracleQuorum, oracleQuorumBps of the eligible reporters).
    function quorum() external view returns (uint256);
    /// @notice Votes a key verification needs now: the same rule over the eligible reporters outside its committee.
    function verificationQuorum(uint256 miniPoolId) external view returns (uint256);
    /// @notice The beacon epoch by the chain's clock.
    function currentEpoch() external view returns (uint64);
    function lossPending() external view returns (bool);
    function delayedReport() external view returns (bytes32 reportHash, uint64 epoch, uint256 bookableAt);

    /// @notice Last accepted epoch (0 before any).
    function lastEpoch() external view returns (uint64);
    /// @notice Hash reported by an operator for an epoch (0 if none).
    function reportOf(uint64 epoch, uint64 operatorId) external view returns (bytes32);
    /// @notice How many operators reported this hash for this epoch.
    function votes(uint64 epoch, bytes32 reportHash) external view returns (uint256);
    function verificationVotes(uint256 miniPoolId) external view returns (uint256);
    function hasVerified(uint256 miniPoolId, uint64 operatorId) external view returns (bool);

    function operatorPerformance(uint64 operatorId) external view returns (uint64 reports, uint64 sumBps);

    /// @notice Governance (the pool's owner): deactivate in the registry an operator whose average participation is
    /// below `minPerformanceBps()`. Its validators then need key-share restoration (`moveValidator`).
    function deactivateOperator(uint64 operatorId) external;

    function pool() external view returns (address);
    function miniPools() external view returns (address);
    function registry() external view returns (address);
    function genesisTime() external view returns (uint64);
    function secondsPerEpoch() external view returns (uint64);
}
