import { CURVE_ORDER, SECRET_KEY_LENGTH } from "../bls/constants.js";

export type RandomBytes = (length: number) => Uint8Array;

/** The platform CSPRNG (WebCrypto in browsers and in Node ≥ 19). */
export const cryptoRandomBytes: RandomBytes = (length) => globalThis.crypto.getRandomValues(new Uint8Array(length));

const ORDER_BYTES = (() => {
  const out = new Uint8Array(SECRET_KEY_LENGTH);
  let v = CURVE_ORDER;
  for (let i = SECRET_KEY_LENGTH - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
})();

/** Big-endian a < r, compared on bytes so that no secret ever becomes an unzeroizable bigint. */
function belowOrder(a: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! !== ORDER_BYTES[i]!) return a[i]! < ORDER_BYTES[i]!;
  }
  return false;
}

function isZero(a: Uint8Array): boolean {
  return a.every((b) => b === 0);
}

/**
 * A uniform non-zero scalar in [1, r) by rejection sampling: r is just under 2^255, so clearing the top bit and
 * retrying on ≥ r accepts ~90% of draws and has no modulo bias. Returned bytes are secret: zeroize them.
 */
export function randomScalar(random: RandomBytes = cryptoRandomBytes): Uint8Array {
  for (;;) {
    const candidate = random(SECRET_KEY_LENGTH);
    candidate[0] = candidate[0]! & 0x7f;
    if (belowOrder(candidate) && !isZero(candidate)) return candidate;
    candidate.fill(0);
  }
}

export function isValidScalar(bytes: Uint8Array): boolean {
  return bytes.length === SECRET_KEY_LENGTH && belowOrder(bytes) && !isZero(bytes);
}
