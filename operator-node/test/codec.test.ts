import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CodecError, DEFAULT_MAX_VALUE_BYTES, decodeMsg, encodeMsg, maxEncodedBytes } from "../src/consensus/codec.js";
import { type ConsensusMsg, MsgType, Phase, type QuorumCert } from "../src/consensus/types.js";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const phase = fc.constantFrom(Phase.prepare, Phase.preCommit, Phase.commit);
const qcArb: fc.Arbitrary<QuorumCert> = fc
  .record({
    phase,
    view: fc.nat({ max: 0xffffffff }),
    valueHash: bytes(32),
    signers: fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 13 }),
  })
  .chain((q) => {
    const signers = [...q.signers].sort((a, b) => a - b);
    return fc.array(bytes(64), { minLength: signers.length, maxLength: signers.length }).map((signatures) => ({
      ...q,
      signers,
      signatures,
    }));
  });

const msgArb: fc.Arbitrary<ConsensusMsg> = fc
  .record({
    instance: fc.record({
      committeeId: bytes(32),
      dutyKind: fc.integer({ min: 0, max: 255 }),
      slot: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    }),
    view: fc.nat({ max: 0xffffffff }),
    sender: fc.integer({ min: 0, max: 12 }),
    signature: bytes(64),
    qc: qcArb,
    value: fc.uint8Array({ maxLength: 300 }),
    votePhase: phase,
    voteHash: bytes(32),
    type: fc.constantFrom(...Object.values(MsgType)),
    withQc: fc.boolean(),
  })
  .map((r) => {
    const base = { type: r.type, instance: r.instance, view: r.view, sender: r.sender, signature: r.signature };
    switch (r.type) {
      case MsgType.vote:
        return { ...base, vote: { phase: r.votePhase, valueHash: r.voteHash } };
      case MsgType.newView:
        return r.withQc ? { ...base, justify: r.qc, value: r.value } : base;
      case MsgType.prepare:
        return r.withQc ? { ...base, justify: r.qc, value: r.value } : { ...base, value: r.value };
      default:
        return { ...base, justify: r.qc, value: r.value };
    }
  });

describe("consensus codec", () => {
  it("round-trips every well-formed message, byte for byte", () => {
    fc.assert(
      fc.property(msgArb, (m) => {
        const enc = encodeMsg(m);
        const dec = decodeMsg(enc);
        expect(dec).toEqual(m);
        expect(encodeMsg(dec)).toEqual(enc);
      }),
      { numRuns: 500 },
    );
  });

  it("random bytes never crash the decoder: they decode or throw CodecError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => {
        try {
          const m = decodeMsg(b);
          expect(encodeMsg(m)).toEqual(b); // anything accepted is canonical
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("mutated valid encodings (bit flips, truncation, extension) decode canonically or throw CodecError", () => {
    fc.assert(
      fc.property(
        msgArb,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: -3, max: 3 }),
        (m, pos, bit, cut) => {
          const enc = encodeMsg(m);
          let b = enc.slice();
          b[pos % b.length]! ^= 1 << bit;
          if (cut < 0) b = b.subarray(0, Math.max(0, b.length + cut));
          if (cut > 0) b = new Uint8Array([...b, ...new Uint8Array(cut)]);
          try {
            expect(encodeMsg(decodeMsg(b))).toEqual(b);
          } catch (e) {
            expect(e).toBeInstanceOf(CodecError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("refuses oversized values and messages before allocating them", () => {
    const m: ConsensusMsg = {
      type: MsgType.prepare,
      instance: { committeeId: new Uint8Array(32), dutyKind: 0, slot: 1n },
      view: 1,
      sender: 0,
      value: new Uint8Array(DEFAULT_MAX_VALUE_BYTES + 1),
      signature: new Uint8Array(64),
    };
    expect(() => encodeMsg(m)).toThrow(CodecError);
    const ok = encodeMsg({ ...m, value: new Uint8Array(100) });
    // Claim a 4 GiB value in an otherwise valid header: refused by the length check, not by running out of memory.
    const lie = ok.slice();
    new DataView(lie.buffer).setUint32(49, 0xffffffff);
    expect(() => decodeMsg(lie)).toThrow(/exceeds/);
    expect(() => decodeMsg(new Uint8Array(maxEncodedBytes() + 1))).toThrow(CodecError);
    expect(() => decodeMsg(ok, 99)).toThrow(CodecError);
  });

  it("refuses shapes that do not fit the type", () => {
    const vote: ConsensusMsg = {
      type: MsgType.vote,
      instance: { committeeId: new Uint8Array(32), dutyKind: 0, slot: 1n },
      view: 1,
      sender: 0,
      signature: new Uint8Array(64),
    };
    expect(() => encodeMsg(vote)).toThrow(/needs a vote/);
    const enc = encodeMsg({ ...vote, vote: { phase: Phase.prepare, valueHash: new Uint8Array(32) } });
    const wrongType = enc.slice();
    wrongType[1] = MsgType.decide;
    expect(() => decodeMsg(wrongType)).toThrow(CodecError);
  });
});
