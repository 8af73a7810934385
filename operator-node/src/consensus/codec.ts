/**
 * Strict binary codec for consensus messages. Every length is bounded before anything is allocated, reserved bits
 * must be zero, trailing bytes are refused: one message has exactly one encoding, and any byte string either decodes
 * or throws `CodecError` (never another error, never a partial message).
 *
 * Layout (big-endian):
 *   u8 version=1 | u8 type | 32 committeeId | u8 dutyKind | u64 slot | u32 view | u8 sender | u8 flags
 *   [flags&1: u8 votePhase | 32 voteValueHash]
 *   [flags&2: QC = u8 phase | u32 view | 32 valueHash | u16 signerBitmap | k×64 signatures (k = popcount)]
 *   [flags&4: u32 valueLength | value]
 *   64 signature
 */
import { COMMITTEE_SIZES, type ConsensusMsg, MsgType, Phase, type QuorumCert } from "./types.js";

export const CODEC_VERSION = 1;
export const MAX_COMMITTEE = Math.max(...COMMITTEE_SIZES);
/** Default bound on a proposed value. Attestation data is ~128 bytes; blinded blocks a few KiB. */
export const DEFAULT_MAX_VALUE_BYTES = 128 * 1024;
export const SIGNATURE_BYTES = 64;
export const HASH_BYTES = 32;
const HEADER_BYTES = 1 + 1 + 32 + 1 + 8 + 4 + 1 + 1;
const QC_FIXED_BYTES = 1 + 4 + 32 + 2;

/** Largest encoding `encodeMsg` can produce for a given value bound; transports use it as their frame limit. */
export function maxEncodedBytes(maxValueBytes = DEFAULT_MAX_VALUE_BYTES): number {
  return HEADER_BYTES + 33 + QC_FIXED_BYTES + MAX_COMMITTEE * SIGNATURE_BYTES + 4 + maxValueBytes + SIGNATURE_BYTES;
}

export class CodecError extends Error {
  override readonly name = "CodecError";
}

const MSG_TYPES = new Set<number>(Object.values(MsgType));
const PHASES = new Set<number>(Object.values(Phase));

function fail(what: string): never {
  throw new CodecError(`consensus message rejected: ${what}; the peer sent a malformed or oversized message, drop it`);
}

