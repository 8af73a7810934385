// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The beacon deposit contract's entry point (the official 0.6.11 contract is in src/deposit/).
interface IDepositContract {
    function deposit(
        bytes calldata pubkey,
        bytes calldata withdrawalCredentials,
        bytes calldata signature,
        bytes32 depositDataRoot
    ) external payable;
}
