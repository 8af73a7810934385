import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { FakeSimSigner, fakeSimVerifier } from "../sim/fake-signer.js";
import {
  leaderOf,
  msgDigest,
  Secp256k1Signer,
  secp256k1Verifier,
  voteDigest,
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
