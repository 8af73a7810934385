/**
 * Hashes and signatures of the consensus protocol. Every signed digest is SHA-256 over a domain tag and the exact
 * bytes, so a vote can never be replayed as a message signature (or in another protocol using the same key).
 */

import { createHash, createPublicKey, type KeyObject, verify as nativeVerify } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import * as libsecp256k1 from "tiny-secp256k1";
import { encodeUnsigned } from "./codec.js";
import type { ConsensusMsg, InstanceId, Phase, Signer, Verifier } from "./types.js";

const enc = new TextEncoder();
const MSG_DOMAIN = enc.encode("cohort/hotstuff/v1/msg\0");
const VOTE_DOMAIN = enc.encode("cohort/hotstuff/v1/vote\0");
const LEADER_DOMAIN = enc.encode("cohort/hotstuff/v1/leader\0");

/** SHA-256 of the parts in order, through Node's native crypto (several times faster than JS for short inputs). */
function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}

/** committeeId ‖ dutyKind ‖ slot (41 bytes): the instance id in every hash. */
export function instanceBytes(id: InstanceId): Uint8Array {
  const out = new Uint8Array(41);
  out.set(id.committeeId, 0);
  const dv = new DataView(out.buffer);
  dv.setUint8(32, id.dutyKind);
  dv.setBigUint64(33, id.slot);
  return out;
}

export function instanceKey(id: InstanceId): string {
  return Buffer.from(instanceBytes(id)).toString("hex");
}

export function valueHash(value: Uint8Array): Uint8Array {
  return sha256(value);
}

/**
 * The bytes whose SHA-256 a vote signs: domain ‖ instance ‖ phase ‖ view ‖ value hash. Exposed (beside the digest)
 * for verifiers that hash the message themselves, as Node's native crypto does.
 */
export function votePreimage(id: InstanceId, phase: Phase, view: number, hash: Uint8Array): Uint8Array {
  const out = new Uint8Array(VOTE_DOMAIN.length + 41 + 5 + hash.length);
  out.set(VOTE_DOMAIN, 0);
  out.set(instanceBytes(id), VOTE_DOMAIN.length);
  const tail = VOTE_DOMAIN.length + 41;
  out[tail] = phase;
  new DataView(out.buffer).setUint32(tail + 1, view);
  out.set(hash, tail + 5);
  return out;
}

/** What a vote signs, and so what each signature in a QC signs. */
export function voteDigest(id: InstanceId, phase: Phase, view: number, hash: Uint8Array): Uint8Array {
  return sha256(votePreimage(id, phase, view, hash));
}

/** The bytes whose SHA-256 a non-vote message signs: domain ‖ its whole encoding except the signature. */
export function msgPreimage(msg: Omit<ConsensusMsg, "signature">, maxValueBytes?: number): Uint8Array {
  const body = encodeUnsigned(msg, maxValueBytes);
  const out = new Uint8Array(MSG_DOMAIN.length + body.length);
  out.set(MSG_DOMAIN, 0);
  out.set(body, MSG_DOMAIN.length);
  return out;
}

/** What a non-vote message signs: its whole encoding except the signature. */
export function msgDigest(msg: Omit<ConsensusMsg, "signature">, maxValueBytes?: number): Uint8Array {
  return sha256(MSG_DOMAIN, encodeUnsigned(msg, maxValueBytes));
}

/**
 * Checks `signature` over sha256(preimage): through the verifier's own preimage path when it has one (native
 * crypto hashes the preimage itself), else by hashing here. Same accept/refuse verdict either way (tested).
 */
export function verifySigned(
  verifier: Verifier,
  publicKey: Uint8Array,
  preimage: Uint8Array,
  signature: Uint8Array,
): boolean {
  return verifier.verifyPreimage
    ? verifier.verifyPreimage(publicKey, preimage, signature)
    : verifier.verify(publicKey, sha256(preimage), signature);
}

/**
 * The leader of `view`: a pseudo-random first leader per instance, hash(instanceId) mod n, then round-robin.
 * Every member computes the same one; no member can predict or steer the start across instances, and, unlike a
 * fresh draw per view, consecutive views always have distinct leaders, so at most f views in a row can have a
 * crashed or byzantine leader (a fresh draw could pick the same dead node view after view, each with a longer
 * timeout).
 */
export function leaderOf(id: InstanceId, view: number, n: number): number {
  return (firstLeader(id, n) + view - 1) % n;
}

