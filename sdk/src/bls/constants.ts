/** Ethereum's BLS ciphersuite (proof-of-possession scheme, signatures in G2). @noble/curves defaults to `_NUL_`. */
export const ETH_BLS_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

export const SECRET_KEY_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 48;
export const SIGNATURE_LENGTH = 96;

/** Order r of the BLS12-381 scalar field: every secret key and share is an integer in [1, r). */
export const CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
