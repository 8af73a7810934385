// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Operator} from "../CohortTypes.sol";
import {DepositDataRoot} from "./DepositDataRoot.sol";
import {ICohortMiniPools} from "./ICohortMiniPools.sol";
import {ICohortOracle} from "./ICohortOracle.sol";
import {ICohortPool} from "./ICohortPool.sol";
import {IdentityAddress} from "./IdentityAddress.sol";
import {IOperatorRegistry} from "./IOperatorRegistry.sol";
import {MiniPoolState, MiniPoolView, PoolConfig} from "./PoolTypes.sol";

/// @title Cohort mini-pools
/// @notice See ICohortMiniPools. A separate contract from the pool (one concept each, and together they would pass the
/// 24 KB code limit); the pool holds all ETH, this contract holds the lifecycle and the per-validator accounting.
///
/// Accounting is per validator: `booked` is its value on the beacon chain as last booked (32 ETH at funding), of
/// which `initiatorClaim` is the initiator's and the rest is in the pool's `beaconAssets`. A report gives each covered
/// validator's balance b and the withdrawals w seen since the last report; its value is now b + w. A gain, capped by
/// the APR ceiling over the epochs since it was last booked, goes pro rata bond : (32 − bond) and the initiator also
/// takes `initiatorCommissionBps` of the pool's part; a loss is taken from that validator's initiator claim first, so
/// one validator's slashing hits its own initiator's bond. Then w leaves `booked`: the pool's claim first (to its
/// buffer), the rest to the initiator's held ETH. Division remainders go to the pool, so no wei is lost.
contract CohortMiniPools is ICohortMiniPools {
    using SafeCast for uint256;

    uint256 private constant BPS = 10_000;
    uint256 private constant VALIDATOR_DEPOSIT = 32 ether;
    uint256 private constant YEAR = 365 days;
    uint8 private constant ALL_CONFIRMED = 0x0f;
    /// The bond's first deposit for a new key (Rocket Pool's pre-launch deposit): enough to make the beacon chain
    /// record the key's credentials, small enough that a front-run only costs the initiator.
    uint256 public constant PRE_DEPOSIT = 1 ether;

    address public immutable pool;
    address public immutable registry;
    address public immutable oracle;

    struct MiniPool {
        uint64[4] operatorIds;
        address[4] members;
        MiniPoolState state;
        uint32 attempt;
        uint8 confirmations;
        bool bondReturned;
        uint64 fundedEpoch;
        uint64 bookedEpoch;
        address owner;
        uint256 bond;
        uint256 booked;
        uint256 initiatorClaim;
        uint256 initiatorHeld;
        /// Position + 1 in `_active` while funded and not Exited.
        uint256 activeSlot;
        /// keccak256 of the first confirmation of the current attempt; later ones must match.
        bytes32 resultHash;
        bytes validatorPubkey;
        bytes depositSignature;
        bytes32 depositDataRoot;
    }

    /// Running sums of one report's booking.
    struct Booking {
        uint256 totalBalance;
        int256 delta;
        int256 poolDelta;
        uint256 toBuffer;
        uint256 toInitiators;
    }

    mapping(uint256 id => MiniPool) private _miniPools;
    uint256 public miniPoolCount;
    uint256[] private _readyQueue;
    uint256 private _readyHead;
    uint256[] private _active;
    mapping(address account => uint64 operatorId) public operatorOfIdentity;
    mapping(uint64 operatorId => uint256) public activeMiniPoolsOf;
    mapping(uint64 operatorId => bool) public acceptsMiniPools;
    uint256 public servingOperators;
    /// Keys of mini-pools past their DKG: a second deposit to one would only add to the same validator.
    mapping(bytes32 pubkeyHash => bool) private _pubkeyUsed;
    uint256 public totalInitiatorBalance;

    modifier onlyOracle() {
        if (msg.sender != oracle) revert OnlyOracle();
        _;
    }

    constructor(address pool_, address registry_, address oracle_) {
        pool = pool_;
        registry = registry_;
        oracle = oracle_;
    }

    // ───────────────────────────── lifecycle ─────────────────────────────

    function setAcceptsMiniPools(uint64 operatorId, bool accepts) external {
        if (_activeOperator(operatorId).owner != msg.sender) revert NotOperatorOwner(operatorId);
        acceptsMiniPools[operatorId] = accepts;
        emit MiniPoolOptIn(operatorId, accepts);
    }

    function createMiniPool(uint64[4] calldata operatorIds) external payable returns (uint256 id) {
        PoolConfig memory config = ICohortPool(pool).poolConfig();
        if (msg.value != config.initiatorBond) revert WrongBond(config.initiatorBond);
        id = miniPoolCount++;
        MiniPool storage m = _miniPools[id];
        uint256 verified;
        for (uint256 i; i < 4; ++i) {
            uint64 operatorId = operatorIds[i];
            for (uint256 j; j < i; ++j) {
                if (operatorIds[j] == operatorId) revert DuplicateOperator(operatorId);
            }
            Operator memory op = _activeOperator(operatorId);
            if (i == 0 && op.owner != msg.sender) revert NotInitiator(operatorId);
            // The initiator consents by calling; the others must have said they take mini-pool work.
            if (i != 0 && !acceptsMiniPools[operatorId]) revert OperatorNotOptedIn(operatorId);
            if (op.verified) ++verified;
            address member = IdentityAddress.fromCompressed(op.identityKey);
            if (member == address(0)) revert InvalidIdentityKey(operatorId);
            m.members[i] = member;
            operatorOfIdentity[member] = operatorId;
        }
        if (verified < config.minVerifiedOperators) {
            revert NotEnoughVerifiedOperators(config.minVerifiedOperators, verified);
        }
        m.operatorIds = operatorIds;
        m.owner = msg.sender;
        m.bond = msg.value;
        emit MiniPoolCreated(id, operatorIds[0], operatorIds, msg.sender);
        ICohortPool(pool).depositBond{value: msg.value}();
    }

    function confirmDkg(uint256 id, bytes calldata validatorPubkey, bytes calldata depositSignature, bytes32 root)
        external
    {
        MiniPool storage m = _inState(id, MiniPoolState.AwaitingDkg);
        uint256 index = _memberIndex(m, id);
        uint64 operatorId = m.operatorIds[index];
        uint8 bit = uint8(1 << index);
        if (m.confirmations & bit != 0) revert AlreadyConfirmed(id, operatorId);
        if (validatorPubkey.length != 48) revert InvalidPubkeyLength(validatorPubkey.length);
        if (depositSignature.length != 96) revert InvalidSignatureLength(depositSignature.length);
        bytes32 computed =
            DepositDataRoot.compute(validatorPubkey, withdrawalCredentials(), depositSignature, _gwei(PRE_DEPOSIT));
        if (computed != root) revert InvalidDepositDataRoot(computed);
        // The root follows from the other two, so they identify the result.
        bytes32 resultHash = keccak256(abi.encode(validatorPubkey, depositSignature));
        bytes32 pubkeyHash = keccak256(validatorPubkey);
        if (_pubkeyUsed[pubkeyHash]) revert PubkeyAlreadyUsed();
        if (IOperatorRegistry(registry).getValidator(validatorPubkey).owner != address(0)) revert PubkeyAlreadyUsed();

        if (m.confirmations == 0) {
            m.resultHash = resultHash;
            m.validatorPubkey = validatorPubkey;
            m.depositSignature = depositSignature;
            m.depositDataRoot = root;
        } else if (resultHash != m.resultHash) {
            // Not a revert: the attempt must end on-chain so the initiator can retry or cancel.
            m.state = MiniPoolState.Failed;
            emit DkgConflict(id, operatorId);
            return;
        }
        m.confirmations |= bit;
        emit DkgConfirmed(id, operatorId);
        if (m.confirmations == ALL_CONFIRMED) {
            m.state = MiniPoolState.PendingVerification;
            _pubkeyUsed[pubkeyHash] = true;
            emit MiniPoolReady(id, validatorPubkey);
            ICohortPool(pool).preDeposit(validatorPubkey, depositSignature, root, PRE_DEPOSIT);
        }
    }

    function reportDkgFailure(uint256 id, uint64[] calldata culprits) external {
        MiniPool storage m = _inState(id, MiniPoolState.AwaitingDkg);
        uint64 reporter = m.operatorIds[_memberIndex(m, id)];
        m.state = MiniPoolState.Failed;
        emit DkgFailed(id, reporter, culprits);
    }

    function retryDkg(uint256 id) external {
        MiniPool storage m = _inState(id, MiniPoolState.Failed);
        if (msg.sender != m.owner) revert NotInitiator(m.operatorIds[0]);
        m.state = MiniPoolState.AwaitingDkg;
        m.attempt += 1;
        _clearResult(m);
        emit DkgRetry(id, m.attempt);
    }

    function cancelMiniPool(uint256 id) external {
        MiniPool storage m = _existing(id);
        MiniPoolState s = m.state;
        bool preDeposited = s == MiniPoolState.PendingVerification || s == MiniPoolState.Ready;
        if (s != MiniPoolState.AwaitingDkg && s != MiniPoolState.Failed && !preDeposited) revert WrongState(id, s);
        if (msg.sender != m.owner) revert NotInitiator(m.operatorIds[0]);
        m.state = MiniPoolState.Cancelled;
        // A pre-deposit stays on the beacon chain below the activation balance: the initiator's loss, not the pool's.
        uint256 refund = preDeposited ? m.bond - PRE_DEPOSIT : m.bond;
        if (!preDeposited) _clearResult(m);
        emit MiniPoolCancelled(id, refund);
        ICohortPool(pool).refundBond(m.owner, refund);
    }

    function fundNext() external returns (uint256 id) {
        // Cancelled entries are skipped; each is passed once.
        while (_readyHead < _readyQueue.length && _miniPools[_readyQueue[_readyHead]].state != MiniPoolState.Ready) {
            _readyHead += 1;
        }
        if (_readyHead == _readyQueue.length) revert NoMiniPoolReady();
        id = _readyQueue[_readyHead];
        MiniPool storage m = _miniPools[id];
        uint256 poolPart = VALIDATOR_DEPOSIT - m.bond;
        uint256 free = ICohortPool(pool).freeEth();
        if (free < poolPart) revert InsufficientPoolEth(poolPart, free);
        _readyHead += 1;
        m.state = MiniPoolState.Active;
        uint64 epoch = ICohortOracle(oracle).currentEpoch();
        m.fundedEpoch = epoch;
        m.bookedEpoch = epoch;
        m.booked = VALIDATOR_DEPOSIT;
        m.initiatorClaim = m.bond;
        totalInitiatorBalance += m.bond;
        _active.push(id);
        m.activeSlot = _active.length;
        for (uint256 i; i < 4; ++i) {
            if (activeMiniPoolsOf[m.operatorIds[i]]++ == 0) servingOperators += 1;
        }
        emit MiniPoolFunded(id, m.validatorPubkey);
        uint256 topUp = VALIDATOR_DEPOSIT - PRE_DEPOSIT;
        // The deposit contract checks only the root; the beacon chain checks the signature only on a key's first deposit.
        bytes32 root = DepositDataRoot.compute(m.validatorPubkey, withdrawalCredentials(), m.depositSignature, _gwei(topUp));
        ICohortPool(pool).fundValidator(m.validatorPubkey, m.depositSignature, root, m.bond - PRE_DEPOSIT, poolPart);
    }

    function requestExit(uint256 id) external payable {
        MiniPool storage m = _inState(id, MiniPoolState.Active);
        if (msg.sender != m.owner && msg.sender != ICohortPool(pool).owner()) revert NotOwnerOrGovernance(id);
        m.state = MiniPoolState.Exiting;
        emit ExitRequested(id, msg.sender);
        ICohortPool(pool).requestExit{value: msg.value}(m.validatorPubkey);
    }

    function claimBond(uint256 id) external {
        MiniPool storage m = _inState(id, MiniPoolState.Exited);
        if (msg.sender != m.owner) revert NotInitiator(m.operatorIds[0]);
        if (m.bondReturned) revert BondAlreadyReturned(id);
        m.bondReturned = true;
        uint256 amount = m.initiatorHeld;
        m.initiatorHeld = 0;
        emit BondReturned(id, msg.sender, amount);
        ICohortPool(pool).payInitiator(msg.sender, amount);
    }

    // ───────────────────────────── oracle hooks ─────────────────────────────

    function markVerified(uint256 id) external onlyOracle {
        _inState(id, MiniPoolState.PendingVerification).state = MiniPoolState.Ready;
        _readyQueue.push(id);
        emit MiniPoolVerified(id);
    }

    function requirePendingVerification(uint256 id) external view {
        _inState(id, MiniPoolState.PendingVerification);
    }

    function previewReport(
        uint64 epoch,
        uint256[] calldata ids,
        uint64[] calldata balancesGwei,
        uint64[] calldata withdrawnGwei
    ) external view returns (uint256 loss, uint256 covered) {
        _checkSet(epoch, ids);
        for (uint256 i; i < ids.length; ++i) {
            uint256 booked = _miniPools[ids[i]].booked;
            uint256 value = _wei(balancesGwei[i]) + _wei(withdrawnGwei[i]);
            covered += booked;
            if (value < booked) loss += booked - value;
        }
    }

    function applyReport(
        uint64 epoch,
        uint256[] calldata ids,
        uint64[] calldata balancesGwei,
        uint64[] calldata withdrawnGwei
    ) external onlyOracle returns (uint256 totalBalance, int256 delta) {
        _checkSet(epoch, ids);
        PoolConfig memory config = ICohortPool(pool).poolConfig();
        uint256 secondsPerEpoch = ICohortOracle(oracle).secondsPerEpoch();
        Booking memory b;
        uint256 initiatorsBefore = totalInitiatorBalance;
        for (uint256 i; i < ids.length; ++i) {
            _book(ids[i], epoch, _wei(balancesGwei[i]), _wei(withdrawnGwei[i]), config, secondsPerEpoch, b);
        }
        int256 initiatorsDelta = totalInitiatorBalance.toInt256() - initiatorsBefore.toInt256();
        emit RewardsDistributed(epoch, b.delta, initiatorsDelta, b.poolDelta);
        ICohortPool(pool).bookReport(epoch, b.poolDelta, b.toBuffer, b.toInitiators);
        return (b.totalBalance, b.delta);
    }

    // ───────────────────────────── views ─────────────────────────────

    function miniPool(uint256 id) external view returns (MiniPoolView memory) {
        MiniPool storage m = _existing(id);
        return MiniPoolView({
            initiator: m.operatorIds[0],
            operatorIds: m.operatorIds,
            state: m.state,
            attempt: m.attempt,
            validatorPubkey: m.validatorPubkey,
            depositSignature: m.depositSignature,
            depositDataRoot: m.depositDataRoot,
            bond: m.bond,
            owner: m.owner,
            confirmations: m.confirmations,
            fundedEpoch: m.fundedEpoch,
            booked: m.booked,
            initiatorClaim: m.initiatorClaim,
            initiatorHeld: m.initiatorHeld,
            bondReturned: m.bondReturned
        });
    }

    function readyQueue() external view returns (uint256[] memory ids) {
        ids = new uint256[](_readyQueue.length - _readyHead);
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = _readyQueue[_readyHead + i];
        }
    }

    function activeMiniPools() external view returns (uint256[] memory) {
        return _active;
    }

    function initiatorBalance(uint256 id) external view returns (uint256) {
        MiniPool storage m = _existing(id);
        if (m.state == MiniPoolState.Active || m.state == MiniPoolState.Exiting) return m.initiatorClaim;
        if (m.state == MiniPoolState.Exited) return m.initiatorHeld;
        return m.bond;
    }

    function isMember(uint256 id, uint64 operatorId) external view returns (bool) {
        MiniPool storage m = _existing(id);
        for (uint256 i; i < 4; ++i) {
            if (m.operatorIds[i] == operatorId) return true;
        }
        return false;
    }

    function servingMembers(uint256 id) external view returns (uint256 count) {
        MiniPool storage m = _existing(id);
        for (uint256 i; i < 4; ++i) {
            if (activeMiniPoolsOf[m.operatorIds[i]] != 0) ++count;
        }
    }

    function identityAddress(uint64 operatorId) external view returns (address) {
        return IdentityAddress.fromCompressed(IOperatorRegistry(registry).getOperator(operatorId).identityKey);
    }

    function depositDataRoot(bytes calldata pubkey, bytes calldata signature) external view returns (bytes32) {
        if (pubkey.length != 48) revert InvalidPubkeyLength(pubkey.length);
        if (signature.length != 96) revert InvalidSignatureLength(signature.length);
        return DepositDataRoot.compute(pubkey, withdrawalCredentials(), signature, _gwei(PRE_DEPOSIT));
    }

    function withdrawalCredentials() public view returns (bytes32) {
        return ICohortPool(pool).withdrawalCredentials();
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev A report must cover exactly the funded, not Exited validators funded before its epoch, each once: a
    /// validator funded after the nodes computed it keeps its booked value instead of counting as lost.
    function _checkSet(uint64 epoch, uint256[] calldata ids) private view {
        for (uint256 i; i < ids.length; ++i) {
            if (i != 0 && ids[i] <= ids[i - 1]) revert NotInReportSet(ids[i]);
            if (ids[i] >= miniPoolCount) revert NotInReportSet(ids[i]);
            MiniPool storage m = _miniPools[ids[i]];
            if (m.activeSlot == 0 || m.fundedEpoch >= epoch) revert NotInReportSet(ids[i]);
        }
        uint256 expected;
        for (uint256 i; i < _active.length; ++i) {
            if (_miniPools[_active[i]].fundedEpoch < epoch) ++expected;
        }
        if (expected != ids.length) revert ReportSetMismatch(expected, ids.length);
    }

    function _book(
        uint256 id,
        uint64 epoch,
        uint256 balance,
        uint256 withdrawn,
        PoolConfig memory config,
        uint256 secondsPerEpoch,
        Booking memory b
    ) private {
        MiniPool storage m = _miniPools[id];
        uint256 old = m.booked;
        (uint256 newValue, uint256 claim) = _revalue(m, epoch, balance + withdrawn, config, secondsPerEpoch, b);
        b.delta += newValue.toInt256() - old.toInt256();
        // Withdrawn ETH leaves the validator's value: the pool's claim first (into its buffer), then the initiator's.
        uint256 moved = withdrawn < newValue ? withdrawn : newValue;
        uint256 poolClaim = newValue - claim;
        uint256 fromPool = moved < poolClaim ? moved : poolClaim;
        claim -= moved - fromPool;
        m.initiatorHeld += moved - fromPool;
        b.toBuffer += fromPool;
        b.toInitiators += moved - fromPool;
        totalInitiatorBalance = totalInitiatorBalance - m.initiatorClaim + claim;
        m.initiatorClaim = claim;
        m.booked = newValue - moved;
        m.bookedEpoch = epoch;
        b.totalBalance += balance;
        if (balance == 0) _exit(id, m);
    }

    /// @dev The validator's new booked value and initiator claim for its reported value; adds the pool's part to `b`.
    function _revalue(
        MiniPool storage m,
        uint64 epoch,
        uint256 value,
        PoolConfig memory config,
        uint256 secondsPerEpoch,
        Booking memory b
    ) private view returns (uint256 newValue, uint256 claim) {
        uint256 old = m.booked;
        claim = m.initiatorClaim;
        if (value >= old) {
            // APR ceiling: what a validator can earn in the elapsed epochs; more waits for later reports.
            uint256 cap = (old * config.maxAprBps * uint256(epoch - m.bookedEpoch) * secondsPerEpoch) / (BPS * YEAR);
            uint256 gain = value - old < cap ? value - old : cap;
            uint256 bondPart = (gain * m.bond) / VALIDATOR_DEPOSIT;
            uint256 toInitiator = bondPart + ((gain - bondPart) * config.initiatorCommissionBps) / BPS;
            claim += toInitiator;
            b.poolDelta += (gain - toInitiator).toInt256();
            newValue = old + gain;
        } else {
            uint256 loss = old - value;
            uint256 fromInitiator = loss < claim ? loss : claim;
            claim -= fromInitiator;
            b.poolDelta -= (loss - fromInitiator).toInt256();
            newValue = value;
        }
    }

    /// @dev Balance zero on the beacon chain (a validator it does not know yet is reported at its deposit): withdrawn.
    function _exit(uint256 id, MiniPool storage m) private {
        m.state = MiniPoolState.Exited;
        uint256 slot = m.activeSlot;
        uint256 last = _active[_active.length - 1];
        _active[slot - 1] = last;
        _miniPools[last].activeSlot = slot;
        _active.pop();
        m.activeSlot = 0;
        for (uint256 i; i < 4; ++i) {
            if (--activeMiniPoolsOf[m.operatorIds[i]] == 0) servingOperators -= 1;
        }
        emit MiniPoolExited(id, m.initiatorHeld);
    }

    function _existing(uint256 id) private view returns (MiniPool storage m) {
        if (id >= miniPoolCount) revert MiniPoolNotFound(id);
        m = _miniPools[id];
    }

    function _inState(uint256 id, MiniPoolState state) private view returns (MiniPool storage m) {
        m = _existing(id);
        if (m.state != state) revert WrongState(id, m.state);
    }

    function _memberIndex(MiniPool storage m, uint256 id) private view returns (uint256) {
        for (uint256 i; i < 4; ++i) {
            if (m.members[i] == msg.sender) return i;
        }
        revert NotCommitteeMember(id);
    }

    function _activeOperator(uint64 operatorId) private view returns (Operator memory op) {
        IOperatorRegistry r = IOperatorRegistry(registry);
        // getOperator's own error would not decode against this contract's ABI, so check first.
        if (operatorId == 0 || operatorId > r.operatorCount()) revert OperatorNotActive(operatorId);
        op = r.getOperator(operatorId);
        if (!op.active) revert OperatorNotActive(operatorId);
    }

    function _clearResult(MiniPool storage m) private {
        m.confirmations = 0;
        m.resultHash = 0;
        delete m.validatorPubkey;
        delete m.depositSignature;
        m.depositDataRoot = 0;
    }

    function _gwei(uint256 amountWei) private pure returns (uint64) {
        return uint64(amountWei / 1 gwei);
    }

    function _wei(uint64 amountGwei) private pure returns (uint256) {
        return uint256(amountGwei) * 1 gwei;
    }
}