/** The leader of view 1 (see leaderOf); an instance computes it once. */
export function firstLeader(id: InstanceId, n: number): number {
  const h = sha256(LEADER_DOMAIN, instanceBytes(id));
  // 48 bits of the hash mod n ≤ 13: bias below 2^-44.
  return (new DataView(h.buffer, h.byteOffset, 8).getUint32(0) * 0x10000 + (h[4]! << 8) + h[5]!) % n;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The operator identity key: secp256k1, the key the libp2p node uses and that is registered on-chain. */
export class Secp256k1Signer implements Signer {
  readonly publicKey: Uint8Array;
  constructor(private readonly secretKey: Uint8Array) {
    if (secretKey.length !== 32) throw new Error("identity secret key must be 32 bytes; check the key file");
    this.publicKey = secp256k1.getPublicKey(secretKey, true);
  }
  sign(digest: Uint8Array): Uint8Array {
    // The digest is already a domain-separated SHA-256: do not hash again. libsecp256k1 (WASM) signs with RFC 6979
    // nonces and low-s, byte for byte what noble's sign(digest, key, { prehash: false }) returns (tested), about 5×
    // faster; every member signs 3–7 times per instance.
    return libsecp256k1.sign(digest, this.secretKey);
  }
}

export const secp256k1Verifier: Verifier = {
  verify(publicKey, digest, signature) {
    try {
      return secp256k1.verify(signature, digest, publicKey, { prehash: false });
    } catch {
      // Malformed key or signature bytes are a failed verification, never a crash.
      return false;
    }
  },
};

/**
 * The production verifier: libsecp256k1 compiled to WebAssembly (tiny-secp256k1), 6–8× faster than pure-JS noble
 * here; verification dominates consensus CPU (each member checks 3 QCs of n−f signatures per instance). Strict mode
 * refuses high-s signatures, so each (key, digest) has one accepted signature, as with noble. Must agree with
 * `secp256k1Verifier` on every input (tested).
 */
export const wasmSecp256k1Verifier: Verifier = {
  verify(publicKey, digest, signature) {
    try {
      return libsecp256k1.verify(digest, publicKey, signature, true);
    } catch {
      return false; // malformed key or signature bytes
    }
  },
};

/** DER SubjectPublicKeyInfo header of a compressed secp256k1 key (id-ecPublicKey, secp256k1, 33-byte bit string). */
const SPKI_SECP256K1_COMPRESSED = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");
/** (n − 1) / 2 of secp256k1, big-endian: the largest low-s value. */
const HALF_N = Buffer.from("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", "hex");
const MAX_NATIVE_KEYS = 4096;
const nativeKeys = new Map<string, KeyObject | null>();

function nativeKey(publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey).toString("hex");
  let key = nativeKeys.get(id);
  if (key !== undefined) return key;
  try {
    key =
      publicKey.length === 33
        ? createPublicKey({ key: Buffer.concat([SPKI_SECP256K1_COMPRESSED, publicKey]), format: "der", type: "spki" })
        : null;
  } catch {
    key = null; // not a point on the curve
  }
  // Building a KeyObject costs as much as a verification: keep them (committee keys are few; bounded anyway).
  if (nativeKeys.size >= MAX_NATIVE_KEYS) nativeKeys.clear();
  nativeKeys.set(id, key);
  return key;
}

/**
 * Verification through Node's OpenSSL, which hashes the message itself: `verifyPreimage` gets the preimage whose
 * SHA-256 was signed (same signatures, same digests as the other verifiers). OpenSSL accepts high-s, so low-s is
 * enforced here to keep one accepted signature per (key, digest). `verify` (digest only) falls back to WASM: the
 * one-shot API cannot take a prehashed digest. Measured slower than WASM on this machine's OpenSSL 3.0 (its
 * secp256k1 is generic prime-field code): kept for comparison, not the default (see README, consensus cost).
 */
export const nativeSecp256k1Verifier: Verifier = {
  verify: wasmSecp256k1Verifier.verify,
  verifyPreimage(publicKey, preimage, signature) {
    if (signature.length !== 64) return false;
    if (Buffer.compare(Buffer.from(signature.buffer, signature.byteOffset + 32, 32), HALF_N) > 0) return false;
    const key = nativeKey(publicKey);
    if (!key) return false;
    try {
      return nativeVerify("sha256", preimage, { key, dsaEncoding: "ieee-p1363" }, signature);
    } catch {
      return false;
    }
  },
};

/** The verifiers by name, for benchmarks and tools that choose one on the command line. */
export function verifierByName(name: "wasm" | "native" | "noble"): Verifier {
  const v = { wasm: wasmSecp256k1Verifier, native: nativeSecp256k1Verifier, noble: secp256k1Verifier }[name];
  if (!v) throw new Error(`unknown verifier ${name}; use wasm, native or noble`);
  return v;
}
