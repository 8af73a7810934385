// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The Ethereum address of a 33-byte compressed secp256k1 public key: keccak256(x ‖ y)[12:].
/// Operators register their node identity key compressed; the node holds its secret key, so this address is an account
/// the node can send transactions from. Decompression solves y² = x³ + 7 (mod p); since p ≡ 3 (mod 4) the root is
/// (x³ + 7)^((p+1)/4), computed with the modexp precompile (0x05) because Solidity has no cheap big exponentiation.
library IdentityAddress {
    uint256 private constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    uint256 private constant SQRT_EXPONENT = (P + 1) / 4;

    /// @dev Returns address(0) for a key that is not a point on the curve, so callers can raise their own error.
    function fromCompressed(bytes memory key) internal view returns (address) {
        if (key.length != 33) return address(0);
        uint8 prefix = uint8(key[0]);
        if (prefix != 0x02 && prefix != 0x03) return address(0);
        uint256 x;
        assembly ("memory-safe") {
            x := mload(add(key, 33))
        }
        if (x >= P) return address(0);
        uint256 rhs = addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
        uint256 y = _modExp(rhs, SQRT_EXPONENT, P);
        // Not every x has a root: then y² ≠ rhs and the key is not on the curve.
        if (mulmod(y, y, P) != rhs) return address(0);
        if ((y & 1) != (prefix & 1)) y = P - y;
        return address(uint160(uint256(keccak256(abi.encodePacked(x, y)))));
    }

    function _modExp(uint256 base, uint256 exponent, uint256 modulus) private view returns (uint256 result) {
        bool ok;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 32)
            mstore(add(ptr, 0x20), 32)
            mstore(add(ptr, 0x40), 32)
            mstore(add(ptr, 0x60), base)
            mstore(add(ptr, 0x80), exponent)
            mstore(add(ptr, 0xa0), modulus)
            ok := staticcall(gas(), 0x05, ptr, 0xc0, ptr, 0x20)
            result := mload(ptr)
        }
        require(ok);
    }
}
