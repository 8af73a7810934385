import { createHash } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { FakeSimSigner, fakeSimVerifier } from "../sim/fake-signer.js";
import {
  leaderOf,
  msgDigest,
  msgPreimage,
  nativeSecp256k1Verifier,
  Secp256k1Signer,
  secp256k1Verifier,
  verifySigned,
  voteDigest,
  votePreimage,
  wasmSecp256k1Verifier,
} from "../src/consensus/crypto.js";
import { MsgType, Phase } from "../src/consensus/types.js";

const instance = { committeeId: new Uint8Array(32).fill(7), dutyKind: 0, slot: 123n };

describe("operator identity signatures (secp256k1)", () => {
  const sk = secp256k1.utils.randomSecretKey();
  const signer = new Secp256k1Signer(sk);
  const digest = voteDigest(instance, Phase.prepare, 3, new Uint8Array(32).fill(1));

  it("signs with the 33-byte compressed key and verifies; tampering fails", () => {
    expect(signer.publicKey).toHaveLength(33);
    const sig = signer.sign(digest);
    expect(sig).toHaveLength(64);
    expect(secp256k1Verifier.verify(signer.publicKey, digest, sig)).toBe(true);
    const bad = sig.slice();
    bad[10]! ^= 1;
    expect(secp256k1Verifier.verify(signer.publicKey, digest, bad)).toBe(false);
    const other = new Secp256k1Signer(secp256k1.utils.randomSecretKey());
    expect(secp256k1Verifier.verify(other.publicKey, digest, sig)).toBe(false);
    expect(secp256k1Verifier.verify(new Uint8Array(33), digest, sig)).toBe(false); // malformed key: false, no throw
  });

  it("the libsecp256k1 (WASM) verifier agrees with noble on valid, tampered, high-s and malformed inputs", () => {
    const n = secp256k1.Point.CURVE().n;
    for (let k = 0; k < 50; k++) {
      const s = new Secp256k1Signer(secp256k1.utils.randomSecretKey());
      const d = voteDigest(instance, Phase.commit, k, new Uint8Array(32).fill(k));
      const sig = s.sign(d);
      const bad = sig.slice();
      bad[k % 64]! ^= 1 << (k % 8);
      const sBig = BigInt(`0x${Buffer.from(sig.subarray(32)).toString("hex")}`);
      const highS = sig.slice();
      highS.set(Buffer.from((n - sBig).toString(16).padStart(64, "0"), "hex"), 32); // same signature, malleated
      const wrongKey = new Uint8Array(33).fill(k);
      for (const [key, sg] of [
        [s.publicKey, sig],
        [s.publicKey, bad],
        [s.publicKey, highS],
        [wrongKey, sig],
        [s.publicKey, sig.subarray(0, 63)],
      ] as const) {
        expect(wasmSecp256k1Verifier.verify(key, d, sg)).toBe(secp256k1Verifier.verify(key, d, sg));
      }
      expect(wasmSecp256k1Verifier.verify(s.publicKey, d, sig)).toBe(true);
      expect(wasmSecp256k1Verifier.verify(s.publicKey, d, highS)).toBe(false);
    }
  });

  it("the WASM signer returns noble's RFC 6979 low-s signature byte for byte", () => {
    for (let k = 0; k < 50; k++) {
      const secret = secp256k1.utils.randomSecretKey();
      const d = voteDigest(instance, Phase.prepare, k + 1, new Uint8Array(32).fill(k));
      expect(new Secp256k1Signer(secret).sign(d)).toEqual(secp256k1.sign(d, secret, { prehash: false }));
    }
    // A fixed vector, so a change of nonce derivation or encoding on either side shows up here.
    const fixed = new Secp256k1Signer(new Uint8Array(32).fill(1));
    const d = voteDigest(instance, Phase.commit, 7, new Uint8Array(32).fill(9));
    expect(Buffer.from(fixed.sign(d)).toString("hex")).toBe(
      Buffer.from(secp256k1.sign(d, new Uint8Array(32).fill(1), { prehash: false })).toString("hex"),
    );
  });

  it("the signed digests are SHA-256 of the preimages (the bytes native verification hashes)", () => {
    const h = new Uint8Array(32).fill(5);
    const sha = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
    expect(sha(votePreimage(instance, Phase.preCommit, 9, h))).toEqual(voteDigest(instance, Phase.preCommit, 9, h));
    const m = { type: MsgType.prepare, instance, view: 2, sender: 1, value: new Uint8Array([1, 2, 3]) } as const;
    expect(sha(msgPreimage(m))).toEqual(msgDigest(m));
  });

  it("native (OpenSSL) verification agrees with noble and WASM on valid, flipped-bit, high-s, wrong and malformed keys", () => {
    const n = secp256k1.Point.CURVE().n;
    for (let k = 0; k < 50; k++) {
      const s = new Secp256k1Signer(secp256k1.utils.randomSecretKey());
      const msg = { type: MsgType.newView, instance, view: k + 1, sender: k % 4 } as const;
      const pre = k % 2 ? votePreimage(instance, Phase.commit, k, new Uint8Array(32).fill(k)) : msgPreimage(msg);
      const d = new Uint8Array(createHash("sha256").update(pre).digest());
      const sig = s.sign(d);
      const flipped = sig.slice();
      flipped[k % 64]! ^= 1 << (k % 8);
      const preFlipped = pre.slice();
      preFlipped[k % pre.length]! ^= 1;
      const sBig = BigInt(`0x${Buffer.from(sig.subarray(32)).toString("hex")}`);
      const highS = sig.slice();
      highS.set(Buffer.from((n - sBig).toString(16).padStart(64, "0"), "hex"), 32);
      const notOnCurve = new Uint8Array(33).fill(k);
      notOnCurve[0] = 2;
      const cases: [Uint8Array, Uint8Array, Uint8Array, boolean][] = [
        [s.publicKey, pre, sig, true],
        [s.publicKey, pre, flipped, false],
        [s.publicKey, preFlipped, sig, false],
        [s.publicKey, pre, highS, false],
        [new Secp256k1Signer(secp256k1.utils.randomSecretKey()).publicKey, pre, sig, false],
        [notOnCurve, pre, sig, false],
        [s.publicKey.subarray(0, 32), pre, sig, false],
        [s.publicKey, pre, sig.subarray(0, 63), false],
        [s.publicKey, pre, new Uint8Array(64), false],
      ];
      for (const [key, p, sg, want] of cases) {
        const dg = new Uint8Array(createHash("sha256").update(p).digest());
        expect(nativeSecp256k1Verifier.verifyPreimage!(key, p, sg)).toBe(want);
        expect(secp256k1Verifier.verify(key, dg, sg)).toBe(want);
        expect(wasmSecp256k1Verifier.verify(key, dg, sg)).toBe(want);
        expect(verifySigned(wasmSecp256k1Verifier, key, p, sg)).toBe(want);
      }
    }
  });

  it("domain-separates votes from messages and binds view, phase and instance", () => {
    const h = new Uint8Array(32);
    const a = voteDigest(instance, Phase.prepare, 1, h);
    expect(voteDigest(instance, Phase.commit, 1, h)).not.toEqual(a);
    expect(voteDigest(instance, Phase.prepare, 2, h)).not.toEqual(a);
    expect(voteDigest({ ...instance, slot: 124n }, Phase.prepare, 1, h)).not.toEqual(a);
    const m = msgDigest({ type: MsgType.newView, instance, view: 1, sender: 0 });
    expect(m).not.toEqual(a);
  });

  it("agrees with the libp2p key of the same secret (the key registered on-chain)", async () => {
    const { privateKeyFromRaw } = await import("@libp2p/crypto/keys");
    const key = privateKeyFromRaw(sk);
    expect(key.publicKey.raw).toEqual(signer.publicKey);
  });

  it("the fake simulator signer is deterministic and only verifies its own output", () => {
    const f = new FakeSimSigner(signer.publicKey);
    expect(fakeSimVerifier.verify(signer.publicKey, digest, f.sign(digest))).toBe(true);
    expect(fakeSimVerifier.verify(new Uint8Array(33), digest, f.sign(digest))).toBe(false);
  });

  it("leader election is deterministic and spreads over the committee", () => {
    const counts = new Array(7).fill(0);
    for (let v = 1; v <= 700; v++) counts[leaderOf(instance, v, 7)]++;
    expect(leaderOf(instance, 5, 7)).toBe(leaderOf(instance, 5, 7));
    for (const c of counts) expect(c).toBeGreaterThan(50);
  });

  it("n consecutive views have n distinct leaders, and the first leader varies across instances", () => {
    for (const n of [4, 7, 10, 13]) {
      for (let first = 1; first <= 20; first++) {
        const leaders = new Set(Array.from({ length: n }, (_, k) => leaderOf(instance, first + k, n)));
        expect(leaders.size).toBe(n);
      }
    }
    const starts = new Array(4).fill(0);
    for (let slot = 0n; slot < 400n; slot++) starts[leaderOf({ ...instance, slot }, 1, 4)]++;
    for (const c of starts) expect(c).toBeGreaterThan(60);
  });
});
