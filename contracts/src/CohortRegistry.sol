// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {CohortConfig, Committee, FeeDeclaration, Operator, Validator} from "./CohortTypes.sol";
import {ICohortRegistry} from "./ICohortRegistry.sol";
import {BlsSignature} from "./BlsSignature.sol";
import {KeysharesPayload} from "./KeysharesPayload.sol";
import {IdentityAddress} from "./pool/IdentityAddress.sol";

/// @title Cohort registry
/// @notice Operators, validators, committee accounts and the governance parameters of the Cohort network.
/// This address is the one the sdk binds into share encryption and ownership proofs.
///
/// Fee accounting (lazy, O(committee size) per call, no loops over validators):
/// each operator keeps a fee index — the fee one validator has owed it since it registered — that grows by `fee` per
/// block; the network keeps the same for `networkFee`. A committee stores its balance and the sum of its operators'
/// indices plus the network index at its last settlement; what it owes since is (index growth) × validatorCount.
/// Operators and the network accrue fee × (their validator count) per block. Both sides grow by the same amount every
/// block, so: tokens held + badDebt == Σ operator earnings + network earnings + Σ committee balances, at every block.
/// A committee's balance can go negative if nobody liquidates it in time; liquidation then books the shortfall as bad
/// debt (the runway parameter exists to make that rare).
contract CohortRegistry is ICohortRegistry, Ownable2Step {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_NAME_LENGTH = 64;
    /// A config change waits this long after it is proposed, so owners can react (top up, withdraw, leave) before, say,
    /// a larger runway makes their committees liquidatable.
    uint256 public constant CONFIG_TIMELOCK = 2 days;
    /// Bounds on governance parameters: no value inside them can overflow fee arithmetic or lock operators out.
    uint256 private constant MAX_OPERATOR_FEE_BOUND = 1e21;
    uint256 private constant MAX_FEE_TIMELOCK = 30 days;
    uint256 private constant MAX_FEE_EXECUTION_WINDOW = 30 days;
    uint256 private constant MAX_LIQUIDATION_RUNWAY = 1_000_000;
    uint256 private constant MAX_MIN_COLLATERAL = 1e24;
    uint256 private constant MAX_VALIDATORS_PER_OPERATOR_BOUND = 100_000;
    /// Bounds on the multiaddrs an operator publishes. The contract only bounds their size: nodes parse them and skip
    /// what they cannot dial, so garbage costs its publisher only.
    uint256 private constant MAX_ENDPOINTS = 4;
    uint256 private constant MAX_ENDPOINT_LENGTH = 128;
    /// Domain tag of the identity key's proof of possession (sdk/src/ownership/identity.ts computes the same digest).
    string private constant IDENTITY_TAG = "cohort/identity/v1";
    /// Domain tag of the validator ownership message (sdk/src/ownership/proof.ts ownershipMessage).
    string private constant OWNERSHIP_TAG = "cohort/ownership/v1";

    IERC20 public immutable token;

    CohortConfig private _config;
    CohortConfig private _pendingConfig;
    /// When the pending config may be executed; 0 when none is pending.
    uint64 public pendingConfigExecutableAt;

    /// Last operator id handed out; ids start at 1.
    uint64 public operatorCount;
    mapping(uint64 operatorId => Operator) private _operators;
    mapping(uint64 operatorId => FeeDeclaration) private _feeDeclarations;
    mapping(uint64 operatorId => mapping(address owner => bool)) public isAllowed;
    mapping(bytes32 identityKeyHash => uint64 operatorId) public operatorIdByIdentityKey;
    /// Where the operator's node listens (multiaddrs, e.g. /ip4/1.2.3.4/tcp/9000); peers dial these.
    mapping(uint64 operatorId => string[]) private _endpoints;

    mapping(bytes32 committeeId => Committee) private _committees;
    mapping(bytes32 publicKeyHash => Validator) private _validators;
    /// Execution-layer fee recipient the owner chose; zero means the owner. Kept apart from `Validator` so
    /// `getValidator`'s shape stays what nodes decode, and so registrations that keep the default write nothing.
    mapping(bytes32 publicKeyHash => address) private _feeRecipients;
    /// Registrations must quote the owner's current nonce, which the payload's ownership proof also signs, so an old
    /// registration cannot be replayed.
    mapping(address owner => uint256) public nonces;

    uint256 private _networkFeeIndex;
    uint256 private _networkEarnings;
    uint64 private _networkSnapshotBlock;
    /// Validators in active committees: the ones the network fee is charged for.
    uint256 public activeValidatorCount;
    /// The pool system's oracle, the only caller of `deactivateOperator`.
    address public poolOracle;
    /// Shortfall of committees liquidated with a negative balance: earnings already credited that no collateral covers.
    uint256 public badDebt;

    constructor(IERC20 token_, address governance, CohortConfig memory config_) Ownable(governance) {
        token = token_;
        _checkConfig(config_);
        _config = config_;
        _networkSnapshotBlock = uint64(block.number);
        emit ConfigUpdated(config_);
    }

    // ───────────────────────────── governance ─────────────────────────────

    /// @notice Disabled: without an owner no parameter could ever change again and network earnings would be stuck.
    function renounceOwnership() public view override onlyOwner {
        revert OwnershipCannotBeRenounced();
    }

    function config() external view returns (CohortConfig memory) {
        return _config;
    }

    /// @notice Announce a config change; it can be executed after CONFIG_TIMELOCK. A new proposal replaces the pending
    /// one (and restarts the timelock).
    function proposeConfig(CohortConfig calldata config_) external onlyOwner {
        _checkConfig(config_);
        _pendingConfig = config_;
        uint64 executableAt = uint64(block.timestamp + CONFIG_TIMELOCK);
        pendingConfigExecutableAt = executableAt;
        emit ConfigProposed(config_, executableAt);
    }

    function executeConfig() external onlyOwner {
        uint64 executableAt = pendingConfigExecutableAt;
        if (executableAt == 0) revert NoConfigProposed();
        if (block.timestamp < executableAt) revert ConfigTimelockNotElapsed(executableAt);
        CohortConfig memory next = _pendingConfig;
        delete _pendingConfig;
        pendingConfigExecutableAt = 0;
        // Fees accrued so far are owed at the old network fee.
        _settleNetwork();
        _config = next;
        emit ConfigUpdated(next);
    }

    function cancelConfig() external onlyOwner {
        if (pendingConfigExecutableAt == 0) revert NoConfigProposed();
        delete _pendingConfig;
        pendingConfigExecutableAt = 0;
        emit ConfigProposalCancelled();
    }

    function pendingConfig() external view returns (CohortConfig memory) {
        return _pendingConfig;
    }

    function setOperatorVerified(uint64 operatorId, bool verified) external onlyOwner {
        _activeOperator(operatorId).verified = verified;
        emit OperatorVerified(operatorId, verified);
    }

    function setPoolOracle(address oracle) external onlyOwner {
        poolOracle = oracle;
        emit PoolOracleUpdated(oracle);
    }

    /// @notice The pool oracle retires an operator whose measured performance fell below the governance minimum. Its
    /// earnings are paid out now and its fee drops to 0 (an inactive operator cannot withdraw later); it stays
    /// registered, with its identity, so its committees keep working until their validators are moved.
    function deactivateOperator(uint64 operatorId) external {
        if (msg.sender != poolOracle) revert NotPoolOracle();
        Operator storage op = _activeOperator(operatorId);
        _settleOperator(op);
        op.active = false;
        op.fee = 0;
        uint256 earnings = op.earnings;
        op.earnings = 0;
        delete _feeDeclarations[operatorId];
        emit OperatorDeactivated(operatorId);
        if (earnings != 0) {
            token.safeTransfer(op.owner, earnings);
            emit OperatorEarningsWithdrawn(operatorId, op.owner, earnings);
        }
    }

    function withdrawNetworkEarnings(address to, uint256 amount) external onlyOwner {
        if (amount == 0) revert ZeroAmount();
        _settleNetwork();
        if (amount > _networkEarnings) revert InsufficientEarnings(_networkEarnings);
        _networkEarnings -= amount;
        token.safeTransfer(to, amount);
        emit NetworkEarningsWithdrawn(to, amount);
    }

    function networkEarnings() public view returns (uint256) {
        return _networkEarnings + (block.number - _networkSnapshotBlock) * _config.networkFee * activeValidatorCount;
    }

    // ───────────────────────────── operators ─────────────────────────────

    function registerOperator(
        bytes calldata identityKey,
        bytes32 encryptionKey,
        string calldata name,
        uint256 fee,
        string[] calldata endpoints,
        bytes calldata identityProof
    ) external returns (uint64 operatorId) {
        bytes32 identityHash = _checkNewOperator(identityKey, encryptionKey, name, fee);
        _checkIdentityProof(identityKey, identityProof);
        operatorId = ++operatorCount;
        operatorIdByIdentityKey[identityHash] = operatorId;
        Operator storage op = _operators[operatorId];
        op.owner = msg.sender;
        op.active = true;
        op.fee = fee;
        op.snapshotBlock = uint40(block.number);
        op.identityKey = identityKey;
        op.encryptionKey = encryptionKey;
        op.name = name;
        emit OperatorAdded(operatorId, msg.sender, identityKey, encryptionKey, name, fee);
        _setEndpoints(operatorId, endpoints);
    }

    /// @notice Publish where the operator's node now listens; peers redial from the event.
    function setOperatorEndpoints(uint64 operatorId, string[] calldata endpoints) external {
        _ownedOperator(operatorId);
        _setEndpoints(operatorId, endpoints);
    }

    function operatorEndpoints(uint64 operatorId) external view returns (string[] memory) {
        return _endpoints[operatorId];
    }

    /// @notice Leave the network. Pays out remaining earnings; the id is never reused.
    function removeOperator(uint64 operatorId) external {
        Operator storage op = _ownedOperator(operatorId);
        if (op.validatorCount != 0) revert OperatorHasValidators(op.validatorCount);
        _settleOperator(op);
        uint256 earnings = op.earnings;
        op.earnings = 0;
        op.active = false;
        op.fee = 0;
        delete operatorIdByIdentityKey[keccak256(op.identityKey)];
        delete _feeDeclarations[operatorId];
        emit OperatorRemoved(operatorId);
        if (earnings != 0) {
            token.safeTransfer(msg.sender, earnings);
            emit OperatorEarningsWithdrawn(operatorId, msg.sender, earnings);
        }
    }

    /// @notice Announce a fee raise; it can be executed after the timelock, within the execution window.
    /// A raise is capped relative to the current fee, so an operator at fee 0 can never raise (by design: otherwise
    /// dropping to 0 and raising would bypass the cap).
    function declareOperatorFee(uint64 operatorId, uint256 fee) external {
        Operator storage op = _ownedOperator(operatorId);
        if (fee <= op.fee) revert FeeNotAnIncrease(op.fee);
        uint256 maxFee = op.fee + (op.fee * _config.maxFeeIncreaseBps) / BPS;
        if (maxFee > _config.maxOperatorFee) maxFee = _config.maxOperatorFee;
        if (fee > maxFee) revert FeeIncreaseTooLarge(maxFee);
        uint64 executableAt = uint64(block.timestamp + _config.feeDeclareTimelock);
        uint64 expiresAt = uint64(executableAt + _config.feeExecutionWindow);
        _feeDeclarations[operatorId] = FeeDeclaration(fee, executableAt, expiresAt);
        emit OperatorFeeDeclared(operatorId, fee, executableAt, expiresAt);
    }

    function executeOperatorFee(uint64 operatorId) external {
        Operator storage op = _ownedOperator(operatorId);
        FeeDeclaration memory declaration = _feeDeclarations[operatorId];
        if (declaration.executableAt == 0) revert NoFeeDeclared();
        if (block.timestamp < declaration.executableAt) revert FeeTimelockNotElapsed(declaration.executableAt);
        if (block.timestamp > declaration.expiresAt) revert FeeDeclarationExpired(declaration.expiresAt);
        _settleOperator(op);
        op.fee = declaration.fee;
        delete _feeDeclarations[operatorId];
        emit OperatorFeeUpdated(operatorId, declaration.fee);
    }

    function cancelDeclaredOperatorFee(uint64 operatorId) external {
        _ownedOperator(operatorId);
        if (_feeDeclarations[operatorId].executableAt == 0) revert NoFeeDeclared();
        delete _feeDeclarations[operatorId];
        emit OperatorFeeDeclarationCancelled(operatorId);
    }

    /// @notice Lower the fee at once. Drops any pending raise, which was capped against the old, higher fee.
    function reduceOperatorFee(uint64 operatorId, uint256 fee) external {
        Operator storage op = _ownedOperator(operatorId);
        if (fee >= op.fee) revert FeeNotADecrease(op.fee);
        _settleOperator(op);
        op.fee = fee;
        if (_feeDeclarations[operatorId].executableAt != 0) {
            delete _feeDeclarations[operatorId];
            emit OperatorFeeDeclarationCancelled(operatorId);
        }
        emit OperatorFeeUpdated(operatorId, fee);
    }

    /// @notice A private operator only accepts validators from owners on its allow-list. Existing validators stay.
    function setOperatorPrivacy(uint64 operatorId, bool privateMode) external {
        _ownedOperator(operatorId).privateMode = privateMode;
        emit OperatorPrivacyUpdated(operatorId, privateMode);
    }

    function setOperatorAllowList(uint64 operatorId, address[] calldata owners, bool allowed) external {
        _ownedOperator(operatorId);
        for (uint256 i; i < owners.length; ++i) {
            isAllowed[operatorId][owners[i]] = allowed;
        }
        emit OperatorAllowListUpdated(operatorId, owners, allowed);
    }

    function withdrawOperatorEarnings(uint64 operatorId, uint256 amount) external {
        Operator storage op = _ownedOperator(operatorId);
        if (amount == 0) revert ZeroAmount();
        _settleOperator(op);
        if (amount > op.earnings) revert InsufficientEarnings(op.earnings);
        op.earnings -= amount;
        token.safeTransfer(msg.sender, amount);
        emit OperatorEarningsWithdrawn(operatorId, msg.sender, amount);
    }

    /// @notice The operator with its earnings and fee index brought up to the current block.
    function getOperator(uint64 operatorId) external view returns (Operator memory op) {
        if (operatorId == 0 || operatorId > operatorCount) revert OperatorNotFound(operatorId);
        op = _operators[operatorId];
        uint256 blocks = block.number - op.snapshotBlock;
        op.earnings += blocks * op.fee * op.validatorCount;
        op.feeIndex += blocks * op.fee;
        op.snapshotBlock = uint40(block.number);
    }

    function getFeeDeclaration(uint64 operatorId) external view returns (FeeDeclaration memory) {
        return _feeDeclarations[operatorId];
    }

    // ───────────────────────────── validators ─────────────────────────────

    function registerValidator(
        bytes calldata publicKey,
        uint64[] calldata operatorIds,
        bytes calldata payload,
        uint256 nonce,
        uint256 amount
    ) external {
        bytes32 id = _joinCommittee(msg.sender, operatorIds, 1, amount);
        _addValidator(id, operatorIds, publicKey, payload, _useNonce(nonce, 1));
        _requireCollateral(id, operatorIds);
        _pull(amount);
    }

    /// @notice Register several validators into one committee; nonces are nonce, nonce+1, … in array order.
    function bulkRegisterValidators(
        bytes[] calldata publicKeys,
        uint64[] calldata operatorIds,
        bytes[] calldata payloads,
        uint256 nonce,
        uint256 amount
    ) external {
        uint256 count = publicKeys.length;
        if (count == 0) revert EmptyBatch();
        if (payloads.length != count) revert BatchLengthMismatch();
        bytes32 id = _joinCommittee(msg.sender, operatorIds, count, amount);
        _useNonce(nonce, count);
        for (uint256 i; i < count; ++i) {
            _addValidator(id, operatorIds, publicKeys[i], payloads[i], nonce + i);
        }
        _requireCollateral(id, operatorIds);
        _pull(amount);
    }

    /// @notice Stop a validator's service. Also allowed in a liquidated committee, so owners can clean up.
    function removeValidator(bytes calldata publicKey, uint64[] calldata operatorIds) external {
        bytes32 publicKeyHash = _ownedValidator(publicKey, operatorIds);
        _leaveCommittee(committeeId(msg.sender, operatorIds), operatorIds);
        delete _validators[publicKeyHash];
        // A later owner of the same key starts from the default, not from this owner's choice.
        delete _feeRecipients[publicKeyHash];
        emit ValidatorRemoved(msg.sender, operatorIds, publicKey);
    }

    /// @notice Ask the committee to submit a voluntary exit. Nothing changes on-chain until the owner removes it.
    function exitValidator(bytes calldata publicKey, uint64[] calldata operatorIds) external {
        _ownedValidator(publicKey, operatorIds);
        emit ValidatorExitRequested(msg.sender, operatorIds, publicKey);
    }

    /// @notice Key-share restoration: hand the validator to a new committee with freshly split and encrypted shares.
    /// Takes a nonce like a registration because the new payload carries a new ownership proof.
    function moveValidator(
        bytes calldata publicKey,
        uint64[] calldata oldOperatorIds,
        uint64[] calldata operatorIds,
        bytes calldata payload,
        uint256 nonce,
        uint256 amount
    ) external {
        bytes32 id = _switchCommittee(publicKey, oldOperatorIds, operatorIds, amount);
        KeysharesPayload.check(payload, operatorIds.length, publicKey);
        _useNonce(nonce, 1);
        _checkOwnership(publicKey, payload, nonce);
        _requireCollateral(id, operatorIds);
        _pull(amount);
        emit ValidatorCommitteeChanged(msg.sender, publicKey, oldOperatorIds, operatorIds, payload, nonce);
    }

    /// @notice Where block proposals of this validator pay execution rewards. `address(0)` resets to the owner.
    /// Nodes learn the effective recipient from events alone: the owner in `ValidatorAdded`, then the address of each
    /// `FeeRecipientUpdated` for the key, until `ValidatorRemoved` (a re-registration starts from its owner again).
    function setFeeRecipient(bytes calldata publicKey, address feeRecipient) external {
        bytes32 h = keccak256(publicKey);
        address owner = _validators[h].owner;
        if (owner == address(0)) revert ValidatorNotFound();
        if (owner != msg.sender) revert NotValidatorOwner();
        _feeRecipients[h] = feeRecipient == owner ? address(0) : feeRecipient;
        emit FeeRecipientUpdated(publicKey, feeRecipient == address(0) ? owner : feeRecipient);
    }

    /// @notice The effective fee recipient: the one the owner set, or the owner.
    function feeRecipientOf(bytes calldata publicKey) external view returns (address) {
        bytes32 h = keccak256(publicKey);
        address owner = _validators[h].owner;
        if (owner == address(0)) revert ValidatorNotFound();
        address chosen = _feeRecipients[h];
        return chosen == address(0) ? owner : chosen;
    }

    /// @notice What a validator key signs (BLS, Ethereum DST) to register or move under `owner` with `nonce`: it binds
    /// chain, registry, owner and nonce, so a proof can be neither replayed nor used by another owner.
    function ownershipMessage(address owner, uint256 nonce) public view returns (bytes32) {
        return keccak256(abi.encodePacked(OWNERSHIP_TAG, block.chainid, address(this), owner, nonce));
    }

    function getValidator(bytes calldata publicKey) external view returns (Validator memory) {
        return _validators[keccak256(publicKey)];
    }

    // ───────────────────────────── committees ─────────────────────────────

    function committeeId(address owner, uint64[] calldata operatorIds) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(owner, operatorIds));
    }

    /// @notice Anyone may top up any committee; only its owner can take funds out.
    function deposit(address owner, uint64[] calldata operatorIds, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        bytes32 id = committeeId(owner, operatorIds);
        Committee storage c = _existingCommittee(id);
        if (c.active) _settleCommittee(c, operatorIds);
        c.balance += amount.toInt256();
        _pull(amount);
        emit CommitteeDeposited(owner, operatorIds, msg.sender, amount);
    }

    function withdraw(uint64[] calldata operatorIds, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        bytes32 id = committeeId(msg.sender, operatorIds);
        Committee storage c = _existingCommittee(id);
        if (c.active) _settleCommittee(c, operatorIds);
        if (c.balance < amount.toInt256()) revert InsufficientBalance(c.balance > 0 ? uint256(c.balance) : 0);
        c.balance -= amount.toInt256();
        _requireCollateral(id, operatorIds);
        token.safeTransfer(msg.sender, amount);
        emit CommitteeWithdrawn(msg.sender, operatorIds, amount);
    }

    /// @notice Anyone may liquidate a committee whose balance no longer covers the runway; they receive what is left.
    function liquidate(address owner, uint64[] calldata operatorIds) external {
        Committee storage c = _committees[committeeId(owner, operatorIds)];
        if (!c.active || c.validatorCount == 0) revert CommitteeNotLiquidatable();
        _settleCommittee(c, operatorIds);
        if (c.balance >= _requiredCollateral(operatorIds, c.validatorCount).toInt256()) revert CommitteeNotLiquidatable();
        _detachValidators(operatorIds, c.validatorCount);
        c.active = false;
        int256 balance = c.balance;
        c.balance = 0;
        uint256 collateral;
        uint256 shortfall;
        if (balance > 0) collateral = uint256(balance);
        else shortfall = uint256(-balance);
        badDebt += shortfall;
        if (collateral != 0) token.safeTransfer(msg.sender, collateral);
        emit CommitteeLiquidated(owner, operatorIds, msg.sender, collateral, shortfall);
    }

    function reactivate(uint64[] calldata operatorIds, uint256 amount) external {
        bytes32 id = committeeId(msg.sender, operatorIds);
        Committee storage c = _committees[id];
        if (c.active) revert CommitteeAlreadyActive();
        if (c.validatorCount == 0) revert CommitteeNotFound();
        _checkOperators(msg.sender, operatorIds, c.validatorCount);
        _startCharging(c, operatorIds);
        _attachValidators(operatorIds, c.validatorCount);
        c.balance += amount.toInt256();
        _requireCollateral(id, operatorIds);
        _pull(amount);
        emit CommitteeReactivated(msg.sender, operatorIds, amount);
    }

    function getCommittee(address owner, uint64[] calldata operatorIds) external view returns (Committee memory) {
        return _committees[committeeId(owner, operatorIds)];
    }

    /// @notice Balance at the current block. Negative means the committee has run dry and owes its operators.
    function committeeBalance(address owner, uint64[] calldata operatorIds) public view returns (int256) {
        Committee storage c = _committees[committeeId(owner, operatorIds)];
        return _balanceNow(c, operatorIds);
    }

    function isLiquidatable(address owner, uint64[] calldata operatorIds) external view returns (bool) {
        Committee storage c = _committees[committeeId(owner, operatorIds)];
        if (!c.active || c.validatorCount == 0) return false;
        return _balanceNow(c, operatorIds) < _requiredCollateral(operatorIds, c.validatorCount).toInt256();
    }

    /// @notice Fee-token wei the committee pays per block now (network fee + its operators' fees, per validator); 0
    /// while it is liquidated.
    function committeeBurnRate(address owner, uint64[] calldata operatorIds) public view returns (uint256) {
        Committee storage c = _committees[committeeId(owner, operatorIds)];
        return c.active ? _burnRate(operatorIds) * c.validatorCount : 0;
    }

    /// @notice First block at which the committee can be liquidated if nobody deposits and fees stay as they are:
    /// the current block when it already can, `type(uint256).max` when it never will (liquidated, empty, or free).
    function liquidationBlock(address owner, uint64[] calldata operatorIds) external view returns (uint256) {
        Committee storage c = _committees[committeeId(owner, operatorIds)];
        if (!c.active || c.validatorCount == 0) return type(uint256).max;
        int256 balance = _balanceNow(c, operatorIds);
        int256 required = _requiredCollateral(operatorIds, c.validatorCount).toInt256();
        if (balance < required) return block.number;
        uint256 burn = _burnRate(operatorIds) * c.validatorCount;
        if (burn == 0) return type(uint256).max;
        // Liquidatable at now + k once balance − burn·k < required, i.e. k > (balance − required) / burn.
        return block.number + uint256(balance - required) / burn + 1;
    }

    /// @notice What to deposit now so that, with `addedValidators` more validators, the committee stays out of
    /// liquidation for `blocks` more blocks at today's fees: the collateral floor plus `blocks` of burn, minus the
    /// balance (0 when it already has that). Also the amount a liquidated committee needs to reactivate (blocks = 0).
    function topUpNeeded(address owner, uint64[] calldata operatorIds, uint256 addedValidators, uint256 blocks)
        external
        view
        returns (uint256)
    {
        Committee storage c = _committees[committeeId(owner, operatorIds)];
        uint256 count = c.validatorCount + addedValidators;
        if (count == 0) return 0;
        int256 target = (_requiredCollateral(operatorIds, count) + _burnRate(operatorIds) * count * blocks).toInt256();
        int256 balance = _balanceNow(c, operatorIds);
        return balance >= target ? 0 : uint256(target - balance);
    }

    /// @notice Least balance a committee of `validatorCount` validators on these operators must keep.
    function requiredCollateral(uint64[] calldata operatorIds, uint256 validatorCount) external view returns (uint256) {
        return _requiredCollateral(operatorIds, validatorCount);
    }

    // ───────────────────────────── internals ─────────────────────────────

    function _checkConfig(CohortConfig memory c) private pure {
        if (c.feeExecutionWindow == 0) revert FeeExecutionWindowZero();
        if (c.maxFeeIncreaseBps > BPS) revert MaxFeeIncreaseTooLarge(BPS);
        if (c.maxValidatorsPerOperator == 0) revert MaxValidatorsPerOperatorZero();
        _bound("maxOperatorFee", c.maxOperatorFee, MAX_OPERATOR_FEE_BOUND);
        _bound("networkFee", c.networkFee, c.maxOperatorFee);
        _bound("feeDeclareTimelock", c.feeDeclareTimelock, MAX_FEE_TIMELOCK);
        _bound("feeExecutionWindow", c.feeExecutionWindow, MAX_FEE_EXECUTION_WINDOW);
        _bound("liquidationRunway", c.liquidationRunway, MAX_LIQUIDATION_RUNWAY);
        _bound("minCollateral", c.minCollateral, MAX_MIN_COLLATERAL);
        _bound("maxValidatorsPerOperator", c.maxValidatorsPerOperator, MAX_VALIDATORS_PER_OPERATOR_BOUND);
    }

    function _bound(string memory parameter, uint256 value, uint256 max) private pure {
        if (value > max) revert ConfigParameterTooLarge(parameter, max);
    }

    function _activeOperator(uint64 operatorId) private view returns (Operator storage op) {
        op = _operators[operatorId];
        if (!op.active) revert OperatorNotFound(operatorId);
    }

    function _ownedOperator(uint64 operatorId) private view returns (Operator storage op) {
        op = _activeOperator(operatorId);
        if (op.owner != msg.sender) revert NotOperatorOwner(operatorId);
    }

    function _checkNewOperator(bytes calldata identityKey, bytes32 encryptionKey, string calldata name, uint256 fee)
        private
        view
        returns (bytes32 identityHash)
    {
        identityHash = keccak256(identityKey);
        uint64 holder = operatorIdByIdentityKey[identityHash];
        // One identity per operator: peers authenticate each other by it, so two operators sharing one would be ambiguous.
        if (holder != 0) revert IdentityKeyInUse(holder);
        if (encryptionKey == bytes32(0)) revert InvalidEncryptionKey();
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > MAX_NAME_LENGTH) revert InvalidOperatorName();
        if (fee > _config.maxOperatorFee) revert FeeTooHigh(_config.maxOperatorFee);
    }

    /// @dev The identity key must be a curve point whose holder signed (chain, registry, caller): without it anyone
    /// could copy a key from a pending registration and register it first, locking the real operator out.
    function _checkIdentityProof(bytes calldata identityKey, bytes calldata proof) private view {
        address holder = IdentityAddress.fromCompressed(identityKey);
        if (holder == address(0)) revert InvalidIdentityKey();
        if (proof.length != 65) revert InvalidIdentityProof();
        bytes32 digest = keccak256(abi.encodePacked(IDENTITY_TAG, block.chainid, address(this), msg.sender));
        if (ecrecover(digest, uint8(proof[64]), bytes32(proof[0:32]), bytes32(proof[32:64])) != holder) {
            revert InvalidIdentityProof();
        }
    }

    function _setEndpoints(uint64 operatorId, string[] calldata endpoints) private {
        uint256 count = endpoints.length;
        if (count > MAX_ENDPOINTS) revert InvalidEndpoints();
        for (uint256 i; i < count; ++i) {
            uint256 length = bytes(endpoints[i]).length;
            if (length == 0 || length > MAX_ENDPOINT_LENGTH) revert InvalidEndpoints();
        }
        string[] storage stored = _endpoints[operatorId];
        // The legacy code generator cannot copy a calldata string[] to storage in one assignment.
        while (stored.length != 0) stored.pop();
        for (uint256 i; i < count; ++i) {
            stored.push(endpoints[i]);
        }
        emit OperatorEndpointsUpdated(operatorId, endpoints);
    }

    function _settleOperator(Operator storage op) private {
        uint256 blocks = block.number - op.snapshotBlock;
        if (blocks == 0) return;
        op.earnings += blocks * op.fee * op.validatorCount;
        op.feeIndex += blocks * op.fee;
        op.snapshotBlock = uint40(block.number);
    }

    function _operatorIndexNow(Operator storage op) private view returns (uint256) {
        return op.feeIndex + (block.number - op.snapshotBlock) * op.fee;
    }

    function _networkIndexNow() private view returns (uint256) {
        return _networkFeeIndex + (block.number - _networkSnapshotBlock) * _config.networkFee;
    }

    function _settleNetwork() private {
        _networkEarnings = networkEarnings();
        _networkFeeIndex = _networkIndexNow();
        _networkSnapshotBlock = uint64(block.number);
    }

    /// @dev Committee shape, operator existence, privacy and capacity for `added` more validators.
    function _checkOperators(address owner, uint64[] calldata operatorIds, uint256 added) private view {
        uint256 n = operatorIds.length;
        if (n != 4 && n != 7 && n != 10 && n != 13) revert InvalidCommitteeSize(n);
        uint256 limit = _config.maxValidatorsPerOperator;
        for (uint256 i; i < n; ++i) {
            uint64 operatorId = operatorIds[i];
            if (i != 0 && operatorId <= operatorIds[i - 1]) revert CommitteeNotSorted();
            Operator storage op = _activeOperator(operatorId);
            if (op.privateMode && !isAllowed[operatorId][owner]) revert OwnerNotAllowed(operatorId);
            if (op.validatorCount + added > limit) revert OperatorValidatorLimitReached(operatorId, limit);
        }
    }

    function _operatorsIndexNow(uint64[] calldata operatorIds) private view returns (uint256 sum) {
        for (uint256 i; i < operatorIds.length; ++i) {
            sum += _operatorIndexNow(_operators[operatorIds[i]]);
        }
    }

    function _balanceNow(Committee storage c, uint64[] calldata operatorIds) private view returns (int256) {
        if (!c.active || c.validatorCount == 0) return c.balance;
        uint256 owed = (_operatorsIndexNow(operatorIds) - c.operatorsIndex + _networkIndexNow() - c.networkIndex)
            * c.validatorCount;
        return c.balance - owed.toInt256();
    }

    function _settleCommittee(Committee storage c, uint64[] calldata operatorIds) private {
        c.balance = _balanceNow(c, operatorIds);
        c.operatorsIndex = _operatorsIndexNow(operatorIds);
        c.networkIndex = _networkIndexNow();
    }

    /// @dev For a committee that is not being charged: nothing is owed for the time it was inactive.
    function _startCharging(Committee storage c, uint64[] calldata operatorIds) private {
        c.active = true;
        c.operatorsIndex = _operatorsIndexNow(operatorIds);
        c.networkIndex = _networkIndexNow();
    }

    /// @dev Per validator per block: the network fee plus every member's fee.
    function _burnRate(uint64[] calldata operatorIds) private view returns (uint256 rate) {
        rate = _config.networkFee;
        for (uint256 i; i < operatorIds.length; ++i) {
            rate += _operators[operatorIds[i]].fee;
        }
    }

    function _requiredCollateral(uint64[] calldata operatorIds, uint256 validatorCount) private view returns (uint256) {
        uint256 runwayCost = _burnRate(operatorIds) * validatorCount * _config.liquidationRunway;
        return runwayCost > _config.minCollateral ? runwayCost : _config.minCollateral;
    }

    function _requireCollateral(bytes32 id, uint64[] calldata operatorIds) private view {
        Committee storage c = _committees[id];
        if (!c.active || c.validatorCount == 0) return;
        uint256 required = _requiredCollateral(operatorIds, c.validatorCount);
        if (c.balance < required.toInt256()) {
            revert InsufficientCollateral(required, c.balance > 0 ? uint256(c.balance) : 0);
        }
    }

    function _existingCommittee(bytes32 id) private view returns (Committee storage c) {
        c = _committees[id];
        if (!c.active && c.validatorCount == 0 && c.balance == 0) revert CommitteeNotFound();
    }

    function _useNonce(uint256 nonce, uint256 count) private returns (uint256) {
        uint256 expected = nonces[msg.sender];
        if (nonce != expected) revert InvalidNonce(expected, nonce);
        nonces[msg.sender] = expected + count;
        return nonce;
    }

    function _pull(uint256 amount) private {
        if (amount != 0) token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev Adds `count` validators to the owner's committee on these operators and credits `amount` (pulled later).
    function _joinCommittee(address owner, uint64[] calldata operatorIds, uint256 count, uint256 amount)
        private
        returns (bytes32 id)
    {
        _checkOperators(owner, operatorIds, count);
        id = committeeId(owner, operatorIds);
        Committee storage c = _committees[id];
        if (c.active) {
            _settleCommittee(c, operatorIds);
        } else {
            // A liquidated committee keeps its validators; the owner must reactivate it rather than add to it.
            if (c.validatorCount != 0) revert CommitteeIsLiquidated();
            _startCharging(c, operatorIds);
        }
        _attachValidators(operatorIds, count);
        c.validatorCount += uint32(count);
        c.balance += amount.toInt256();
    }

    function _leaveCommittee(bytes32 id, uint64[] calldata operatorIds) private {
        Committee storage c = _committees[id];
        if (c.active) {
            _settleCommittee(c, operatorIds);
            _detachValidators(operatorIds, 1);
        }
        c.validatorCount -= 1;
        // The last validator gone from a committee that ran dry: book the shortfall now, or it would stay behind as
        // the negative balance of an empty account that nobody is made to pay (as liquidation books it).
        if (c.validatorCount == 0 && c.balance < 0) {
            uint256 shortfall = uint256(-c.balance);
            c.balance = 0;
            badDebt += shortfall;
            emit CommitteeBadDebt(msg.sender, operatorIds, shortfall);
        }
    }

    function _attachValidators(uint64[] calldata operatorIds, uint256 count) private {
        for (uint256 i; i < operatorIds.length; ++i) {
            Operator storage op = _operators[operatorIds[i]];
            _settleOperator(op);
            op.validatorCount += uint32(count);
        }
        _settleNetwork();
        activeValidatorCount += count;
    }

    function _detachValidators(uint64[] calldata operatorIds, uint256 count) private {
        for (uint256 i; i < operatorIds.length; ++i) {
            Operator storage op = _operators[operatorIds[i]];
            _settleOperator(op);
            op.validatorCount -= uint32(count);
        }
        _settleNetwork();
        activeValidatorCount -= count;
    }

    function _addValidator(
        bytes32 id,
        uint64[] calldata operatorIds,
        bytes calldata publicKey,
        bytes calldata payload,
        uint256 nonce
    ) private {
        if (publicKey.length != 48) revert InvalidPublicKeyLength(publicKey.length);
        KeysharesPayload.check(payload, operatorIds.length, publicKey);
        Validator storage v = _validators[keccak256(publicKey)];
        if (v.owner != address(0)) revert ValidatorAlreadyRegistered();
        // Last, as the most expensive check (≈ two pairings).
        _checkOwnership(publicKey, payload, nonce);
        v.owner = msg.sender;
        v.committeeId = id;
        emit ValidatorAdded(msg.sender, operatorIds, publicKey, payload, nonce);
    }

    /// @dev The payload's ownership signature must be the validator key's over `ownershipMessage(msg.sender, nonce)`.
    /// Without this check anyone could register a copied public key with a garbage payload and lock its owner out.
    function _checkOwnership(bytes calldata publicKey, bytes calldata payload, uint256 nonce) private view {
        bytes calldata signature = payload[KeysharesPayload.HEADER_LENGTH:KeysharesPayload.COMMITMENTS_OFFSET];
        if (!BlsSignature.verify(publicKey, signature, abi.encodePacked(ownershipMessage(msg.sender, nonce)))) {
            revert InvalidOwnershipProof();
        }
    }

    function _switchCommittee(
        bytes calldata publicKey,
        uint64[] calldata oldOperatorIds,
        uint64[] calldata operatorIds,
        uint256 amount
    ) private returns (bytes32 id) {
        bytes32 publicKeyHash = _ownedValidator(publicKey, oldOperatorIds);
        bytes32 oldId = committeeId(msg.sender, oldOperatorIds);
        id = committeeId(msg.sender, operatorIds);
        if (id == oldId) revert SameCommittee();
        _leaveCommittee(oldId, oldOperatorIds);
        _joinCommittee(msg.sender, operatorIds, 1, amount);
        _validators[publicKeyHash].committeeId = id;
    }

    /// @dev Reverts unless the caller owns the validator and it sits in the caller's committee on `operatorIds`.
    function _ownedValidator(bytes calldata publicKey, uint64[] calldata operatorIds) private view returns (bytes32 h) {
        h = keccak256(publicKey);
        Validator storage v = _validators[h];
        if (v.owner == address(0)) revert ValidatorNotFound();
        if (v.owner != msg.sender) revert NotValidatorOwner();
        if (v.committeeId != committeeId(msg.sender, operatorIds)) revert ValidatorNotInCommittee();
    }
}
