// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice BLS signature verification as Ethereum validators sign (min-pubkey-size: 48-byte compressed G1 public keys,
/// 96-byte compressed G2 signatures, hash-to-G2 with DST BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_), on the EIP-2537
/// precompiles (Prague). The precompiles take uncompressed points, so both are decompressed here: Fp arithmetic on
/// 381-bit numbers held as (hi, lo) words, with every multiplication and exponentiation done by the modexp precompile.
/// hash_to_curve (RFC 9380): expand_message_xmd with SHA-256 to 256 bytes, four Fp elements reduced mod p, two
/// MAP_FP2_TO_G2 (which clears the cofactor) and one G2ADD. Verification is one PAIRING_CHECK of
/// e(pk, H(m)) · e(−G1, sig) = 1; the precompile also checks that both points are in their subgroups.
library BlsSignature {
    struct Fp {
        uint256 hi;
        uint256 lo;
    }

    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;
    bytes private constant P = hex"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";
    /// (p + 1) / 4: since p ≡ 3 (mod 4), a^((p+1)/4) is a square root of a whenever one exists.
    bytes private constant SQRT_EXP =
        hex"0680447a8e5ff9a692c6e9ed90d2eb35d91dd2e13ce144afd9cc34a83dac3d8907aaffffac54ffffee7fbfffffffeaab";
    /// p − 2: a^(p−2) = a⁻¹ (Fermat).
    bytes private constant INV_EXP =
        hex"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaa9";
    bytes private constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /// −G1 (the generator with y negated), uncompressed as EIP-2537 encodes it: x and y, each left-padded to 64 bytes.
    bytes private constant NEG_G1 =
        hex"0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
        hex"00000000000000000000000000000000114d1d6855d545a8aa7d76c8cf2e21f267816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca";

    address private constant G2ADD = address(0x0d);
    address private constant PAIRING_CHECK = address(0x0f);
    address private constant MAP_FP2_TO_G2 = address(0x11);

    /// @dev True iff `signature` is `publicKey`'s signature of `message`. False (never a revert) for encodings that are
    /// not points, the point at infinity, or points outside the subgroups.
    /// Deployed on its own and linked (an external library call), because inlined it would push the registry past
    /// the 24 KB code limit.
    function verify(bytes calldata publicKey, bytes calldata signature, bytes calldata message)
        external
        view
        returns (bool)
    {
        (bool okKey, bytes memory pk) = decompressG1(publicKey);
        if (!okKey) return false;
        (bool okSig, bytes memory sig) = decompressG2(signature);
        if (!okSig) return false;
        bytes memory input = bytes.concat(pk, _hashToG2(message), NEG_G1, sig);
        (bool ok, bytes memory out) = PAIRING_CHECK.staticcall(input);
        return ok && out.length == 32 && uint256(bytes32(out)) == 1;
    }

    // ─────────────────────────── hash to G2 ───────────────────────────

    /// @dev RFC 9380 hash_to_curve for BLS12381G2_XMD:SHA-256_SSWU_RO_ with the Ethereum POP DST; 256-byte G2 point.
    /// @notice hash_to_curve of `message`, exposed so tests can compare it with a reference implementation.
    function hashToG2(bytes calldata message) external view returns (bytes memory) {
        return _hashToG2(message);
    }

    function _hashToG2(bytes memory message) private view returns (bytes memory) {
        bytes memory uniform = expandMessageXmd(message);
        bytes memory q0 = _call(MAP_FP2_TO_G2, bytes.concat(_fieldElement(uniform, 0), _fieldElement(uniform, 64)));
        bytes memory q1 = _call(MAP_FP2_TO_G2, bytes.concat(_fieldElement(uniform, 128), _fieldElement(uniform, 192)));
        return _call(G2ADD, bytes.concat(q0, q1));
    }

    /// @dev expand_message_xmd(message, DST, 256) with SHA-256 (b_in_bytes 32, r_in_bytes 64, ell 8).
    function expandMessageXmd(bytes memory message) public pure returns (bytes memory uniform) {
        bytes memory dstPrime = bytes.concat(DST, bytes1(uint8(DST.length)));
        bytes32 b0 = sha256(bytes.concat(new bytes(64), message, hex"0100", hex"00", dstPrime));
        bytes32 bi = sha256(bytes.concat(b0, hex"01", dstPrime));
        uniform = bytes.concat(bi);
        for (uint8 i = 2; i <= 8; ++i) {
            bi = sha256(bytes.concat(b0 ^ bi, bytes1(i), dstPrime));
            uniform = bytes.concat(uniform, bi);
        }
    }

    /// @dev The 64-byte big-endian chunk at `offset` reduced mod p, as a 64-byte EIP-2537 field element.
    function _fieldElement(bytes memory uniform, uint256 offset) private view returns (bytes memory) {
        bytes memory chunk = new bytes(64);
        for (uint256 i; i < 64; ++i) {
            chunk[i] = uniform[offset + i];
        }
        return _encode(_modexp(chunk, hex"01"));
    }

    // ─────────────────────────── decompression ───────────────────────────

    /// @dev 48-byte compressed G1 point (ZCash flags: compressed, infinity, y sign) → 128-byte EIP-2537 encoding.
    function decompressG1(bytes calldata compressed) public view returns (bool, bytes memory) {
        if (compressed.length != 48) return (false, "");
        uint8 flags = uint8(compressed[0]);
        // Must be compressed (0x80) and not the point at infinity (0x40): a zero public key verifies everything.
        if (flags & 0xc0 != 0x80) return (false, "");
        Fp memory x = _read(compressed, 0);
        if (!_lt(x, Fp(P_HI, P_LO))) return (false, "");
        // y² = x³ + 4
        Fp memory rhs = _add(_pow(x, hex"03"), Fp(0, 4));
        (bool ok, Fp memory y) = _sqrt(rhs);
        if (!ok) return (false, "");
        if (_isLargest(y) != (flags & 0x20 != 0)) y = _neg(y);
        return (true, bytes.concat(_encode(x), _encode(y)));
    }

    /// @dev 96-byte compressed G2 point (x.c1 ‖ x.c0, flags on the first byte) → 256-byte EIP-2537 encoding.
    function decompressG2(bytes calldata compressed) public view returns (bool, bytes memory) {
        if (compressed.length != 96) return (false, "");
        uint8 flags = uint8(compressed[0]);
        if (flags & 0xc0 != 0x80) return (false, "");
        Fp memory x1 = _read(compressed, 0);
        Fp memory x0 = _read(compressed, 48);
        if (!_lt(x0, Fp(P_HI, P_LO)) || !_lt(x1, Fp(P_HI, P_LO))) return (false, "");
        // y² = x³ + 4(1 + i), x = x0 + x1·i, i² = −1
        Fp memory x0sq = _mul(x0, x0);
        Fp memory x1sq = _mul(x1, x1);
        Fp memory re = _sub(x0sq, x1sq);
        Fp memory im = _mul(_add(x0, x0), x1);
        Fp memory rhs0 = _add(_sub(_mul(re, x0), _mul(im, x1)), Fp(0, 4));
        Fp memory rhs1 = _add(_add(_mul(re, x1), _mul(im, x0)), Fp(0, 4));
        (bool ok, Fp memory y0, Fp memory y1) = _sqrtFp2(rhs0, rhs1);
        if (!ok) return (false, "");
        // Fp2 order: by c1, and by c0 when c1 is zero.
        bool largest = (y1.hi | y1.lo) != 0 ? _isLargest(y1) : _isLargest(y0);
        if (largest != (flags & 0x20 != 0)) {
            y0 = _neg(y0);
            y1 = _neg(y1);
        }
        return (true, bytes.concat(_encode(x0), _encode(x1), _encode(y0), _encode(y1)));
    }

    /// @dev Square root in Fp2 through the norm: for a = a0 + a1·i, with s = √(a0² + a1²), x0 = √((a0 ± s)/2) and
    /// x1 = a1 / (2·x0). Checked by squaring, so a wrong branch can only return false.
    function _sqrtFp2(Fp memory a0, Fp memory a1) private view returns (bool, Fp memory, Fp memory) {
        Fp memory x0;
        Fp memory x1;
        bool ok;
        if ((a1.hi | a1.lo) == 0) {
            (ok, x0) = _sqrt(a0);
            if (!ok) {
                // (x1·i)² = −x1²
                (ok, x1) = _sqrt(_neg(a0));
                x0 = Fp(0, 0);
            }
            return (ok, x0, x1);
        }
        Fp memory s;
        (ok, s) = _sqrt(_add(_mul(a0, a0), _mul(a1, a1)));
        if (!ok) return (false, x0, x1);
        (ok, x0) = _sqrt(_half(_add(a0, s)));
        if (!ok) (ok, x0) = _sqrt(_half(_sub(a0, s)));
        if (!ok) return (false, x0, x1);
        x1 = _mul(a1, _pow(_add(x0, x0), INV_EXP));
        ok = _eq(_sub(_mul(x0, x0), _mul(x1, x1)), a0) && _eq(_mul(_add(x0, x0), x1), a1);
        return (ok, x0, x1);
    }

    // ─────────────────────────── Fp arithmetic ───────────────────────────

    function _read(bytes calldata data, uint256 offset) private pure returns (Fp memory) {
        // The top three bits of the first byte are flags.
        uint256 hi = uint256(uint128(bytes16(data[offset:offset + 16]))) & (type(uint256).max >> 131);
        return Fp(hi, uint256(bytes32(data[offset + 16:offset + 48])));
    }

    /// @dev EIP-2537 field element: 64 bytes, big-endian, the top 16 zero.
    function _encode(Fp memory a) private pure returns (bytes memory) {
        return abi.encodePacked(a.hi, a.lo);
    }

    function _lt(Fp memory a, Fp memory b) private pure returns (bool) {
        return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
    }

    function _eq(Fp memory a, Fp memory b) private pure returns (bool) {
        return a.hi == b.hi && a.lo == b.lo;
    }

    /// @dev a + b without reduction; both below 2^383, so nothing overflows.
    function _rawAdd(Fp memory a, Fp memory b) private pure returns (Fp memory r) {
        unchecked {
            r.lo = a.lo + b.lo;
            r.hi = a.hi + b.hi + (r.lo < a.lo ? 1 : 0);
        }
    }

    /// @dev a − b for a ≥ b.
    function _rawSub(Fp memory a, Fp memory b) private pure returns (Fp memory r) {
        unchecked {
            r.lo = a.lo - b.lo;
            r.hi = a.hi - b.hi - (a.lo < b.lo ? 1 : 0);
        }
    }

    function _add(Fp memory a, Fp memory b) private pure returns (Fp memory r) {
        r = _rawAdd(a, b);
        if (!_lt(r, Fp(P_HI, P_LO))) r = _rawSub(r, Fp(P_HI, P_LO));
    }

    function _sub(Fp memory a, Fp memory b) private pure returns (Fp memory) {
        return _lt(a, b) ? _rawSub(_rawAdd(a, Fp(P_HI, P_LO)), b) : _rawSub(a, b);
    }

    function _neg(Fp memory a) private pure returns (Fp memory) {
        return (a.hi | a.lo) == 0 ? a : _rawSub(Fp(P_HI, P_LO), a);
    }

    /// @dev a / 2 mod p: halve a, or a + p when a is odd (p is odd, so a + p is even).
    function _half(Fp memory a) private pure returns (Fp memory r) {
        if (a.lo & 1 == 1) a = _rawAdd(a, Fp(P_HI, P_LO));
        r.lo = (a.lo >> 1) | (a.hi << 255);
        r.hi = a.hi >> 1;
    }

    /// @dev a·b = ((a + b)² − (a − b)²) / 4, with both squares on the modexp precompile.
    function _mul(Fp memory a, Fp memory b) private view returns (Fp memory) {
        return _half(_half(_sub(_pow(_add(a, b), hex"02"), _pow(_sub(a, b), hex"02"))));
    }

    /// @dev y > p − y: the sign flag of the ZCash encoding.
    function _isLargest(Fp memory y) private pure returns (bool) {
        return _lt(_neg(y), y);
    }

    function _sqrt(Fp memory a) private view returns (bool, Fp memory r) {
        r = _pow(a, SQRT_EXP);
        return (_eq(_pow(r, hex"02"), a), r);
    }

    function _pow(Fp memory a, bytes memory exponent) private view returns (Fp memory) {
        return _modexp(abi.encodePacked(uint128(a.hi), a.lo), exponent);
    }

    /// @dev base^exponent mod p on the modexp precompile (0x05); the result is 48 bytes.
    function _modexp(bytes memory base, bytes memory exponent) private view returns (Fp memory) {
        bytes memory out =
            _call(address(0x05), abi.encodePacked(base.length, exponent.length, uint256(48), base, exponent, P));
        return Fp(uint256(uint128(bytes16(_slice16(out)))), _word(out, 16));
    }

    function _slice16(bytes memory data) private pure returns (bytes16 r) {
        assembly ("memory-safe") {
            r := mload(add(data, 32))
        }
    }

    function _word(bytes memory data, uint256 offset) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := mload(add(add(data, 32), offset))
        }
    }

    function _call(address precompile, bytes memory input) private view returns (bytes memory out) {
        bool ok;
        (ok, out) = precompile.staticcall(input);
        // The map and add precompiles only fail on malformed input, which this library never builds.
        require(ok && out.length != 0, "precompile failed");
    }
}
