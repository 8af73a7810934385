// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IDepositContract} from "./IDepositContract.sol";
import {ICohortPool} from "./ICohortPool.sol";
import {PoolConfig} from "./PoolTypes.sol";

/// @title Cohort liquid staking pool (cETH)
/// @notice See ICohortPool. Withdrawal queue: each request records the running total of assets requested up to and
/// including it; `_queueFunded` is the running total of ETH set aside for the queue, so request i is claimable iff its
/// running total ≤ `_queueFunded`. Free ETH is set aside for the queue before it can fund validators, oldest first,
/// in O(1) per call.
contract CohortPool is ICohortPool, ERC20, Ownable2Step, ReentrancyGuard {
    uint256 private constant BPS = 10_000;
    uint256 private constant VALIDATOR_DEPOSIT = 32 ether;
    uint256 private constant COMMITTEE_SIZE = 4;

    address public immutable registry;
    address public immutable depositContract;
    address public immutable miniPools;
    address public immutable oracle;

    PoolConfig private _config;

    /// Depositors' ETH held here, including what is set aside for the queue; excludes bonds.
    uint256 private _buffered;
    uint256 public bondsHeld;
    uint256 public beaconAssets;

    struct Request {
        address owner;
        bool claimed;
        uint256 assets;
        uint256 cumulative;
    }

    Request[] private _requests;
    /// Running totals of assets requested, set aside and paid out, since deployment.
    uint256 private _queueRequested;
    uint256 private _queueFunded;
    uint256 private _queuePaid;

    modifier onlyMiniPools() {
        if (msg.sender != miniPools) revert OnlyMiniPools();
        _;
    }

    /// @dev `miniPools` and `oracle` are deployed after this contract; the deploy script passes their precomputed
    /// CREATE addresses so every link can be immutable.
    constructor(
        address registry_,
        address depositContract_,
        address miniPools_,
        address oracle_,
        address governance,
        PoolConfig memory config_
    ) ERC20("Cohort Staked ETH", "cETH") Ownable(governance) {
        registry = registry_;
        depositContract = depositContract_;
        miniPools = miniPools_;
        oracle = oracle_;
        _checkConfig(config_);
        _config = config_;
        emit PoolConfigUpdated(config_);
    }

    // ───────────────────────────── staking ─────────────────────────────

    function deposit() external payable nonReentrant returns (uint256 shares) {
        if (msg.value < _config.minDeposit || msg.value == 0) revert DepositTooSmall(_config.minDeposit);
        uint256 supply = totalSupply();
        if (supply == 0) {
            shares = msg.value;
        } else {
            uint256 assets = totalAssets();
            if (assets == 0) revert PoolInsolvent();
            shares = Math.mulDiv(msg.value, supply, assets);
        }
        if (shares == 0) revert DepositTooSmall(_config.minDeposit);
        _buffered += msg.value;
        _mint(msg.sender, shares);
        _fundQueue();
        emit Deposited(msg.sender, msg.value, shares);
    }

    function requestWithdrawal(uint256 shares) external nonReentrant returns (uint256 requestId) {
        if (shares == 0) revert ZeroAmount();
        // Value first: burning changes the supply the rate is computed from.
        uint256 assets = convertToAssets(shares);
        if (assets == 0) revert WithdrawalTooSmall();
        _burn(msg.sender, shares);
        _queueRequested += assets;
        requestId = _requests.length;
        _requests.push(Request(msg.sender, false, assets, _queueRequested));
        _fundQueue();
        emit WithdrawalRequested(requestId, msg.sender, shares, assets);
    }

    function claimWithdrawal(uint256 requestId) external nonReentrant {
        if (requestId >= _requests.length) revert WithdrawalNotFound(requestId);
        Request storage r = _requests[requestId];
        if (r.owner != msg.sender) revert NotRequestOwner(requestId);
        if (r.claimed) revert WithdrawalAlreadyClaimed(requestId);
        if (r.cumulative > _queueFunded) revert WithdrawalNotReady(requestId);
        r.claimed = true;
        uint256 assets = r.assets;
        _queuePaid += assets;
        _buffered -= assets;
        emit WithdrawalClaimed(requestId, msg.sender, assets);
        _send(msg.sender, assets);
    }

    function totalAssets() public view returns (uint256) {
        uint256 held = _buffered + beaconAssets;
        uint256 owed = _queueRequested - _queuePaid;
        // Losses after a request do not shrink it (its assets were fixed), so in a ruinous loss the queue could be owed
        // more than is left; the remaining holders then have nothing.
        return held > owed ? held - owed : 0;
    }

    function convertToShares(uint256 assets) public view returns (uint256) {
        uint256 supply = totalSupply();
        if (supply == 0) return assets;
        uint256 total = totalAssets();
        return total == 0 ? 0 : Math.mulDiv(assets, supply, total);
    }

    function convertToAssets(uint256 shares) public view returns (uint256) {
        uint256 supply = totalSupply();
        return supply == 0 ? shares : Math.mulDiv(shares, totalAssets(), supply);
    }

    function exchangeRate() external view returns (uint256) {
        return convertToAssets(1 ether);
    }

    function freeEth() public view returns (uint256) {
        return _buffered - (_queueFunded - _queuePaid);
    }

    function withdrawalRequest(uint256 requestId)
        external
        view
        returns (address owner_, uint256 assets, bool claimed, bool ready)
    {
        if (requestId >= _requests.length) revert WithdrawalNotFound(requestId);
        Request storage r = _requests[requestId];
        return (r.owner, r.assets, r.claimed, r.cumulative <= _queueFunded);
    }

    function queueLength() external view returns (uint256) {
        return _requests.length;
    }

    function nextUnfundedRequest() external view returns (uint256) {
        // Running totals are increasing, so the first unfunded request is found by binary search.
        uint256 low;
        uint256 high = _requests.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (_requests[mid].cumulative <= _queueFunded) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    function queuedAssets() external view returns (uint256) {
        return _queueRequested - _queuePaid;
    }

    function reservedForQueue() external view returns (uint256) {
        return _queueFunded - _queuePaid;
    }

    // ───────────────────────────── governance ─────────────────────────────

    /// @notice Disabled: without an owner no parameter could change and no operator could be deactivated.
    function renounceOwnership() public view override onlyOwner {
        revert OwnershipCannotBeRenounced();
    }

    function owner() public view override(Ownable, ICohortPool) returns (address) {
        return super.owner();
    }

    function poolConfig() external view returns (PoolConfig memory) {
        return _config;
    }

    function setPoolConfig(PoolConfig calldata config_) external onlyOwner {
        _checkConfig(config_);
        _config = config_;
        emit PoolConfigUpdated(config_);
    }

    function minDeposit() external view returns (uint256) {
        return _config.minDeposit;
    }

    function initiatorBond() external view returns (uint256) {
        return _config.initiatorBond;
    }

    function minVerifiedOperators() external view returns (uint256) {
        return _config.minVerifiedOperators;
    }

    function oracleQuorum() external view returns (uint256) {
        return _config.oracleQuorum;
    }

    function initiatorCommissionBps() external view returns (uint256) {
        return _config.initiatorCommissionBps;
    }

    function minPerformanceBps() external view returns (uint256) {
        return _config.minPerformanceBps;
    }

    function withdrawalCredentials() public view returns (bytes32) {
        return bytes32(uint256(uint160(address(this))) | (uint256(0x01) << 248));
    }

    // ───────────────────────────── mini-pool hooks ─────────────────────────────

    function depositBond() external payable onlyMiniPools {
        bondsHeld += msg.value;
    }

    function refundBond(address to, uint256 amount) external onlyMiniPools nonReentrant {
        bondsHeld -= amount;
        _send(to, amount);
    }

    function fundValidator(bytes calldata pubkey, bytes calldata signature, bytes32 depositDataRoot, uint256 bond)
        external
        onlyMiniPools
        nonReentrant
    {
        uint256 poolPart = VALIDATOR_DEPOSIT - bond;
        uint256 free = freeEth();
        if (free < poolPart) revert InsufficientFreeEth(poolPart, free);
        bondsHeld -= bond;
        _buffered -= poolPart;
        beaconAssets += poolPart;
        IDepositContract(depositContract).deposit{value: VALIDATOR_DEPOSIT}(
            pubkey, abi.encodePacked(withdrawalCredentials()), signature, depositDataRoot
        );
    }

    function applyBeaconDelta(uint64 epoch, int256 poolDelta) external onlyMiniPools {
        if (poolDelta >= 0) {
            beaconAssets += uint256(poolDelta);
        } else {
            uint256 loss = uint256(-poolDelta);
            beaconAssets -= loss < beaconAssets ? loss : beaconAssets;
        }
        emit ExchangeRateUpdated(epoch, totalAssets(), totalSupply());
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Sets free ETH aside for the oldest unfunded requests. Partial funding is kept: it belongs to the queue.
    function _fundQueue() private {
        uint256 unfunded = _queueRequested - _queueFunded;
        if (unfunded == 0) return;
        uint256 free = freeEth();
        _queueFunded += unfunded < free ? unfunded : free;
    }

    function _send(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert EthTransferFailed();
    }

    function _checkConfig(PoolConfig memory c) private pure {
        if (c.initiatorBond == 0 || c.initiatorBond >= VALIDATOR_DEPOSIT || c.initiatorBond % 1 gwei != 0) {
            revert InvalidInitiatorBond(c.initiatorBond);
        }
        if (c.oracleQuorum == 0) revert OracleQuorumZero();
        if (c.minVerifiedOperators > COMMITTEE_SIZE) revert MinVerifiedOperatorsTooLarge(COMMITTEE_SIZE);
        if (c.initiatorCommissionBps > BPS) revert BpsTooLarge(c.initiatorCommissionBps);
        if (c.minPerformanceBps > BPS) revert BpsTooLarge(c.minPerformanceBps);
    }
}
