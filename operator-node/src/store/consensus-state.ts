/**
 * The consensus engine's SafetyStore over the node's SQLite file: one row per instance with the highest (view,
 * phase) voted, the lock and the prepareQC. `save` is one autocommit statement under WAL + synchronous=FULL, so it
 * is on disk when it returns, before the engine lets the vote go.
 */
import type { CertifiedValue, InstanceId, Phase, QuorumCert, SafetyState, SafetyStore } from "../consensus/types.js";
import type { Db } from "./database.js";

export class ConsensusStateCorruptError extends Error {
  override readonly name = "ConsensusStateCorruptError";
}

interface Row {
  voted_view: number;
  voted_phase: number;
  locked: Uint8Array | null;
  prepared: Uint8Array | null;
}

export class ConsensusStateStore implements SafetyStore {
  private readonly select;
  private readonly upsert;
  private readonly prune;

  constructor(db: Db) {
    this.select = db.prepare<[Uint8Array, number, number], Row>(
      "SELECT voted_view, voted_phase, locked, prepared FROM consensus_state WHERE committee_id = ? AND duty_kind = ? AND slot = ?",
    );
    this.upsert = db.prepare(
      `INSERT INTO consensus_state (committee_id, duty_kind, slot, voted_view, voted_phase, locked, prepared)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (committee_id, duty_kind, slot) DO UPDATE SET
         voted_view = excluded.voted_view, voted_phase = excluded.voted_phase,
         locked = excluded.locked, prepared = excluded.prepared`,
    );
    this.prune = db.prepare<[number]>("DELETE FROM consensus_state WHERE slot < ?");
  }

  load(instance: InstanceId): SafetyState | undefined {
    const row = this.select.get(instance.committeeId, instance.dutyKind, slotOf(instance.slot));
    if (!row) return undefined;
    return {
      votedView: row.voted_view,
      votedPhase: row.voted_phase as Phase,
      ...(row.locked ? { locked: decodeCertified(row.locked) } : {}),
      ...(row.prepared ? { prepared: decodeCertified(row.prepared) } : {}),
    };
  }

  save(instance: InstanceId, state: SafetyState): void {
    this.upsert.run(
      instance.committeeId,
      instance.dutyKind,
      slotOf(instance.slot),
      state.votedView,
      state.votedPhase,
      state.locked ? encodeCertified(state.locked) : null,
      state.prepared ? encodeCertified(state.prepared) : null,
    );
  }

  pruneBelow(slot: bigint): void {
    if (slot > 0n) this.prune.run(slotOf(slot));
  }
}

/** SQLite integers are signed 64-bit; real slots are far below 2^53, where a JS number is exact. */
function slotOf(slot: bigint): number {
  if (slot < 0n || slot > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`slot ${slot} out of range for the consensus state store`);
  return Number(slot);
}

/**
 * u8 phase | u32 view | 32 valueHash | u8 k | k × (u8 signer | 64 signature) | u32 valueLength | value.
 * Only this node writes these bytes, but a torn or edited file must fail loudly, not decode into a wrong lock.
 */
export function encodeCertified(c: CertifiedValue): Uint8Array {
  const { qc, value } = c;
  const out = new Uint8Array(1 + 4 + 32 + 1 + qc.signers.length * 65 + 4 + value.length);
  const dv = new DataView(out.buffer);
  let off = 0;
  dv.setUint8(off, qc.phase);
  dv.setUint32(off + 1, qc.view);
  out.set(qc.valueHash, off + 5);
  dv.setUint8(off + 37, qc.signers.length);
  off = 38;
  for (const [i, s] of qc.signers.entries()) {
    dv.setUint8(off, s);
    out.set(qc.signatures[i]!, off + 1);
    off += 65;
  }
  dv.setUint32(off, value.length);
  out.set(value, off + 4);
  return out;
}

export function decodeCertified(stored: Uint8Array): CertifiedValue {
  // SQLite hands back Buffers; a plain copy keeps Buffer out of the consensus core's values.
  const bytes = new Uint8Array(stored);
  const corrupt = (): never => {
    throw new ConsensusStateCorruptError(
      "stored consensus state is corrupt; restore the node's database from a backup or delete its consensus_state rows and wait one epoch before restarting",
    );
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 42) corrupt();
  const k = dv.getUint8(37);
  let off = 38;
  if (bytes.length < off + k * 65 + 4) corrupt();
  const signers: number[] = [];
  const signatures: Uint8Array[] = [];
  for (let i = 0; i < k; i++) {
    signers.push(dv.getUint8(off));
    signatures.push(bytes.slice(off + 1, off + 65));
    off += 65;
  }
  const len = dv.getUint32(off);
  if (bytes.length !== off + 4 + len) corrupt();
  const qc: QuorumCert = {
    phase: dv.getUint8(0) as Phase,
    view: dv.getUint32(1),
    valueHash: bytes.slice(5, 37),
    signers,
    signatures,
  };
  return { qc, value: bytes.slice(off + 4) };
}
