/**
 * DKG frames: exact round trips, signatures bound to ceremony and sender, and a decoder that refuses any other
 * bytes with a DkgCodecError (never another exception). Plus the inbox that routes frames to ceremonies.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Secp256k1Signer, wasmSecp256k1Verifier } from "../src/consensus/crypto.js";
import {
  type CeremonyId,
  ceremonyKey,
  type DkgBody,
  DkgCodecError,
  decodeFrame,
  encodeSigned,
  type SignedCommit,
  verifyEchoedCommit,
  verifyFrame,
} from "../src/dkg/codec.js";
import { DkgInbox } from "../src/dkg/inbox.js";
import type { Transport } from "../src/workflow.js";

const signers = [0, 1, 2, 3].map((i) => new Secp256k1Signer(sha256(new TextEncoder().encode(`dkg-codec-${i}`))));
const ceremony: CeremonyId = { miniPoolId: (1n << 200n) + 5n, attempt: 3 };
const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);
const commit = (fill: number): SignedCommit => ({
  commitments: [1, 2, 3].map((k) => bytes(48, fill + k)),
  signature: bytes(64, fill),
});

const bodies: DkgBody[] = [
  { type: "commit", commitments: [bytes(48, 1), bytes(48, 2), bytes(48, 3)] },
  { type: "share", recipient: 2, share: bytes(32, 7) },
  { type: "echo", complaints: [0, 3], commits: [commit(1), null, commit(3), commit(4)] },
  {
    type: "reveal",
    reveals: [
      { accuser: 0, share: bytes(32, 1) },
      { accuser: 2, share: bytes(32, 2) },
    ],
  },
  { type: "partial", transcript: bytes(32, 9), signature: bytes(96, 8) },
];

function signed(body: DkgBody, sender = 1, id = ceremony): Uint8Array {
  return encodeSigned({ ceremony: id, sender, n: 4, t: 3 }, body, signers[sender]!);
}

describe("DKG frame codec", () => {
  it("round-trips every message type, and the signature verifies only under the sender's key", () => {
    for (const body of bodies) {
      const frame = decodeFrame(signed(body));
      expect(frame.body).toEqual(body);
      expect(frame.ceremony).toEqual(ceremony);
      expect(frame.sender).toBe(1);
      expect(verifyFrame(frame, signers[1]!.publicKey, wasmSecp256k1Verifier)).toBe(true);
      expect(verifyFrame(frame, signers[2]!.publicKey, wasmSecp256k1Verifier)).toBe(false);
    }
  });

  it("a signature is bound to the ceremony and the sender: changing either breaks it", () => {
    const frame = decodeFrame(signed(bodies[0]!));
    const key = signers[1]!.publicKey;
    expect(verifyFrame({ ...frame, ceremony: { ...ceremony, attempt: 4 } }, key, wasmSecp256k1Verifier)).toBe(false);
    expect(verifyFrame({ ...frame, sender: 2 }, key, wasmSecp256k1Verifier)).toBe(false);
  });

  it("an echoed commit verifies against its dealer's commit signature, and not once altered", () => {
    const body = bodies[0] as Extract<DkgBody, { type: "commit" }>;
    const frame = decodeFrame(signed(body, 3));
    const echoed = { commitments: body.commitments, signature: frame.signature };
    const key = signers[3]!.publicKey;
    expect(verifyEchoedCommit(ceremony, 3, 4, 3, echoed, key, wasmSecp256k1Verifier)).toBe(true);
    const altered = { ...echoed, commitments: [bytes(48, 9), ...body.commitments.slice(1)] };
    expect(verifyEchoedCommit(ceremony, 3, 4, 3, altered, key, wasmSecp256k1Verifier)).toBe(false);
    expect(verifyEchoedCommit(ceremony, 2, 4, 3, echoed, key, wasmSecp256k1Verifier)).toBe(false);
  });

  it("refuses bad layouts with a reason", () => {
    const share = signed(bodies[1]!);
    expect(() => decodeFrame(share.subarray(0, 100))).toThrow(/too short/);
    const version = share.slice();
    version[0] = 2;
    expect(() => decodeFrame(version)).toThrow(/version 2/);
    const size = share.slice();
    size[39] = 5;
    expect(() => decodeFrame(size)).toThrow(/committee size 5/);
    const threshold = share.slice();
    threshold[40] = 2;
    expect(() => decodeFrame(threshold)).toThrow(/threshold 2/);
    const recipient = share.slice();
    recipient[41] = 4;
    expect(() => decodeFrame(recipient)).toThrow(/recipient 4/);
    const longer = new Uint8Array([...share.subarray(0, share.length - 64), 0, ...share.subarray(share.length - 64)]);
    expect(() => decodeFrame(longer)).toThrow(/trailing/);
    expect(() =>
      encodeSigned({ ceremony, sender: 1, n: 4, t: 3 }, { type: "reveal", reveals: [] }, signers[1]!),
    ).toThrow(DkgCodecError);
    expect(() =>
      encodeSigned(
        { ceremony, sender: 1, n: 4, t: 3 },
        { type: "reveal", reveals: [{ accuser: 1, share: bytes(32, 1) }] },
        signers[1]!,
      ),
    ).toThrow(/not the dealer/);
  });

  it("random bytes and random mutations of valid frames only ever raise DkgCodecError", () => {
    const valid = bodies.map((b) => signed(b));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          fc
            .tuple(
              fc.constantFrom(...valid),
              fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
            )
            .map(([frame, edits]) => {
              const out = frame.slice();
              for (const [at, v] of edits) out[at % out.length] = v;
              return out;
            }),
        ),
        (input) => {
          try {
            const frame = decodeFrame(input);
            // Anything that still decodes re-verifies only if it is byte-identical to what member 1 signed.
            const ok = verifyFrame(frame, signers[1]!.publicKey, wasmSecp256k1Verifier);
            if (ok) expect(valid.some((v) => Buffer.from(v).equals(Buffer.from(input)))).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(DkgCodecError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

/** In-memory Transport stand-in for the routing unit test only (the p2p path is covered in dkg.test.ts). */
function loopTransport() {
  let handler: ((from: number, frame: Uint8Array) => void) | undefined;
  const t: Transport = {
    send() {},
    broadcast() {},
    pruneBelow() {},
    onFrame(h) {
      handler = h;
    },
  };
  return { t, deliver: (from: number, frame: Uint8Array) => handler?.(from, frame) };
}

