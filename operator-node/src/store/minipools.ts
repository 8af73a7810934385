import { type Db, readCheckpoint, writeCheckpoint } from "./database.js";

/** A mini-pool's life as the contract tells it (MiniPoolState), lower-cased. */
export type MiniPoolPhase = "awaiting_dkg" | "ready" | "active" | "failed" | "cancelled" | "exited";

export interface MiniPoolRecord {
  id: bigint;
  /** Ascending: member index = position, share index = position + 1. */
  operatorIds: bigint[];
  attempt: number;
  phase: MiniPoolPhase;
  validatorPubkey: Uint8Array | null;
}

/**
 * This node's part in one ceremony. `started` is written before the first frame leaves: a node that finds it after a
 * crash knows the ceremony ran without it finishing, and does not rerun the same id (peers have moved on).
 */
export type CeremonyOutcome = "started" | "sealed" | "confirmed" | "failed" | "abandoned";

export interface DkgKeyRecord {
  validatorPubkey: Uint8Array;
  miniPoolId: bigint;
  attempt: number;
  shareIndex: number;
  /** HPKE-sealed to the node's own X25519 key (sdk encryptShare), as a registry payload carries a share. */
  sealed: { enc: Uint8Array; ciphertext: Uint8Array };
  sharePublicKeys: Uint8Array[];
  threshold: number;
  depositSignature: Uint8Array;
  depositDataRoot: Uint8Array;
}

const CHECKPOINT = "minipool_sync_checkpoint";
const G1 = 48;

type PoolRow = {
  id: number;
  operator_ids: string;
  attempt: number;
  phase: MiniPoolPhase;
  validator_pubkey: Uint8Array | null;
};
type KeyRow = {
  validator_pubkey: Uint8Array;
  minipool_id: number;
  attempt: number;
  share_index: number;
  share_enc: Uint8Array;
  share_ct: Uint8Array;
  share_public_keys: Uint8Array;
  threshold: number;
  deposit_signature: Uint8Array;
  deposit_data_root: Uint8Array;
};

export class MiniPoolStore {
  constructor(readonly db: Db) {}

  checkpoint(): bigint | undefined {
    return readCheckpoint(this.db, CHECKPOINT);
  }

  setCheckpoint(block: bigint): void {
    writeCheckpoint(this.db, CHECKPOINT, block);
  }

  put(m: MiniPoolRecord): void {
    this.db
      .prepare(
        `INSERT INTO minipools (id, operator_ids, attempt, phase, validator_pubkey) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET operator_ids = excluded.operator_ids, attempt = excluded.attempt,
           phase = excluded.phase, validator_pubkey = excluded.validator_pubkey`,
      )
      .run(m.id, JSON.stringify(m.operatorIds.map(String)), m.attempt, m.phase, m.validatorPubkey);
  }

  get(id: bigint): MiniPoolRecord | undefined {
    const row = this.db.prepare<[bigint], PoolRow>("SELECT * FROM minipools WHERE id = ?").get(id);
    return row && toPool(row);
  }

  all(): MiniPoolRecord[] {
    return this.db.prepare<[], PoolRow>("SELECT * FROM minipools ORDER BY id").all().map(toPool);
  }

  ceremony(id: bigint, attempt: number): { outcome: CeremonyOutcome; detail: string | null } | undefined {
    return this.db
      .prepare<[bigint, number], { outcome: CeremonyOutcome; detail: string | null }>(
        "SELECT outcome, detail FROM dkg_ceremonies WHERE minipool_id = ? AND attempt = ?",
      )
      .get(id, attempt);
  }

  setCeremony(id: bigint, attempt: number, outcome: CeremonyOutcome, detail: string | null = null): void {
    this.db
      .prepare(
        `INSERT INTO dkg_ceremonies (minipool_id, attempt, outcome, detail) VALUES (?, ?, ?, ?)
         ON CONFLICT(minipool_id, attempt) DO UPDATE SET outcome = excluded.outcome, detail = excluded.detail`,
      )
      .run(id, attempt, outcome, detail);
  }

  /** The key and the `sealed` outcome in one transaction: a share on disk always has its ceremony marked done. */
  putKey(k: DkgKeyRecord): void {
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT OR REPLACE INTO dkg_keys (validator_pubkey, minipool_id, attempt, share_index, share_enc, share_ct,
               share_public_keys, threshold, deposit_signature, deposit_data_root) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            k.validatorPubkey,
            k.miniPoolId,
            k.attempt,
            k.shareIndex,
            k.sealed.enc,
            k.sealed.ciphertext,
            Buffer.concat(k.sharePublicKeys),
            k.threshold,
            k.depositSignature,
            k.depositDataRoot,
          );
        this.setCeremony(k.miniPoolId, k.attempt, "sealed");
      })
      .immediate();
  }

  key(miniPoolId: bigint, attempt: number): DkgKeyRecord | undefined {
    const row = this.db
      .prepare<[bigint, number], KeyRow>("SELECT * FROM dkg_keys WHERE minipool_id = ? AND attempt = ?")
      .get(miniPoolId, attempt);
    return row && toKey(row);
  }

  keys(): DkgKeyRecord[] {
    return this.db.prepare<[], KeyRow>("SELECT * FROM dkg_keys ORDER BY minipool_id").all().map(toKey);
  }
}

function toPool(row: PoolRow): MiniPoolRecord {
  return {
    id: BigInt(row.id),
    operatorIds: (JSON.parse(row.operator_ids) as string[]).map(BigInt),
    attempt: row.attempt,
    phase: row.phase,
    validatorPubkey: row.validator_pubkey ? new Uint8Array(row.validator_pubkey) : null,
  };
}

function toKey(row: KeyRow): DkgKeyRecord {
  const keys = new Uint8Array(row.share_public_keys);
  return {
    validatorPubkey: new Uint8Array(row.validator_pubkey),
    miniPoolId: BigInt(row.minipool_id),
    attempt: row.attempt,
    shareIndex: row.share_index,
    sealed: { enc: new Uint8Array(row.share_enc), ciphertext: new Uint8Array(row.share_ct) },
    sharePublicKeys: Array.from({ length: keys.length / G1 }, (_, i) => keys.slice(i * G1, (i + 1) * G1)),
    threshold: row.threshold,
    depositSignature: new Uint8Array(row.deposit_signature),
    depositDataRoot: new Uint8Array(row.deposit_data_root),
  };
}
