/**
 * The partial-signature frame: one duty (what was signed, in which slot) and the partials of one share for one or more
 * validators. Fixed-size entries so a receiver can check the length before it reads anything.
 *
 *   version u8 | kind u8 | slot u64 BE | count u8 | count × (validator pubkey 48 | share index u8 | signature 96)
 */
import type { PartialSignature } from "../workflow.js";

/**
 * What a partial signs. Every message a validator signs is threshold-signed the same way; the kind keeps partials of
 * different messages of one slot apart (a RANDAO reveal and its block share a slot and a validator).
 */
export const PartialKind = {
  attestation: 0,
  selectionProof: 1,
  aggregateAndProof: 2,
  randao: 3,
  block: 4,
  voluntaryExit: 5,
  syncMessage: 6,
  syncSelectionProof: 7,
  contributionAndProof: 8,
  /** A builder ValidatorRegistrationV1; its "slot" is the first slot of the epoch the registration was agreed in. */
  validatorRegistration: 9,
} as const;
export type PartialKind = (typeof PartialKind)[keyof typeof PartialKind];

export const FRAME_VERSION = 1;
const HEADER_BYTES = 1 + 1 + 8 + 1;
const PUBKEY_BYTES = 48;
const SIGNATURE_BYTES = 96;
const ENTRY_BYTES = PUBKEY_BYTES + 1 + SIGNATURE_BYTES;
/** A u8 count: a committee runs at most this many validators per frame; larger batches are split. */
export const MAX_PARTIALS_PER_FRAME = 255;
export const MAX_FRAME_BYTES = HEADER_BYTES + MAX_PARTIALS_PER_FRAME * ENTRY_BYTES;

export class ParSigCodecError extends Error {
  override readonly name = "ParSigCodecError";
}

/** Encodes partials that share one duty; callers split larger batches with `chunk`. */
export function encodeFrame(partials: readonly PartialSignature[]): Uint8Array {
  const first = partials[0];
  if (!first) throw new ParSigCodecError("no partial signature to encode; skip the send instead");
  if (partials.length > MAX_PARTIALS_PER_FRAME) {
    throw new ParSigCodecError(`${partials.length} partials exceed ${MAX_PARTIALS_PER_FRAME} per frame; chunk them`);
  }
  const out = new Uint8Array(HEADER_BYTES + partials.length * ENTRY_BYTES);
  const view = new DataView(out.buffer);
  out[0] = FRAME_VERSION;
  out[1] = kindByte(first.duty.kind);
  view.setBigUint64(2, first.duty.slot);
  out[10] = partials.length;
  partials.forEach((p, i) => {
    if (p.duty.kind !== first.duty.kind || p.duty.slot !== first.duty.slot) {
      throw new ParSigCodecError("partials of one frame must share one duty; group them by duty before encoding");
    }
    checkSizes(p.validatorPubkey, p.shareIndex, p.signature);
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    out.set(p.validatorPubkey, at);
    out[at + PUBKEY_BYTES] = p.shareIndex;
    out.set(p.signature, at + PUBKEY_BYTES + 1);
  });
  return out;
}

/** Decodes a peer's frame; any size or version mismatch rejects the whole frame. */
export function decodeFrame(frame: Uint8Array): PartialSignature[] {
  if (frame.length < HEADER_BYTES) throw new ParSigCodecError(`frame of ${frame.length} bytes is below the header`);
  if (frame[0] !== FRAME_VERSION) throw new ParSigCodecError(`unknown partial-signature frame version ${frame[0]}`);
  const kind = frame[1]!;
  if (!Object.values(PartialKind).includes(kind as PartialKind)) {
    throw new ParSigCodecError(`unknown partial kind ${kind}`);
  }
  const count = frame[10]!;
  if (count === 0 || frame.length !== HEADER_BYTES + count * ENTRY_BYTES) {
    throw new ParSigCodecError(`frame of ${frame.length} bytes does not hold ${count} partials`);
  }
  const slot = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getBigUint64(2);
  const duty = { kind, slot };
  const out: PartialSignature[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    // Copies: the transport may reuse the buffer behind `frame`. Not `frame.slice`: on a Node Buffer that is a view.
    out.push({
      duty,
      validatorPubkey: copy(frame, at, at + PUBKEY_BYTES),
      shareIndex: frame[at + PUBKEY_BYTES]!,
      signature: copy(frame, at + PUBKEY_BYTES + 1, at + ENTRY_BYTES),
    });
  }
  return out;
}

function kindByte(kind: number): number {
  if (!Object.values(PartialKind).includes(kind as PartialKind)) {
    throw new ParSigCodecError(`duty kind ${kind} is not a partial kind; use PartialKind`);
  }
  return kind;
}

function checkSizes(pubkey: Uint8Array, shareIndex: number, signature: Uint8Array): void {
  if (pubkey.length !== PUBKEY_BYTES) throw new ParSigCodecError(`validator pubkey must be ${PUBKEY_BYTES} bytes`);
  if (!Number.isInteger(shareIndex) || shareIndex < 1 || shareIndex > 255) {
    throw new ParSigCodecError(`share index ${shareIndex} is outside 1..255`);
  }
  if (signature.length !== SIGNATURE_BYTES) throw new ParSigCodecError(`signature must be ${SIGNATURE_BYTES} bytes`);
}

const copy = (frame: Uint8Array, from: number, to: number) => new Uint8Array(frame.subarray(from, to));
