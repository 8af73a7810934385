// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {PoolConfig} from "./PoolTypes.sol";

/// @notice The liquid staking pool: an ERC-20 ("Cohort Staked ETH", cETH) whose shares grow in value as the oracle
/// reports beacon rewards. It holds every ETH of the system (depositors' buffer and initiator bonds) and is the
/// withdrawal-credentials address of every mini-pool validator (0x01 ‖ 11 zero bytes ‖ this address).
///
/// Accounting uses internal counters, never `address(this).balance`, so ETH sent to it outside `deposit()` cannot move
/// the exchange rate (no donation/inflation attack):
/// totalAssets = buffered ETH + the pool's claim on Active validators (`beaconAssets`) − assets owed to withdrawals.
interface ICohortPool is IERC20Metadata {
    event Deposited(address indexed owner, uint256 assets, uint256 shares);
    event WithdrawalRequested(uint256 indexed id, address indexed owner, uint256 shares, uint256 assets);
    event WithdrawalClaimed(uint256 indexed id, address indexed owner, uint256 assets);
    event ExchangeRateUpdated(uint64 indexed epoch, uint256 totalAssets, uint256 totalShares);
    event PoolConfigUpdated(PoolConfig config);

    error DepositTooSmall(uint256 minimum);
    error ZeroAmount();
    error WithdrawalTooSmall();
    error WithdrawalNotFound(uint256 requestId);
    error WithdrawalNotReady(uint256 requestId);
    error WithdrawalAlreadyClaimed(uint256 requestId);
    error NotRequestOwner(uint256 requestId);
    /// Shares exist but back no assets (every staked ETH was lost): depositing would buy nothing.
    error PoolInsolvent();
    error InsufficientFreeEth(uint256 required, uint256 available);
    error OnlyMiniPools();
    error EthTransferFailed();
    error OwnershipCannotBeRenounced();
    error InvalidInitiatorBond(uint256 bond);
    error OracleQuorumZero();
    error MinVerifiedOperatorsTooLarge(uint256 max);
    error BpsTooLarge(uint256 bps);

    // ─── staking ───

    /// @notice Stake `msg.value` (at least `minDeposit()`); mints floor(assets × totalShares / totalAssets) shares, 1:1
    /// for the first deposit.
    function deposit() external payable returns (uint256 shares);

    /// @notice Burn `shares` now for floor(their value) ETH, paid in request order as ETH becomes free.
    function requestWithdrawal(uint256 shares) external returns (uint256 requestId);

    /// @notice Pay a funded request to its owner. Reverts `WithdrawalNotReady` until the queue reaches it.
    function claimWithdrawal(uint256 requestId) external;

    function totalAssets() external view returns (uint256);
    function convertToShares(uint256 assets) external view returns (uint256);
    function convertToAssets(uint256 shares) external view returns (uint256);
    /// @notice Assets per 1e18 shares; 1e18 when the pool is empty.
    function exchangeRate() external view returns (uint256);
    /// @notice ETH held for depositors that is neither reserved for the withdrawal queue nor a bond: what can fund
    /// validators.
    function freeEth() external view returns (uint256);
    /// @notice The pool's claim on the beacon balances of Active mini-pools (28 ETH each at funding, then moved by
    /// reports).
    function beaconAssets() external view returns (uint256);
    /// @notice Bonds of mini-pools not yet funded.
    function bondsHeld() external view returns (uint256);

    function withdrawalRequest(uint256 requestId)
        external
        view
        returns (address owner, uint256 assets, bool claimed, bool ready);
    /// @notice Number of requests ever made (ids are 0 … queueLength()−1).
    function queueLength() external view returns (uint256);
    /// @notice First request id the queue has not fully funded yet (== queueLength() when all are funded).
    function nextUnfundedRequest() external view returns (uint256);
    /// @notice Assets requested and not yet claimed (funded or not).
    function queuedAssets() external view returns (uint256);
    /// @notice ETH held and set aside for funded, unclaimed requests. ETH held = freeEth + this + bondsHeld.
    function reservedForQueue() external view returns (uint256);

    // ─── governance (owner, via Ownable2Step) ───

    function poolConfig() external view returns (PoolConfig memory);
    function setPoolConfig(PoolConfig calldata config) external;
    function minDeposit() external view returns (uint256);
    function initiatorBond() external view returns (uint256);
    function minVerifiedOperators() external view returns (uint256);
    function oracleQuorum() external view returns (uint256);
    function initiatorCommissionBps() external view returns (uint256);
    function minPerformanceBps() external view returns (uint256);
    function owner() external view returns (address);

    // ─── wiring ───

    function registry() external view returns (address);
    function depositContract() external view returns (address);
    function miniPools() external view returns (address);
    function oracle() external view returns (address);
    /// @notice 0x01 ‖ 11 zero bytes ‖ this address: where every mini-pool validator withdraws to.
    function withdrawalCredentials() external view returns (bytes32);

    // ─── hooks for CohortMiniPools only ───

    /// @notice Takes an initiator's bond into custody.
    function depositBond() external payable;
    /// @notice Returns a bond of a mini-pool that never got funded.
    function refundBond(address to, uint256 amount) external;
    /// @notice Deposits `bond` + (32 ether − bond) of free ETH into the beacon deposit contract.
    function fundValidator(bytes calldata pubkey, bytes calldata signature, bytes32 depositDataRoot, uint256 bond)
        external;
    /// @notice Moves the pool's beacon claim by its part of an accepted report's delta; emits ExchangeRateUpdated.
    function applyBeaconDelta(uint64 epoch, int256 poolDelta) external;
}
