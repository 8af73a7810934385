// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Operator} from "../CohortTypes.sol";
import {DepositDataRoot} from "./DepositDataRoot.sol";
import {ICohortMiniPools} from "./ICohortMiniPools.sol";
import {ICohortPool} from "./ICohortPool.sol";
import {IdentityAddress} from "./IdentityAddress.sol";
import {IOperatorRegistry} from "./IOperatorRegistry.sol";
import {MiniPoolState, MiniPoolView, PoolConfig} from "./PoolTypes.sol";

/// @title Cohort mini-pools
/// @notice See ICohortMiniPools. A separate contract from the pool (one concept each, and together they would pass the
/// 24 KB code limit); the pool holds all ETH, this contract holds the lifecycle and the per-mini-pool accounting.
///
/// Reward accounting: the Active mini-pools' beacon balance is accounted as Σ initiator balances + the pool's
/// `beaconAssets` (each funding adds bond + (32 − bond)). A report's delta against that is split equally between the
/// Active mini-pools (the report carries only the total); each share goes pro rata bond : (32 − bond), and the
/// initiator also takes `initiatorCommissionBps` of the pool's part. A loss share is taken from that mini-pool's
/// initiator balance first and only the rest from the pool. Division remainders go to the pool, so no wei is lost.
/// Cost is O(Active mini-pools) per accepted report.
contract CohortMiniPools is ICohortMiniPools {
    using SafeCast for uint256;

    uint256 private constant BPS = 10_000;
    uint256 private constant VALIDATOR_DEPOSIT = 32 ether;
    uint8 private constant ALL_CONFIRMED = 0x0f;

    address public immutable pool;
    address public immutable registry;
    address public immutable oracle;

    struct MiniPool {
        uint64[4] operatorIds;
        address[4] members;
        MiniPoolState state;
        uint32 attempt;
        uint8 confirmations;
        address owner;
        uint256 bond;
        uint256 initiatorBalance;
        /// keccak256 of the first confirmation of the current attempt; later ones must match.
        bytes32 resultHash;
        bytes validatorPubkey;
        bytes depositSignature;
        bytes32 depositDataRoot;
    }

    mapping(uint256 id => MiniPool) private _miniPools;
    uint256 public miniPoolCount;
    uint256[] private _readyQueue;
    uint256 private _readyHead;
    uint256[] private _active;
    mapping(address account => uint64 operatorId) public operatorOfIdentity;
    mapping(uint64 operatorId => uint256) public activeMiniPoolsOf;
    /// Validator keys of Ready or funded mini-pools: a second deposit to one would only add to the same validator.
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
        bytes32 computed = DepositDataRoot.compute(validatorPubkey, withdrawalCredentials(), depositSignature);
        if (computed != root) revert InvalidDepositDataRoot(computed);
        // The root follows from the other two, so they identify the result.
        bytes32 resultHash = keccak256(abi.encode(validatorPubkey, depositSignature));
        bytes32 pubkeyHash = keccak256(validatorPubkey);
        if (_pubkeyUsed[pubkeyHash]) revert PubkeyAlreadyUsed();

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
            m.state = MiniPoolState.Ready;
            _pubkeyUsed[pubkeyHash] = true;
            _readyQueue.push(id);
            emit MiniPoolReady(id, validatorPubkey);
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
        if (m.state != MiniPoolState.AwaitingDkg && m.state != MiniPoolState.Failed) revert WrongState(id, m.state);
        if (msg.sender != m.owner) revert NotInitiator(m.operatorIds[0]);
        m.state = MiniPoolState.Cancelled;
        _clearResult(m);
        uint256 bond = m.bond;
        emit MiniPoolCancelled(id, bond);
        ICohortPool(pool).refundBond(m.owner, bond);
    }

    function fundNext() external returns (uint256 id) {
        if (_readyHead == _readyQueue.length) revert NoMiniPoolReady();
        id = _readyQueue[_readyHead];
        MiniPool storage m = _miniPools[id];
        uint256 poolPart = VALIDATOR_DEPOSIT - m.bond;
        uint256 free = ICohortPool(pool).freeEth();
        if (free < poolPart) revert InsufficientPoolEth(poolPart, free);
        _readyHead += 1;
        m.state = MiniPoolState.Active;
        m.initiatorBalance = m.bond;
        totalInitiatorBalance += m.bond;
        _active.push(id);
        for (uint256 i; i < 4; ++i) {
            activeMiniPoolsOf[m.operatorIds[i]] += 1;
        }
        emit MiniPoolFunded(id, m.validatorPubkey);
        ICohortPool(pool).fundValidator(m.validatorPubkey, m.depositSignature, m.depositDataRoot, m.bond);
    }

    function applyReport(uint64 epoch, uint256 totalBalance) external onlyOracle returns (int256 delta) {
        uint256 poolClaim = ICohortPool(pool).beaconAssets();
        delta = totalBalance.toInt256() - (totalInitiatorBalance + poolClaim).toInt256();
        int256 poolDelta;
        if (_active.length == 0) poolDelta = delta;
        else if (delta >= 0) poolDelta = _distributeGain(uint256(delta)).toInt256();
        else poolDelta = -_distributeLoss(uint256(-delta), poolClaim).toInt256();
        emit RewardsDistributed(epoch, delta, delta - poolDelta, poolDelta);
        ICohortPool(pool).applyBeaconDelta(epoch, poolDelta);
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
            confirmations: m.confirmations
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
        return m.state == MiniPoolState.Active ? m.initiatorBalance : m.bond;
    }

    function identityAddress(uint64 operatorId) external view returns (address) {
        return IdentityAddress.fromCompressed(IOperatorRegistry(registry).getOperator(operatorId).identityKey);
    }

    function depositDataRoot(bytes calldata pubkey, bytes calldata signature) external view returns (bytes32) {
        if (pubkey.length != 48) revert InvalidPubkeyLength(pubkey.length);
        if (signature.length != 96) revert InvalidSignatureLength(signature.length);
        return DepositDataRoot.compute(pubkey, withdrawalCredentials(), signature);
    }

    function withdrawalCredentials() public view returns (bytes32) {
        return ICohortPool(pool).withdrawalCredentials();
    }

    // ───────────────────────────── internals ─────────────────────────────

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

    /// @dev Returns the pool's part of `gain`.
    function _distributeGain(uint256 gain) private returns (uint256 poolPart) {
        uint256 count = _active.length;
        uint256 share = gain / count;
        uint256 commissionBps = ICohortPool(pool).initiatorCommissionBps();
        uint256 toInitiators;
        for (uint256 i; i < count; ++i) {
            MiniPool storage m = _miniPools[_active[i]];
            uint256 bondPart = (share * m.bond) / VALIDATOR_DEPOSIT;
            uint256 commission = ((share - bondPart) * commissionBps) / BPS;
            m.initiatorBalance += bondPart + commission;
            toInitiators += bondPart + commission;
        }
        totalInitiatorBalance += toInitiators;
        poolPart = gain - toInitiators;
    }

    /// @dev Returns the pool's part of `loss`, at most `poolClaim` while initiators still have balance.
    function _distributeLoss(uint256 loss, uint256 poolClaim) private returns (uint256 poolPart) {
        uint256 count = _active.length;
        uint256 share = loss / count;
        uint256 fromInitiators;
        for (uint256 i; i < count; ++i) {
            fromInitiators += _takeFromInitiator(_miniPools[_active[i]], share);
        }
        poolPart = loss - fromInitiators;
        // Rare: some initiators were wiped out and the pool cannot cover their excess; the others pay the rest.
        for (uint256 i; i < count && poolPart > poolClaim; ++i) {
            uint256 taken = _takeFromInitiator(_miniPools[_active[i]], poolPart - poolClaim);
            fromInitiators += taken;
            poolPart -= taken;
        }
        totalInitiatorBalance -= fromInitiators;
    }

    function _takeFromInitiator(MiniPool storage m, uint256 amount) private returns (uint256 taken) {
        taken = amount < m.initiatorBalance ? amount : m.initiatorBalance;
        m.initiatorBalance -= taken;
    }
}
