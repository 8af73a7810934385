import { describe, expect, it } from "vitest";
import { silentLogger } from "../src/log.js";
import { decodeFrame, encodeFrame, ParSigCodecError, PartialKind } from "../src/parsigex/codec.js";
import { TransportParSigEx } from "../src/parsigex/exchange.js";
import type { Transport } from "../src/workflow.js";

// The frame and its receive-side checks, without a chain: a Transport fake delivers frames as a peer would.
describe("partial-signature exchange frames", () => {
  const pubkey = (b: number) => new Uint8Array(48).fill(b);
  const sig = (b: number) => new Uint8Array(96).fill(b);
  const partial = (shareIndex: number, validator = 1, slot = 9n, kind: number = PartialKind.attestation) => ({
    duty: { kind, slot },
    validatorPubkey: pubkey(validator),
    shareIndex,
    signature: sig(shareIndex),
  });

  it("round-trips the partials of one duty and rejects frames of the wrong size, version or kind", () => {
    const frame = encodeFrame([partial(2, 1), partial(2, 3)]);
    expect(frame.length).toBe(11 + 2 * 145);
    expect(decodeFrame(frame)).toEqual([partial(2, 1), partial(2, 3)]);
    expect(() => decodeFrame(frame.subarray(0, frame.length - 1))).toThrow(ParSigCodecError);
    expect(() => decodeFrame(new Uint8Array([...frame, 0]))).toThrow(ParSigCodecError);
    expect(() => decodeFrame(Uint8Array.from([9, ...frame.subarray(1)]))).toThrow(ParSigCodecError);
    expect(() => decodeFrame(Uint8Array.from([1, 99, ...frame.subarray(2)]))).toThrow(ParSigCodecError);
    expect(() => encodeFrame([partial(2, 1, 9n), partial(2, 1, 10n)])).toThrow(ParSigCodecError);
    expect(() => encodeFrame([{ ...partial(2), signature: new Uint8Array(95) }])).toThrow(ParSigCodecError);
  });

  it("decodes into copies, even from a Node Buffer the transport may reuse", () => {
    const buffer = Buffer.from(encodeFrame([partial(2, 1)]));
    const [decoded] = decodeFrame(buffer);
    buffer.fill(0xee);
    expect(decoded).toEqual(partial(2, 1));
  });

  it("delivers only partials of the sender's own share for the committee's validators", () => {
    let deliver: (from: number, frame: Uint8Array) => void = () => {};
    const transport: Transport = {
      send() {},
      broadcast() {},
      pruneBelow() {},
      onFrame: (h) => {
        deliver = h;
      },
    };
    const ex = new TransportParSigEx({ transport, validators: [pubkey(1)], log: silentLogger });
    const got: [number, number][] = [];
    ex.subscribe((from, ps) => {
      for (const p of ps) got.push([from, p.shareIndex]);
    });
    deliver(1, encodeFrame([partial(2)])); // member 1 holds share 2: accepted
    deliver(1, encodeFrame([partial(3)])); // member 1 speaking for share 3: refused
    deliver(2, encodeFrame([partial(3, 5)])); // a validator the committee does not run: refused
    deliver(2, new Uint8Array(20)); // malformed
    expect(got).toEqual([[1, 2]]);
    expect(ex.stats).toEqual({ received: 1, malformed: 1, refused: 2 });
  });
});
