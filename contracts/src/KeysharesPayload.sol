// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Shape checks of the keyshares payload, layout v1 (byte-exact with the sdk codec):
/// "CKS" ‖ 0x01 ‖ n ‖ t ‖ ownership signature (96) ‖ t × commitment (48) ‖ n × share pubkey (48) ‖ n × (enc 32 ‖ ct 48).
/// The ownership proof is verified by the registry (BlsSignature). Feldman consistency and decryption are left to the
/// operator nodes: too expensive on-chain, and a node that finds a bad share simply refuses the validator.
library KeysharesPayload {
    uint256 internal constant HEADER_LENGTH = 6;
    uint256 internal constant SIGNATURE_LENGTH = 96;
    uint256 internal constant G1_LENGTH = 48;
    uint256 internal constant ENCRYPTED_SHARE_LENGTH = 80;
    uint256 internal constant COMMITMENTS_OFFSET = HEADER_LENGTH + SIGNATURE_LENGTH;
    uint8 internal constant VERSION = 1;

    error PayloadLengthMismatch(uint256 expected, uint256 actual);
    error PayloadMagicInvalid();
    error PayloadVersionUnsupported(uint8 version);
    error PayloadCommitteeSizeMismatch(uint256 expected, uint256 actual);
    error PayloadThresholdMismatch(uint256 expected, uint256 actual);
    error PayloadPublicKeyMismatch();

    function threshold(uint256 n) internal pure returns (uint256) {
        return 2 * ((n - 1) / 3) + 1;
    }

    function expectedLength(uint256 n) internal pure returns (uint256) {
        return COMMITMENTS_OFFSET + G1_LENGTH * threshold(n) + (G1_LENGTH + ENCRYPTED_SHARE_LENGTH) * n;
    }

    /// @dev `n` is the committee size already validated by the caller; `publicKey` is 48 bytes.
    function check(bytes calldata payload, uint256 n, bytes calldata publicKey) internal pure {
        uint256 expected = expectedLength(n);
        if (payload.length != expected) revert PayloadLengthMismatch(expected, payload.length);
        if (payload[0] != "C" || payload[1] != "K" || payload[2] != "S") revert PayloadMagicInvalid();
        if (uint8(payload[3]) != VERSION) revert PayloadVersionUnsupported(uint8(payload[3]));
        if (uint8(payload[4]) != n) revert PayloadCommitteeSizeMismatch(n, uint8(payload[4]));
        uint256 t = threshold(n);
        if (uint8(payload[5]) != t) revert PayloadThresholdMismatch(t, uint8(payload[5]));
        if (keccak256(payload[COMMITMENTS_OFFSET:COMMITMENTS_OFFSET + G1_LENGTH]) != keccak256(publicKey)) {
            revert PayloadPublicKeyMismatch();
        }
    }
}