class Reader {
  private off = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number, what: string): void {
    if (this.buf.length - this.off < n) fail(`truncated ${what}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.off++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.off);
    this.off += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.off);
    this.off += 4;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.off);
    this.off += 8;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }
  done(): void {
    if (this.off !== this.buf.length) fail(`${this.buf.length - this.off} trailing bytes`);
  }
}

class Writer {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private off = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  u8(v: number): void {
    this.view.setUint8(this.off++, v);
  }
  u16(v: number): void {
    this.view.setUint16(this.off, v);
    this.off += 2;
  }
  u32(v: number): void {
    this.view.setUint32(this.off, v);
    this.off += 4;
  }
  u64(v: bigint): void {
    this.view.setBigUint64(this.off, v);
    this.off += 8;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.off);
    this.off += b.length;
  }
  finish(): Uint8Array {
    return this.off === this.buf.length ? this.buf : this.buf.subarray(0, this.off);
  }
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) fail(`${what} ${v} out of range 0..${max}`);
}

function checkLen(b: Uint8Array, len: number, what: string): void {
  if (b.length !== len) fail(`${what} must be ${len} bytes, got ${b.length}`);
}

function checkQc(qc: QuorumCert): void {
  if (!PHASES.has(qc.phase)) fail(`unknown QC phase ${qc.phase}`);
  checkUint(qc.view, 0xffffffff, "QC view");
  checkLen(qc.valueHash, HASH_BYTES, "QC value hash");
  if (qc.signers.length !== qc.signatures.length) fail("QC signer and signature counts differ");
  if (qc.signers.length === 0) fail("QC without signatures");
  let prev = -1;
  for (const [i, s] of qc.signers.entries()) {
    checkUint(s, MAX_COMMITTEE - 1, "QC signer");
    if (s <= prev) fail("QC signers not strictly ascending");
    prev = s;
    checkLen(qc.signatures[i]!, SIGNATURE_BYTES, "QC signature");
  }
}

/** Checks which optional fields a message type carries; shared by encode and decode so both refuse the same shapes. */
function checkShape(type: number, hasVote: boolean, hasQc: boolean, hasValue: boolean): void {
  const shape: Record<number, [vote: boolean, qc: "no" | "opt" | "yes", value: "no" | "opt" | "yes"]> = {
    [MsgType.newView]: [false, "opt", "opt"],
    [MsgType.prepare]: [false, "opt", "yes"],
    [MsgType.preCommit]: [false, "yes", "yes"],
    [MsgType.commit]: [false, "yes", "yes"],
    [MsgType.decide]: [false, "yes", "yes"],
    [MsgType.vote]: [true, "no", "no"],
  };
  const s = shape[type];
  if (!s) fail(`unknown message type ${type}`);
  const [vote, qc, value] = s;
  if (vote !== hasVote) fail(`type ${type} ${vote ? "needs" : "must not carry"} a vote`);
  if ((qc === "yes" && !hasQc) || (qc === "no" && hasQc)) fail(`type ${type} QC presence wrong`);
  if ((value === "yes" && !hasValue) || (value === "no" && hasValue)) fail(`type ${type} value presence wrong`);
  // A new-view carries its prepareQC together with the QC's value, or neither.
  if (type === MsgType.newView && hasQc !== hasValue) fail("new-view must carry a QC and its value together");
}

/** Encodes everything but the trailing signature: this is what the sender signs (after domain separation). */
export function encodeUnsigned(
  msg: Omit<ConsensusMsg, "signature">,
  maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
): Uint8Array {
  return encodeInner(msg, undefined, maxValueBytes);
}

export function encodeMsg(msg: ConsensusMsg, maxValueBytes = DEFAULT_MAX_VALUE_BYTES): Uint8Array {
  checkLen(msg.signature, SIGNATURE_BYTES, "signature");
  return encodeInner(msg, msg.signature, maxValueBytes);
}

function encodeInner(
  msg: Omit<ConsensusMsg, "signature">,
  signature: Uint8Array | undefined,
  maxValueBytes: number,
): Uint8Array {
  checkShape(msg.type, msg.vote !== undefined, msg.justify !== undefined, msg.value !== undefined);
  checkLen(msg.instance.committeeId, 32, "committee id");
  checkUint(msg.instance.dutyKind, 0xff, "duty kind");
  if (msg.instance.slot < 0n || msg.instance.slot > 0xffffffffffffffffn) fail("slot out of u64 range");
  checkUint(msg.view, 0xffffffff, "view");
  checkUint(msg.sender, MAX_COMMITTEE - 1, "sender");
  if (msg.vote) {
    if (!PHASES.has(msg.vote.phase)) fail(`unknown vote phase ${msg.vote.phase}`);
    checkLen(msg.vote.valueHash, HASH_BYTES, "vote value hash");
  }
  if (msg.justify) checkQc(msg.justify);
  if (msg.value && msg.value.length > maxValueBytes)
    fail(`value of ${msg.value.length} bytes exceeds ${maxValueBytes}`);

  const size =
    HEADER_BYTES +
    (msg.vote ? 33 : 0) +
    (msg.justify ? QC_FIXED_BYTES + msg.justify.signatures.length * SIGNATURE_BYTES : 0) +
    (msg.value ? 4 + msg.value.length : 0) +
    (signature ? SIGNATURE_BYTES : 0);
  const w = new Writer(size);
  w.u8(CODEC_VERSION);
  w.u8(msg.type);
  w.bytes(msg.instance.committeeId);
  w.u8(msg.instance.dutyKind);
  w.u64(msg.instance.slot);
  w.u32(msg.view);
  w.u8(msg.sender);
  w.u8((msg.vote ? 1 : 0) | (msg.justify ? 2 : 0) | (msg.value ? 4 : 0));
  if (msg.vote) {
    w.u8(msg.vote.phase);
    w.bytes(msg.vote.valueHash);
  }
  if (msg.justify) {
    const qc = msg.justify;
    w.u8(qc.phase);
    w.u32(qc.view);
    w.bytes(qc.valueHash);
    let bitmap = 0;
    for (const s of qc.signers) bitmap |= 1 << s;
    w.u16(bitmap);
    for (const sig of qc.signatures) w.bytes(sig);
  }
  if (msg.value) {
    w.u32(msg.value.length);
    w.bytes(msg.value);
  }
  if (signature) w.bytes(signature);
  return w.finish();
}

export function decodeMsg(bytes: Uint8Array, maxValueBytes = DEFAULT_MAX_VALUE_BYTES): ConsensusMsg {
  if (!(bytes instanceof Uint8Array)) fail("input is not bytes");
  if (bytes.length > maxEncodedBytes(maxValueBytes)) fail(`message of ${bytes.length} bytes is too large`);
  const r = new Reader(bytes);
  const version = r.u8("version");
  if (version !== CODEC_VERSION) fail(`unsupported version ${version}`);
  const type = r.u8("type");
  if (!MSG_TYPES.has(type)) fail(`unknown message type ${type}`);
  const committeeId = r.bytes(32, "committee id");
  const dutyKind = r.u8("duty kind");
  const slot = r.u64("slot");
  const view = r.u32("view");
  const sender = r.u8("sender");
  if (sender >= MAX_COMMITTEE) fail(`sender ${sender} out of range`);
  const flags = r.u8("flags");
  if (flags & ~7) fail("reserved flag bits set");
  checkShape(type, (flags & 1) !== 0, (flags & 2) !== 0, (flags & 4) !== 0);

  let vote: ConsensusMsg["vote"];
  if (flags & 1) {
    const phase = r.u8("vote phase");
    if (!PHASES.has(phase)) fail(`unknown vote phase ${phase}`);
    vote = { phase: phase as Phase, valueHash: r.bytes(HASH_BYTES, "vote value hash") };
  }
  let justify: QuorumCert | undefined;
  if (flags & 2) {
    const phase = r.u8("QC phase");
    if (!PHASES.has(phase)) fail(`unknown QC phase ${phase}`);
    const qcView = r.u32("QC view");
    const valueHash = r.bytes(HASH_BYTES, "QC value hash");
    const bitmap = r.u16("QC signer bitmap");
    if (bitmap === 0) fail("QC without signers");
    if (bitmap >> MAX_COMMITTEE) fail("QC signer bitmap names members beyond the largest committee");
    const signers: number[] = [];
    const signatures: Uint8Array[] = [];
    for (let i = 0; i < MAX_COMMITTEE; i++) {
      if (bitmap & (1 << i)) {
        signers.push(i);
        signatures.push(r.bytes(SIGNATURE_BYTES, "QC signature"));
      }
    }
    justify = { phase: phase as Phase, view: qcView, valueHash, signers, signatures };
  }
  let value: Uint8Array | undefined;
  if (flags & 4) {
    const len = r.u32("value length");
    if (len > maxValueBytes) fail(`value of ${len} bytes exceeds ${maxValueBytes}`);
    value = r.bytes(len, "value");
  }
  const signature = r.bytes(SIGNATURE_BYTES, "signature");
  r.done();
  const msg: ConsensusMsg = {
    type: type as MsgType,
    instance: { committeeId, dutyKind, slot },
    view,
    sender,
    signature,
    ...(vote ? { vote } : {}),
    ...(justify ? { justify } : {}),
    ...(value ? { value } : {}),
  };
  return msg;
}
