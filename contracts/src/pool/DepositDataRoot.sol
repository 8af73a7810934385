// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice hash_tree_root of a phase0 DepositData for a 32 ETH deposit, computed exactly as the beacon deposit contract
/// checks it, so a mini-pool can refuse a DKG result whose root would make the deposit revert (or, worse, whose
/// credentials point elsewhere).
library DepositDataRoot {
    /// 32 ETH in gwei (32e9 = 0x0773594000) as 8 little-endian bytes, left-aligned in a bytes8.
    bytes8 internal constant AMOUNT_32_ETH_LE = 0x0040597307000000;

    function compute(bytes calldata pubkey, bytes32 withdrawalCredentials, bytes calldata signature)
        internal
        pure
        returns (bytes32)
    {
        bytes32 pubkeyRoot = sha256(abi.encodePacked(pubkey, bytes16(0)));
        bytes32 signatureRoot = sha256(
            abi.encodePacked(sha256(abi.encodePacked(signature[:64])), sha256(abi.encodePacked(signature[64:], bytes32(0))))
        );
        return sha256(
            abi.encodePacked(
                sha256(abi.encodePacked(pubkeyRoot, withdrawalCredentials)),
                sha256(abi.encodePacked(AMOUNT_32_ETH_LE, bytes24(0), signatureRoot))
            )
        );
    }
}
