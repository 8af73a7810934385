/**
 * Hashes and signatures of the consensus protocol. Every signed digest is SHA-256 over a domain tag and the exact
 * bytes, so a vote can never be replayed as a message signature (or in another protocol using the same key).
 */

import { createHash } from "node:crypto";
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

/** What a vote signs, and so what each signature in a QC signs. */
export function voteDigest(id: InstanceId, phase: Phase, view: number, hash: Uint8Array): Uint8Array {
  const tail = new Uint8Array(5);
  tail[0] = phase;
  new DataView(tail.buffer).setUint32(1, view);
  return sha256(VOTE_DOMAIN, instanceBytes(id), tail, hash);
}

/** What a non-vote message signs: its whole encoding except the signature. */
export function msgDigest(msg: Omit<ConsensusMsg, "signature">, maxValueBytes?: number): Uint8Array {
  return sha256(MSG_DOMAIN, encodeUnsigned(msg, maxValueBytes));
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
    // The digest is already a domain-separated SHA-256: do not hash again. Signatures are low-s (noble's default).
    return secp256k1.sign(digest, this.secretKey, { prehash: false });
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
