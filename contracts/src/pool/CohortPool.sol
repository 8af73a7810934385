// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IDepositContract} from "./IDepositContract.sol";
import {ICohortOracle} from "./ICohortOracle.sol";
import {ICohortPool} from "./ICohortPool.sol";
import {PoolConfig} from "./PoolTypes.sol";

/// @title Cohort liquid staking pool (cETH)
/// @notice See ICohortPool. Withdrawal queue: each request records the running total of assets requested up to and
/// including it; `_queueFunded` is the running total of ETH set aside for the queue, so request i is claimable iff its
/// running total ≤ `_queueFunded`. Free ETH is set aside for the queue before it can fund validators, oldest first,
/// in O(1) per call. A request reserves its value at request, the most it can pay; a claim that pays less (the rate
/// fell) leaves the rest in the buffer.
contract CohortPool is ICohortPool, ERC20, Ownable2Step, ReentrancyGuard {
    uint256 private constant BPS = 10_000;
    uint256 private constant VALIDATOR_DEPOSIT = 32 ether;
    uint256 private constant COMMITTEE_SIZE = 4;
    /// Governance changes wait this long (Lido and Rocket Pool use days-long votes/timelocks for the same reason).
    uint256 public constant CONFIG_DELAY = 2 days;
    /// Minted once to DEAD, never burnt: the supply cannot return to zero, so no later depositor can buy leftover assets
    /// at 1:1 (Lido mints its initial holder's shares the same way).
    uint256 public constant DEAD_SHARES = 1 gwei;
    address public constant DEAD = 0x000000000000000000000000000000000000dEaD;

    address public immutable registry;
    address public immutable depositContract;
    address public immutable miniPools;
    address public immutable oracle;

    PoolConfig private _config;
    PoolConfig private _pending;
    uint256 private _pendingAt;

    /// Depositors' ETH held here, including what is set aside for the queue; excludes bonds and initiators' ETH.
    uint256 private _buffered;
    uint256 public bondsHeld;
    uint256 public initiatorsHeld;
    uint256 public beaconAssets;

    struct Request {
        address owner;
        bool claimed;
        uint256 shares;
        uint256 assets;
        uint256 cumulative;
    }

    Request[] private _requests;
    /// Running totals of assets requested, set aside and settled (paid or released), since deployment.
    uint256 private _queueRequested;
    uint256 private _queueFunded;
    uint256 private _queuePaid;

    modifier onlyMiniPools() {
        if (msg.sender != miniPools) revert OnlyMiniPools();
        _;
    }

    modifier noLossPending() {
        if (ICohortOracle(oracle).lossPending()) revert LossPending();
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

    /// @notice Beacon withdrawals (and anything else) arrive here unbooked; only a report can book them.
    receive() external payable {}

    // ───────────────────────────── staking ─────────────────────────────

    function deposit() external payable nonReentrant noLossPending returns (uint256 shares) {
        if (msg.value < _config.minDeposit || msg.value == 0) revert DepositTooSmall(_config.minDeposit);
        uint256 supply = totalSupply();
        if (supply == 0) {
            _mint(DEAD, DEAD_SHARES);
            shares = msg.value - DEAD_SHARES;
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
        uint256 assets = convertToAssets(shares);
        if (assets == 0) revert WithdrawalTooSmall();
        // Locked, not burnt: they keep bearing losses until the claim.
        _transfer(msg.sender, address(this), shares);
        _queueRequested += assets;
        requestId = _requests.length;
        _requests.push(Request(msg.sender, false, shares, assets, _queueRequested));
        _fundQueue();
        emit WithdrawalRequested(requestId, msg.sender, shares, assets);
    }

    function claimWithdrawal(uint256 requestId) external nonReentrant noLossPending {
        if (requestId >= _requests.length) revert WithdrawalNotFound(requestId);
        Request storage r = _requests[requestId];
        if (r.owner != msg.sender) revert NotRequestOwner(requestId);
        if (r.claimed) revert WithdrawalAlreadyClaimed(requestId);
        if (r.cumulative > _queueFunded) revert WithdrawalNotReady(requestId);
        r.claimed = true;
        uint256 payout = _payout(r);
        _burn(address(this), r.shares);
        // The whole reservation is settled; what is not paid stays in the buffer as free ETH.
        _queuePaid += r.assets;
        _buffered -= payout;
        emit WithdrawalClaimed(requestId, msg.sender, payout);
        _send(msg.sender, payout);
    }

    function totalAssets() public view returns (uint256) {
        return _buffered + beaconAssets;
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

    function unbookedEth() public view returns (uint256) {
        return address(this).balance - _buffered - bondsHeld - initiatorsHeld;
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

    function withdrawalShares(uint256 requestId) external view returns (uint256 shares, uint256 payout) {
        if (requestId >= _requests.length) revert WithdrawalNotFound(requestId);
        Request storage r = _requests[requestId];
        return (r.shares, r.claimed ? 0 : _payout(r));
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

    function proposePoolConfig(PoolConfig calldata config_) external onlyOwner {
        _checkConfig(config_);
        _pending = config_;
        _pendingAt = block.timestamp + CONFIG_DELAY;
        emit PoolConfigProposed(config_, _pendingAt);
    }

    function executePoolConfig() external {
        if (_pendingAt == 0) revert NoConfigProposed();
        if (block.timestamp < _pendingAt) revert ConfigTimelocked(_pendingAt);
        _config = _pending;
        _pendingAt = 0;
        emit PoolConfigUpdated(_config);
    }

    function pendingPoolConfig() external view returns (PoolConfig memory config_, uint256 executableAt) {
        return (_pending, _pendingAt);
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

    function preDeposit(bytes calldata pubkey, bytes calldata signature, bytes32 depositDataRoot, uint256 amount)
        external
        onlyMiniPools
        nonReentrant
    {
        bondsHeld -= amount;
        IDepositContract(depositContract).deposit{value: amount}(
            pubkey, abi.encodePacked(withdrawalCredentials()), signature, depositDataRoot
        );
    }

    function fundValidator(
        bytes calldata pubkey,
        bytes calldata signature,
        bytes32 depositDataRoot,
        uint256 bondRest,
        uint256 poolPart
    ) external onlyMiniPools nonReentrant {
        uint256 free = freeEth();
        if (free < poolPart) revert InsufficientFreeEth(poolPart, free);
        bondsHeld -= bondRest;
        _buffered -= poolPart;
        beaconAssets += poolPart;
        IDepositContract(depositContract).deposit{value: bondRest + poolPart}(
            pubkey, abi.encodePacked(withdrawalCredentials()), signature, depositDataRoot
        );
    }

    function bookReport(uint64 epoch, int256 poolDelta, uint256 toBuffer, uint256 toInitiators)
        external
        onlyMiniPools
    {
        uint256 unbooked = unbookedEth();
        if (toBuffer + toInitiators > unbooked) revert WithdrawalsExceedReceived(toBuffer + toInitiators, unbooked);
        if (poolDelta >= 0) {
            beaconAssets += uint256(poolDelta);
        } else {
            uint256 loss = uint256(-poolDelta);
            beaconAssets -= loss < beaconAssets ? loss : beaconAssets;
        }
        beaconAssets -= toBuffer;
        _buffered += toBuffer;
        initiatorsHeld += toInitiators;
        _fundQueue();
        if (toBuffer + toInitiators != 0) emit WithdrawalsBooked(epoch, toBuffer, toInitiators);
        emit ExchangeRateUpdated(epoch, totalAssets(), totalSupply());
    }

    function payInitiator(address to, uint256 amount) external onlyMiniPools nonReentrant {
        initiatorsHeld -= amount;
        _send(to, amount);
    }

    function requestExit(bytes calldata pubkey) external payable onlyMiniPools {
        address target = _config.exitRequestContract;
        if (target != address(0)) {
            // EIP-7002: pubkey ‖ amount (uint64 big-endian, 0 = full exit); msg.value pays the request fee. The
            // request must come from the credentials' address, which is this contract.
            (bool ok,) = target.call{value: msg.value}(abi.encodePacked(pubkey, uint64(0)));
            if (!ok) revert ExitRequestFailed();
        } else if (msg.value != 0) {
            revert ExitRequestFailed();
        }
        emit ExitRequested(pubkey, target != address(0));
    }

    // ───────────────────────────── internals ─────────────────────────────

    function _payout(Request storage r) private view returns (uint256) {
        uint256 now_ = convertToAssets(r.shares);
        return now_ < r.assets ? now_ : r.assets;
    }

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
        if (c.initiatorBond < 2 ether || c.initiatorBond > 16 ether || c.initiatorBond % 1 gwei != 0) {
            revert InvalidInitiatorBond(c.initiatorBond);
        }
        _bound(0, c.minDeposit, DEAD_SHARES + 1, 32 ether);
        _bound(2, c.minVerifiedOperators, 0, COMMITTEE_SIZE);
        _bound(3, c.oracleQuorum, COMMITTEE_SIZE + 1, 255);
        _bound(4, c.oracleQuorumBps, BPS / 2 + 1, BPS);
        _bound(5, c.initiatorCommissionBps, 0, 2_000);
        _bound(6, c.minPerformanceBps, 0, BPS);
        _bound(7, c.maxAprBps, 1, 5_000);
        _bound(8, c.maxInstantLossBps, 1, 5_000);
        _bound(9, c.lossDelay, 1 hours, 14 days);
    }

    function _bound(uint256 field, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ConfigOutOfBounds(field, value, min, max);
    }
}
