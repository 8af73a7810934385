import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from "../bls/constants.js";
import { concatBytes } from "../bytes.js";
import { type CommitteeSize, isCommitteeSize, thresholdOf } from "../committee/size.js";
import { ENC_LENGTH, type EncryptedShare, SHARE_CIPHERTEXT_LENGTH } from "../encryption/hpke.js";
import { CohortError, InvalidArgumentError } from "../errors.js";

/**
 * The keyshares payload, v1: what a registration transaction carries and its event re-emits. Fixed-width fields
 * in a fixed order make it deterministic (one payload per content) and cheap for the contract to shape-check.
 *
 *   [0..3)  "CKS"  magic        [3] version = 1       [4] n        [5] t = 2f+1
 *   96      ownership signature (G2, compressed)
 *   t × 48  Feldman commitments (G1); commitments[0] is the validator public key
 *   n × 48  share public keys, ascending operator id
 *   n × 80  encrypted shares: enc (32) ‖ ciphertext (48), ascending operator id
 */
export const PAYLOAD_MAGIC = new Uint8Array([0x43, 0x4b, 0x53]);
export const PAYLOAD_VERSION = 1;
const HEADER_LENGTH = 6;
const ENCRYPTED_SHARE_LENGTH = ENC_LENGTH + SHARE_CIPHERTEXT_LENGTH;

export interface KeysharesPayload {
  committeeSize: CommitteeSize;
  threshold: number;
  ownershipSignature: Uint8Array;
  commitments: Uint8Array[];
  sharePublicKeys: Uint8Array[];
  encryptedShares: EncryptedShare[];
}

export class PayloadError extends CohortError {
  override name = "PayloadError";
}

export function payloadLength(n: CommitteeSize): number {
  const t = thresholdOf(n);
  return HEADER_LENGTH + SIGNATURE_LENGTH + t * PUBLIC_KEY_LENGTH + n * PUBLIC_KEY_LENGTH + n * ENCRYPTED_SHARE_LENGTH;
}

export function encodePayload(p: KeysharesPayload): Uint8Array {
  const n = p.committeeSize;
  if (!isCommitteeSize(n) || p.threshold !== thresholdOf(n)) {
    throw new InvalidArgumentError(`committee size ${n} with threshold ${p.threshold} is not a valid committee`);
  }
  const fixed = (what: string, items: Uint8Array[], count: number, size: number) => {
    if (items.length !== count || items.some((b) => b.length !== size)) {
      throw new InvalidArgumentError(`${what}: expected ${count} items of ${size} bytes`);
    }
    return items;
  };
  const out = concatBytes(
    PAYLOAD_MAGIC,
    new Uint8Array([PAYLOAD_VERSION, n, p.threshold]),
    ...fixed("ownership signature", [p.ownershipSignature], 1, SIGNATURE_LENGTH),
    ...fixed("commitments", p.commitments, p.threshold, PUBLIC_KEY_LENGTH),
    ...fixed("share public keys", p.sharePublicKeys, n, PUBLIC_KEY_LENGTH),
    ...fixed(
      "encrypted shares",
      p.encryptedShares.map((s) => concatBytes(s.enc, s.ciphertext)),
      n,
      ENCRYPTED_SHARE_LENGTH,
    ),
  );
  return out;
}

/** Strict: every failure is a `PayloadError`, never another exception, whatever the bytes. Points are not checked here. */
export function decodePayload(bytes: Uint8Array): KeysharesPayload {
  if (!(bytes instanceof Uint8Array)) throw new PayloadError("NOT_BYTES", "the keyshares payload must be bytes");
  if (bytes.length < HEADER_LENGTH) throw new PayloadError("TOO_SHORT", "the keyshares payload is truncated");
  if (bytes[0] !== PAYLOAD_MAGIC[0] || bytes[1] !== PAYLOAD_MAGIC[1] || bytes[2] !== PAYLOAD_MAGIC[2]) {
    throw new PayloadError("BAD_MAGIC", "this is not a Cohort keyshares payload (bad magic bytes)");
  }
  if (bytes[3] !== PAYLOAD_VERSION) {
    throw new PayloadError("UNSUPPORTED_VERSION", `keyshares payload version ${bytes[3]} is not supported; upgrade`);
  }
  const n = bytes[4]!;
  if (!isCommitteeSize(n)) throw new PayloadError("BAD_COMMITTEE_SIZE", `committee size ${n} is not 4, 7, 10 or 13`);
  const t = bytes[5]!;
  if (t !== thresholdOf(n))
    throw new PayloadError("BAD_THRESHOLD", `threshold ${t} does not match committee size ${n}`);
  if (bytes.length !== payloadLength(n)) {
    throw new PayloadError(
      "LENGTH_MISMATCH",
      `payload is ${bytes.length} bytes; a committee of ${n} needs ${payloadLength(n)}`,
    );
  }
  let offset = HEADER_LENGTH;
  // Copies (not views): callers may pass a Node Buffer, whose slices share one pooled ArrayBuffer.
  const take = (size: number) => {
    const field = new Uint8Array(bytes.subarray(offset, offset + size));
    offset += size;
    return field;
  };
  const many = (count: number, size: number) => Array.from({ length: count }, () => take(size));
  const ownershipSignature = take(SIGNATURE_LENGTH);
  const commitments = many(t, PUBLIC_KEY_LENGTH);
  const sharePublicKeys = many(n, PUBLIC_KEY_LENGTH);
  const encryptedShares = many(n, ENCRYPTED_SHARE_LENGTH).map((b) => ({
    enc: b.subarray(0, ENC_LENGTH),
    ciphertext: b.subarray(ENC_LENGTH),
  }));
  return { committeeSize: n, threshold: t, ownershipSignature, commitments, sharePublicKeys, encryptedShares };
}
