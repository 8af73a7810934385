// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice hash_tree_root of a phase0 DepositData, computed exactly as the beacon deposit contract checks it, so a
/// mini-pool can refuse a DKG result whose root would make the deposit revert (or, worse, whose credentials point
/// elsewhere), and can build the root of the top-up after the pre-deposit itself.
library DepositDataRoot {
    /// @dev `pubkey` must be 48 bytes and `signature` 96 (callers check).
    function compute(bytes memory pubkey, bytes32 withdrawalCredentials, bytes memory signature, uint64 amountGwei)
        internal
        pure
        returns (bytes32)
    {
        bytes32 pubkeyRoot = sha256(abi.encodePacked(pubkey, bytes16(0)));
        bytes32 s0;
        bytes32 s1;
        bytes32 s2;
        assembly ("memory-safe") {
            s0 := mload(add(signature, 32))
            s1 := mload(add(signature, 64))
            s2 := mload(add(signature, 96))
        }
        bytes32 signatureRoot =
            sha256(abi.encodePacked(sha256(abi.encodePacked(s0, s1)), sha256(abi.encodePacked(s2, bytes32(0)))));
        return sha256(
            abi.encodePacked(
                sha256(abi.encodePacked(pubkeyRoot, withdrawalCredentials)),
                sha256(abi.encodePacked(littleEndian64(amountGwei), bytes24(0), signatureRoot))
            )
        );
    }

    /// @dev As the deposit contract's to_little_endian_64.
    function littleEndian64(uint64 value) internal pure returns (bytes8) {
        uint64 r;
        for (uint256 i; i < 8; ++i) {
            r = (r << 8) | (value & 0xff);
            value >>= 8;
        }
        return bytes8(r);
    }
}
