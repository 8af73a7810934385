/**
 * DKG frames: a strict binary layout, every frame signed by its sender's operator identity key (secp256k1, as
 * consensus votes are), so a complaint, an echo or an equivocation can be shown to any other member as proof.
 *
 *   header  version u8 | type u8 | miniPoolId u256 BE | attempt u32 BE | sender u8 | n u8 | t u8      (41 bytes)
 *   body    commit   t × commitment (48)
 *           share    recipient u8 | share (32)
 *           echo     complaints u16 BE (bit d: dealer d's share to the sender was bad or missing)
 *                    | n × (present u8 | [dealer's commitments t × 48 | dealer's commit signature 64])
 *           reveal   count u8 | count × (accuser u8 | share 32)        accusers ascending
 *           partial  transcript (32) | partial signature (96)
 *   trailer signature (64) over SHA-256("cohort/dkg/v1\0" ‖ header ‖ body)
 *
 * The ceremony id and the sender are inside what is signed, so a frame cannot be replayed into another ceremony or
 * attributed to another member; the sender field must also match the peer the transport authenticated.
 */
import { isCommitteeSize, thresholdOf } from "@cohort/sdk";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Signer, Verifier } from "../consensus/types.js";

export class DkgCodecError extends Error {
  override readonly name = "DkgCodecError";
}

/** One ceremony: a retry of the same mini-pool is a new attempt, so nothing of a failed attempt carries over. */
export interface CeremonyId {
  readonly miniPoolId: bigint;
  readonly attempt: number;
}

export const DKG_VERSION = 1;
const DOMAIN = new TextEncoder().encode("cohort/dkg/v1\0");
export const CEREMONY_ID_BYTES = 36;
export const HEADER_BYTES = 2 + CEREMONY_ID_BYTES + 3;
export const SIGNATURE_BYTES = 64;
const POINT = 48;
const SCALAR = 32;
const TRANSCRIPT = 32;
const BLS_SIGNATURE = 96;
/** The largest frame (an echo in a 13-member committee is ~6.5 kB); open the channel with this limit. */
export const DKG_MAX_FRAME_BYTES = 8192;

export const MsgType = { commit: 1, share: 2, echo: 3, reveal: 4, partial: 5 } as const;
export type MsgTypeName = keyof typeof MsgType;

export interface SignedCommit {
  readonly commitments: Uint8Array[];
  readonly signature: Uint8Array;
}

export type DkgBody =
  | { readonly type: "commit"; readonly commitments: Uint8Array[] }
  | { readonly type: "share"; readonly recipient: number; readonly share: Uint8Array }
  | { readonly type: "echo"; readonly complaints: number[]; readonly commits: (SignedCommit | null)[] }
  | { readonly type: "reveal"; readonly reveals: { readonly accuser: number; readonly share: Uint8Array }[] }
  | { readonly type: "partial"; readonly transcript: Uint8Array; readonly signature: Uint8Array };

export interface DkgHeader {
  readonly ceremony: CeremonyId;
  readonly sender: number;
  readonly n: number;
  readonly t: number;
}

export interface DkgFrame extends DkgHeader {
  readonly body: DkgBody;
  readonly signature: Uint8Array;
}

export function ceremonyIdBytes(id: CeremonyId): Uint8Array {
  if (id.miniPoolId < 0n || id.miniPoolId >= 1n << 256n) throw new DkgCodecError("miniPoolId must fit in a uint256");
  if (!Number.isInteger(id.attempt) || id.attempt < 0 || id.attempt > 0xffffffff) {
    throw new DkgCodecError("attempt must be an integer in 0..2^32-1");
  }
  const out = new Uint8Array(CEREMONY_ID_BYTES);
  let v = id.miniPoolId;
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  new DataView(out.buffer).setUint32(32, id.attempt);
  return out;
}

/** A map key for a ceremony id, as read straight from a frame's header (no full decode needed to route it). */
export function ceremonyKey(id: CeremonyId): string {
  return Buffer.from(ceremonyIdBytes(id)).toString("hex");
}

export function ceremonyKeyOfFrame(frame: Uint8Array): string | undefined {
  if (frame.length < HEADER_BYTES) return undefined;
  return Buffer.from(frame.subarray(2, 2 + CEREMONY_ID_BYTES)).toString("hex");
}