describe("DKG inbox", () => {
  it("holds frames of a ceremony not started yet, hands them over on open, then drops late ones", () => {
    const { t, deliver } = loopTransport();
    const inbox = new DkgInbox(t);
    const early = signed(bodies[0]!);
    deliver(1, early);
    early.fill(0); // the transport may reuse its buffer: the inbox must have copied
    const got: [number, Uint8Array][] = [];
    const close = inbox.open(ceremonyKey(ceremony), (from, frame) => got.push([from, frame]));
    expect(got).toHaveLength(1);
    expect(decodeFrame(got[0]![1]).body).toEqual(bodies[0]);
    deliver(2, signed(bodies[1]!, 2));
    expect(got.map(([f]) => f)).toEqual([1, 2]);
    close();
    deliver(2, signed(bodies[2]!, 2));
    expect(got).toHaveLength(2);
    expect(inbox.stats.dropped).toBe(1);
    expect(() => inbox.open(ceremonyKey(ceremony), () => {})).toThrow(/next attempt/);
  });

  it("bounds what one sender can park for ceremonies that never start", () => {
    const { t, deliver } = loopTransport();
    const inbox = new DkgInbox(t);
    for (let k = 0; k < 1000; k++) deliver(3, signed(bodies[4]!, 3, { miniPoolId: BigInt(k), attempt: 0 }));
    expect(inbox.stats.dropped).toBe(1000 - 64);
    const got: Uint8Array[] = [];
    inbox.open(ceremonyKey({ miniPoolId: 999n, attempt: 0 }), (_f, frame) => got.push(frame));
    expect(got).toHaveLength(1);
  });
});
