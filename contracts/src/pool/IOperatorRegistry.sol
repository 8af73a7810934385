// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Operator, Validator} from "../CohortTypes.sol";

/// @notice The part of CohortRegistry the pool system reads, and its one hook into it.
interface IOperatorRegistry {
    function operatorCount() external view returns (uint64);
    function getOperator(uint64 operatorId) external view returns (Operator memory);
    /// @notice A registry validator (owner 0 if none): a mini-pool may not reuse its key.
    function getValidator(bytes calldata publicKey) external view returns (Validator memory);
    /// @notice Only the registry's `poolOracle` may call it.
    function deactivateOperator(uint64 operatorId) external;
}
