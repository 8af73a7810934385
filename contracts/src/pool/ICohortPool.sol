// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {PoolConfig} from "./PoolTypes.sol";

/// @notice The liquid staking pool: an ERC-20 ("Cohort Staked ETH", cETH) whose shares grow in value as the oracle
/// reports beacon rewards. It holds every ETH of the system (depositors' buffer, initiator bonds, ETH withdrawn from
/// the beacon chain) and is the withdrawal-credentials address of every mini-pool validator.
///
/// Accounting uses internal counters, never `address(this).balance`: ETH that arrives by a beacon withdrawal (or any
/// transfer) is unbooked until an accepted report says which validator it came from, and a report can never book more
/// than is unbooked. totalAssets = buffered ETH + the pool's claim on validators (`beaconAssets`). Withdrawal requests
/// lock their shares in the pool; a claim pays the lower of their value at request and at claim, then burns them.
interface ICohortPool is IERC20Metadata {
    event Deposited(address indexed owner, uint256 assets, uint256 shares);
    /// `assets`: the most the request can pay (its value at request).
    event WithdrawalRequested(uint256 indexed id, address indexed owner, uint256 shares, uint256 assets);
    /// `assets`: what was paid, min(value at request, value at claim).
    event WithdrawalClaimed(uint256 indexed id, address indexed owner, uint256 assets);
    event ExchangeRateUpdated(uint64 indexed epoch, uint256 totalAssets, uint256 totalShares);
    event PoolConfigUpdated(PoolConfig config);
    event PoolConfigProposed(PoolConfig config, uint256 executableAt);
    /// Withdrawn ETH a report booked: to the depositors' buffer and to initiators' held balances.
    event WithdrawalsBooked(uint64 indexed epoch, uint256 toBuffer, uint256 toInitiators);
    event ExitRequested(bytes pubkey, bool viaEip7002);

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
    /// A config field is outside [min, max]; `field` is its position in PoolConfig.
    error ConfigOutOfBounds(uint256 field, uint256 value, uint256 min, uint256 max);
    error NoConfigProposed();
    error ConfigTimelocked(uint256 executableAt);
    /// A report booked more withdrawn ETH than arrived: `unbooked` is what the pool holds beyond its books.
    error WithdrawalsExceedReceived(uint256 reported, uint256 unbooked);
    /// A large loss report is waiting out its delay; deposits and claims wait with it so nobody trades at a stale rate.
    error LossPending();
    error ExitRequestFailed();

    // ─── staking ───

    /// @notice Stake `msg.value` (at least `minDeposit()`); mints floor(assets × totalShares / totalAssets) shares. The
    /// very first deposit gives DEAD_SHARES to 0x…dEaD so the supply never returns to zero.
    function deposit() external payable returns (uint256 shares);

    /// @notice Lock `shares` in the pool; paid in request order as ETH becomes free, at the lower rate of request and
    /// claim.
    function requestWithdrawal(uint256 shares) external returns (uint256 requestId);

    /// @notice Pay a funded request to its owner. Reverts `WithdrawalNotReady` until the queue reaches it.
    function claimWithdrawal(uint256 requestId) external;

    function totalAssets() external view returns (uint256);
    function convertToShares(uint256 assets) external view returns (uint256);
    function convertToAssets(uint256 shares) external view returns (uint256);
    /// @notice Assets per 1e18 shares; 1e18 when the pool is empty.
    function exchangeRate() external view returns (uint256);
    /// @notice ETH held for depositors that is not reserved for the withdrawal queue: what can fund validators.
    function freeEth() external view returns (uint256);
    /// @notice The pool's claim on validators' beacon balances (28 ETH each at funding, then moved by reports).
    function beaconAssets() external view returns (uint256);
    /// @notice Bonds of mini-pools not yet on the beacon chain.
    function bondsHeld() external view returns (uint256);
    /// @notice ETH withdrawn from the beacon chain that belongs to initiators, until they claim it.
    function initiatorsHeld() external view returns (uint256);
    /// @notice ETH this contract holds beyond its books (beacon withdrawals not yet reported, or gifts).
    function unbookedEth() external view returns (uint256);

    /// @notice `assets` is the most the request pays; `payout` what a claim now would pay.
    function withdrawalRequest(uint256 requestId)
        external
        view
        returns (address owner, uint256 assets, bool claimed, bool ready);
    function withdrawalShares(uint256 requestId) external view returns (uint256 shares, uint256 payout);
    /// @notice Number of requests ever made (ids are 0 … queueLength()−1).
    function queueLength() external view returns (uint256);
    /// @notice First request id the queue has not fully funded yet (== queueLength() when all are funded).
    function nextUnfundedRequest() external view returns (uint256);
    /// @notice Most the unclaimed requests can pay (funded or not).
    function queuedAssets() external view returns (uint256);
    /// @notice ETH held and set aside for funded, unclaimed requests.
    function reservedForQueue() external view returns (uint256);

    // ─── governance (owner, via Ownable2Step; config changes behind CONFIG_DELAY) ───

    function poolConfig() external view returns (PoolConfig memory);
    function proposePoolConfig(PoolConfig calldata config) external;
    /// @notice Anyone, CONFIG_DELAY after the proposal: the proposed config takes effect.
    function executePoolConfig() external;
    function pendingPoolConfig() external view returns (PoolConfig memory config, uint256 executableAt);
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
    /// @notice Returns (part of) a bond of a mini-pool that never got funded.
    function refundBond(address to, uint256 amount) external;
    /// @notice Deposits `amount` of a held bond for a new key: the pre-deposit.
    function preDeposit(bytes calldata pubkey, bytes calldata signature, bytes32 depositDataRoot, uint256 amount)
        external;
    /// @notice Deposits `bondRest` of the held bond + `poolPart` of free ETH for a verified key.
    function fundValidator(
        bytes calldata pubkey,
        bytes calldata signature,
        bytes32 depositDataRoot,
        uint256 bondRest,
        uint256 poolPart
    ) external;
    /// @notice Books an accepted report: the pool's claim moves by `poolDelta`, then `toBuffer` + `toInitiators` of
    /// the unbooked ETH is booked as withdrawn (the first from the pool's claim to its buffer).
    function bookReport(uint64 epoch, int256 poolDelta, uint256 toBuffer, uint256 toInitiators) external;
    /// @notice Pays an Exited mini-pool's initiator what was withdrawn for it.
    function payInitiator(address to, uint256 amount) external;
    /// @notice Asks the EIP-7002 contract (if configured) to exit `pubkey`; `msg.value` pays its fee.
    function requestExit(bytes calldata pubkey) external payable;
}
