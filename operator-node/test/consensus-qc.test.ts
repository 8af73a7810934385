import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { Secp256k1Signer, valueHash, voteDigest, wasmSecp256k1Verifier } from "../src/consensus/crypto.js";
import { qcSignersValid, qcValid } from "../src/consensus/qc.js";
import { Phase, type QuorumCert } from "../src/consensus/types.js";

const enc = new TextEncoder();
const signers = Array.from({ length: 4 }, (_, i) => new Secp256k1Signer(sha256(enc.encode(`qc-test-${i}`))));
const committee = signers.map((s) => s.publicKey);
const instance = { committeeId: sha256(enc.encode("qc")), dutyKind: 0, slot: 9n };
const hash = valueHash(enc.encode("value"));
const sig = (i: number) => signers[i]!.sign(voteDigest(instance, Phase.prepare, 1, hash));
const qcOf = (who: number[], sigOf: (i: number) => Uint8Array = sig): QuorumCert => ({
  phase: Phase.prepare,
  view: 1,
  valueHash: hash,
  signers: who,
  signatures: who.map(sigOf),
});

describe("quorum certificates", () => {
  it("accept n−f distinct members' valid signatures", () => {
    expect(qcValid(qcOf([0, 1, 3]), instance, committee, wasmSecp256k1Verifier)).toBe(true);
  });

  it("never count one member twice, even with its valid signature each time", () => {
    // Member 0's real signature three times: n−f entries, one signer.
    const dup = qcOf([0, 0, 0]);
    expect(qcSignersValid(dup, 4)).toBe(false);
    expect(qcValid(dup, instance, committee, wasmSecp256k1Verifier)).toBe(false);
    expect(qcValid(qcOf([0, 1, 1]), instance, committee, wasmSecp256k1Verifier)).toBe(false);
    expect(qcValid(qcOf([1, 0, 3]), instance, committee, wasmSecp256k1Verifier)).toBe(false); // unsorted
  });

  it("never count a signer outside the committee", () => {
    // Index 4 in a committee of 4, "signed" with a member's key: a lookup that wrapped or defaulted would pass it.
    const outside = qcOf([0, 1, 4], (i) => sig(i % 4));
    expect(qcSignersValid(outside, 4)).toBe(false);
    const verifyAll = { verify: () => true };
    expect(qcValid(outside, instance, committee, verifyAll)).toBe(false);
    expect(
      qcValid(
        qcOf([-1, 0, 1], (i) => sig(Math.max(0, i))),
        instance,
        committee,
        verifyAll,
      ),
    ).toBe(false);
    expect(
      qcValid(
        qcOf([0, 1, 2.5], () => sig(0)),
        instance,
        committee,
        verifyAll,
      ),
    ).toBe(false);
  });

  it("refuse too few signers, or a signature count that differs", () => {
    expect(qcValid(qcOf([0, 1]), instance, committee, wasmSecp256k1Verifier)).toBe(false);
    const short = { ...qcOf([0, 1, 2]), signatures: [sig(0), sig(1)] };
    expect(qcValid(short, instance, committee, { verify: () => true })).toBe(false);
  });
});