class Writer {
  private readonly parts: Uint8Array[] = [];
  u8(v: number): this {
    this.parts.push(Uint8Array.of(v));
    return this;
  }
  u16(v: number): this {
    this.parts.push(Uint8Array.of(v >> 8, v & 0xff));
    return this;
  }
  bytes(b: Uint8Array, length: number, what: string): this {
    if (b.length !== length) throw new DkgCodecError(`${what} must be ${length} bytes, got ${b.length}`);
    this.parts.push(b);
    return this;
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((s, p) => s + p.length, 0));
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

function checkHeader(h: DkgHeader): void {
  if (!isCommitteeSize(h.n)) throw new DkgCodecError(`committee size ${h.n} is not 4, 7, 10 or 13`);
  if (h.t !== thresholdOf(h.n)) throw new DkgCodecError(`threshold ${h.t} is not 2f+1 for n = ${h.n}`);
  if (!Number.isInteger(h.sender) || h.sender < 0 || h.sender >= h.n) {
    throw new DkgCodecError(`sender ${h.sender} is not a member index below ${h.n}`);
  }
}

/** The signed part of a frame: header ‖ body. */
export function encodeUnsigned(h: DkgHeader, body: DkgBody): Uint8Array {
  checkHeader(h);
  const w = new Writer().u8(DKG_VERSION).u8(MsgType[body.type]).bytes(ceremonyIdBytes(h.ceremony), 36, "ceremony id");
  w.u8(h.sender).u8(h.n).u8(h.t);
  switch (body.type) {
    case "commit":
      if (body.commitments.length !== h.t) throw new DkgCodecError(`a dealer commits to t = ${h.t} points`);
      for (const c of body.commitments) w.bytes(c, POINT, "a commitment");
      break;
    case "share":
      checkMember(body.recipient, h.n, "recipient");
      w.u8(body.recipient).bytes(body.share, SCALAR, "a share");
      break;
    case "echo":
      if (body.commits.length !== h.n) throw new DkgCodecError(`an echo has one entry per member (${h.n})`);
      w.u16(maskOf(body.complaints, h.n));
      for (const c of body.commits) {
        if (!c) {
          w.u8(0);
          continue;
        }
        if (c.commitments.length !== h.t) throw new DkgCodecError(`an echoed commit has t = ${h.t} points`);
        w.u8(1);
        for (const p of c.commitments) w.bytes(p, POINT, "an echoed commitment");
        w.bytes(c.signature, SIGNATURE_BYTES, "an echoed signature");
      }
      break;
    case "reveal": {
      if (body.reveals.length === 0 || body.reveals.length >= h.n) {
        throw new DkgCodecError("a reveal answers 1..n−1 complaints");
      }
      w.u8(body.reveals.length);
      let last = -1;
      for (const r of body.reveals) {
        checkMember(r.accuser, h.n, "accuser");
        if (r.accuser <= last || r.accuser === h.sender) {
          throw new DkgCodecError("reveal accusers must be ascending and not the dealer");
        }
        last = r.accuser;
        w.u8(r.accuser).bytes(r.share, SCALAR, "a revealed share");
      }
      break;
    }
    case "partial":
      w.bytes(body.transcript, TRANSCRIPT, "the transcript hash").bytes(body.signature, BLS_SIGNATURE, "a partial");
      break;
  }
  return w.done();
}

function checkMember(i: number, n: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new DkgCodecError(`${what} ${i} is not a member index below ${n}`);
}

function maskOf(members: readonly number[], n: number): number {
  let mask = 0;
  for (const m of members) {
    checkMember(m, n, "complaint");
    mask |= 1 << m;
  }
  return mask;
}

/** What the sender signs. */
export function frameDigest(unsigned: Uint8Array): Uint8Array {
  const buf = new Uint8Array(DOMAIN.length + unsigned.length);
  buf.set(DOMAIN, 0);
  buf.set(unsigned, DOMAIN.length);
  return sha256(buf);
}

export function encodeSigned(h: DkgHeader, body: DkgBody, signer: Signer): Uint8Array {
  const unsigned = encodeUnsigned(h, body);
  const signature = signer.sign(frameDigest(unsigned));
  if (signature.length !== SIGNATURE_BYTES) throw new DkgCodecError("the identity signer must return 64 bytes");
  const out = new Uint8Array(unsigned.length + SIGNATURE_BYTES);
  out.set(unsigned, 0);
  out.set(signature, unsigned.length);
  return out;
}

class Reader {
  private off = 0;
  constructor(private readonly b: Uint8Array) {}
  u8(): number {
    this.need(1);
    return this.b[this.off++]!;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  take(length: number): Uint8Array {
    this.need(length);
    // A real copy (a Buffer's slice() is a view): the frame is zeroized after reading, the transport may reuse it.
    const out = new Uint8Array(this.b.subarray(this.off, this.off + length));
    this.off += length;
    return out;
  }
  get remaining(): number {
    return this.b.length - this.off;
  }
  private need(length: number): void {
    if (this.off + length > this.b.length) throw new DkgCodecError(`frame ends early at byte ${this.off}`);
  }
}

/**
 * Decodes a peer's frame. Any deviation from the layout rejects the whole frame with a reason; nothing here
 * throws anything but DkgCodecError, whatever the bytes. Signatures are checked by `verifyFrame`.
 */
export function decodeFrame(frame: Uint8Array): DkgFrame {
  if (frame.length < HEADER_BYTES + SIGNATURE_BYTES)
    throw new DkgCodecError(`frame of ${frame.length} bytes is too short`);
  const r = new Reader(frame.subarray(0, frame.length - SIGNATURE_BYTES));
  const version = r.u8();
  if (version !== DKG_VERSION) throw new DkgCodecError(`unknown DKG frame version ${version}`);
  const typeByte = r.u8();
  const type = (Object.keys(MsgType) as MsgTypeName[]).find((k) => MsgType[k] === typeByte);
  if (!type) throw new DkgCodecError(`unknown DKG message type ${typeByte}`);
  const idBytes = r.take(CEREMONY_ID_BYTES);
  const ceremony = {
    miniPoolId: BigInt(`0x${Buffer.from(idBytes.subarray(0, 32)).toString("hex")}`),
    attempt: new DataView(idBytes.buffer, idBytes.byteOffset).getUint32(32),
  };
  const header = { ceremony, sender: r.u8(), n: r.u8(), t: r.u8() };
  checkHeader(header);
  const { n, t } = header;
  let body: DkgBody;
  switch (type) {
    case "commit":
      body = { type, commitments: Array.from({ length: t }, () => r.take(POINT)) };
      break;
    case "share": {
      const recipient = r.u8();
      checkMember(recipient, n, "recipient");
      body = { type, recipient, share: r.take(SCALAR) };
      break;
    }
    case "echo": {
      const mask = r.u16();
      if (mask >> n !== 0) throw new DkgCodecError("complaint bits beyond the committee");
      const complaints = Array.from({ length: n }, (_, i) => i).filter((i) => (mask >> i) & 1);
      const commits: (SignedCommit | null)[] = [];
      for (let d = 0; d < n; d++) {
        const present = r.u8();
        if (present === 0) commits.push(null);
        else if (present === 1) {
          const commitments = Array.from({ length: t }, () => r.take(POINT));
          commits.push({ commitments, signature: r.take(SIGNATURE_BYTES) });
        } else throw new DkgCodecError(`echo entry ${d} has presence byte ${present}`);
      }
      body = { type, complaints, commits };
      break;
    }
    case "reveal": {
      const count = r.u8();
      if (count === 0 || count >= n) throw new DkgCodecError(`a reveal of ${count} shares`);
      const reveals: { accuser: number; share: Uint8Array }[] = [];
      for (let k = 0; k < count; k++) {
        const accuser = r.u8();
        checkMember(accuser, n, "accuser");
        if ((k > 0 && accuser <= reveals[k - 1]!.accuser) || accuser === header.sender) {
          throw new DkgCodecError("reveal accusers must be ascending and not the dealer");
        }
        reveals.push({ accuser, share: r.take(SCALAR) });
      }
      body = { type, reveals };
      break;
    }
    case "partial":
      body = { type, transcript: r.take(TRANSCRIPT), signature: r.take(BLS_SIGNATURE) };
      break;
  }
  if (r.remaining !== 0) throw new DkgCodecError(`${r.remaining} trailing bytes after a ${type} frame`);
  return { ...header, body, signature: new Uint8Array(frame.subarray(frame.length - SIGNATURE_BYTES)) };
}

/** Checks the sender's identity signature on a decoded frame (re-encoding it: the layout is canonical). */
export function verifyFrame(frame: DkgFrame, senderKey: Uint8Array, verifier: Verifier): boolean {
  return verifier.verify(senderKey, frameDigest(encodeUnsigned(frame, frame.body)), frame.signature);
}

/** Checks an echoed commit: would the dealer's commit frame with these commitments carry this signature? */
export function verifyEchoedCommit(
  ceremony: CeremonyId,
  dealer: number,
  n: number,
  t: number,
  commit: SignedCommit,
  dealerKey: Uint8Array,
  verifier: Verifier,
): boolean {
  const unsigned = encodeUnsigned(
    { ceremony, sender: dealer, n, t },
    { type: "commit", commitments: commit.commitments },
  );
  return verifier.verify(dealerKey, frameDigest(unsigned), commit.signature);
}
