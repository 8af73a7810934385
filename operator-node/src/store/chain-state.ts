import type { Address } from "viem";
import { type Db, readCheckpoint, writeCheckpoint } from "./database.js";

export type ValidatorStatus = "active" | "exit_requested" | "liquidated" | "removed" | "moved" | "refused";

export interface TrackedValidator {
  publicKey: Uint8Array;
  owner: Address;
  operatorIds: bigint[];
  nonce: bigint;
  payload: Uint8Array;
  /** This node's share index; null when the registration was refused. */
  shareIndex: number | null;
  status: ValidatorStatus;
  statusBlock: bigint;
  refusal: string | null;
  /** Block of the move that brought the validator into this committee; null when it was registered here. */
  movedInBlock: bigint | null;
  /** Epoch from which a moved-in validator may sign, once its doppelganger check passed; null until then. */
  handoverEpoch: number | null;
}

export interface OperatorRecord {
  id: bigint;
  owner: Address;
  identityKey: Uint8Array;
  encryptionKey: Uint8Array;
  name: string;
  active: boolean;
  /** Multiaddrs the operator published for its node (unchecked strings from the chain). */
  endpoints: string[];
}

type OperatorRow = {
  id: number;
  owner: string;
  identity_key: Uint8Array;
  encryption_key: Uint8Array;
  name: string;
  active: number;
  endpoints: string;
};

type ValidatorRow = {
  pubkey: Uint8Array;
  owner: string;
  operator_ids: string;
  nonce: string;
  payload: Uint8Array;
  share_index: number | null;
  status: ValidatorStatus;
  status_block: number;
  refusal: string | null;
  moved_in_block: number | null;
  handover_epoch: number | null;
};

const CHECKPOINT = "sync_checkpoint";
/** Written by the migration that added fee recipients: blocks up to it were synced without reading them. */
const FEE_RECIPIENT_BACKFILL = "fee_recipient_backfill_to";

/** The node's view of the registry, rebuilt from events. Writes happen only inside the sync's batch transaction. */
export class ChainState {
  constructor(readonly db: Db) {}

  checkpoint(): bigint | undefined {
    return readCheckpoint(this.db, CHECKPOINT);
  }

  setCheckpoint(block: bigint): void {
    writeCheckpoint(this.db, CHECKPOINT, block);
  }

  upsertOperator(o: Omit<OperatorRecord, "endpoints">): void {
    this.db
      .prepare(
        `INSERT INTO operators (id, owner, identity_key, encryption_key, name, active) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, identity_key = excluded.identity_key,
           encryption_key = excluded.encryption_key, name = excluded.name, active = excluded.active`,
      )
      .run(o.id, o.owner, o.identityKey, o.encryptionKey, o.name, o.active ? 1 : 0);
  }

  setOperatorEndpoints(id: bigint, endpoints: readonly string[]): void {
    this.db.prepare("UPDATE operators SET endpoints = ? WHERE id = ?").run(JSON.stringify(endpoints), id);
  }

  /** Every operator the registry has named, removed ones included (ascending id). */
  operators(): OperatorRecord[] {
    return this.db.prepare<[], OperatorRow>("SELECT * FROM operators ORDER BY id").all().map(operatorOf);
  }

  deactivateOperator(id: bigint): void {
    this.db.prepare("UPDATE operators SET active = 0 WHERE id = ?").run(id);
  }

  operator(id: bigint): OperatorRecord | undefined {
    const row = this.db.prepare<[bigint], OperatorRow>("SELECT * FROM operators WHERE id = ?").get(id);
    return row && operatorOf(row);
  }

  putValidator(v: TrackedValidator): void {
    this.db
      .prepare(
        `INSERT INTO validators (pubkey, owner, operator_ids, nonce, payload, share_index, status, status_block, refusal,
           moved_in_block, handover_epoch)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(pubkey) DO UPDATE SET owner = excluded.owner, operator_ids = excluded.operator_ids,
           nonce = excluded.nonce, payload = excluded.payload, share_index = excluded.share_index,
           status = excluded.status, status_block = excluded.status_block, refusal = excluded.refusal,
           moved_in_block = excluded.moved_in_block, handover_epoch = excluded.handover_epoch`,
      )
      .run(
        v.publicKey,
        v.owner,
        JSON.stringify(v.operatorIds.map(String)),
        v.nonce.toString(),
        v.payload,
        v.shareIndex,
        v.status,
        v.statusBlock,
        v.refusal,
        v.movedInBlock,
        v.handoverEpoch,
      );
  }

  /** Records that a moved-in validator passed its doppelganger check and signs from `epoch` on. */
  setHandoverEpoch(publicKey: Uint8Array, epoch: number): void {
    this.db.prepare("UPDATE validators SET handover_epoch = ? WHERE pubkey = ?").run(epoch, publicKey);
  }

  setStatus(publicKey: Uint8Array, status: ValidatorStatus, block: bigint): void {
    this.db
      .prepare("UPDATE validators SET status = ?, status_block = ? WHERE pubkey = ?")
      .run(status, block, publicKey);
  }

  /** The owner's choice for `publicKey` (FeeRecipientUpdated), kept for every key whoever serves it. */
  setFeeRecipient(publicKey: Uint8Array, feeRecipient: Address): void {
    this.db
      .prepare(
        `INSERT INTO fee_recipients (pubkey, fee_recipient) VALUES (?, ?)
         ON CONFLICT(pubkey) DO UPDATE SET fee_recipient = excluded.fee_recipient`,
      )
      .run(publicKey, feeRecipient);
  }

  /** Back to the default (a new registration of the key, or its removal): the owner. */
  clearFeeRecipient(publicKey: Uint8Array): void {
    this.db.prepare("DELETE FROM fee_recipients WHERE pubkey = ?").run(publicKey);
  }

  /**
   * Where a registry validator's blocks pay, as the registry's `feeRecipientOf` answers: the owner's choice, else
   * the owner. Undefined for a key this node does not track.
   */
  feeRecipientOf(publicKey: Uint8Array): Address | undefined {
    const row = this.db
      .prepare<[Uint8Array], { fee_recipient: string }>("SELECT fee_recipient FROM fee_recipients WHERE pubkey = ?")
      .get(publicKey);
    const owner = this.db
      .prepare<[Uint8Array], { owner: string }>("SELECT owner FROM validators WHERE pubkey = ?")
      .get(publicKey)?.owner;
    if (owner === undefined) return undefined;
    return (row?.fee_recipient ?? owner) as Address;
  }

  /** The last block synced without fee recipients, when a migration left some to read again; else undefined. */
  feeRecipientBackfillTo(): bigint | undefined {
    return readCheckpoint(this.db, FEE_RECIPIENT_BACKFILL);
  }

  feeRecipientBackfillDone(): void {
    this.db.prepare("DELETE FROM meta WHERE key = ?").run(FEE_RECIPIENT_BACKFILL);
  }

  validator(publicKey: Uint8Array): TrackedValidator | undefined {
    const row = this.db.prepare<[Uint8Array], ValidatorRow>("SELECT * FROM validators WHERE pubkey = ?").get(publicKey);
    return row && toValidator(row);
  }

  validators(): TrackedValidator[] {
    return this.db.prepare<[], ValidatorRow>("SELECT * FROM validators ORDER BY pubkey").all().map(toValidator);
  }

  /** Validators of one committee account (owner + operator set), as liquidation and reactivation address them. */
  committeeValidators(owner: Address, operatorIds: readonly bigint[]): TrackedValidator[] {
    const ids = JSON.stringify(operatorIds.map(String));
    return this.db
      .prepare<[string, string], ValidatorRow>(
        "SELECT * FROM validators WHERE lower(owner) = lower(?) AND operator_ids = ?",
      )
      .all(owner, ids)
      .map(toValidator);
  }
}

function toValidator(row: ValidatorRow): TrackedValidator {
  return {
    publicKey: new Uint8Array(row.pubkey),
    owner: row.owner as Address,
    operatorIds: (JSON.parse(row.operator_ids) as string[]).map(BigInt),
    nonce: BigInt(row.nonce),
    payload: new Uint8Array(row.payload),
    shareIndex: row.share_index,
    status: row.status,
    statusBlock: BigInt(row.status_block),
    refusal: row.refusal,
    movedInBlock: row.moved_in_block === null ? null : BigInt(row.moved_in_block),
    handoverEpoch: row.handover_epoch,
  };
}

function operatorOf(row: OperatorRow): OperatorRecord {
  return {
    id: BigInt(row.id),
    owner: row.owner as Address,
    identityKey: new Uint8Array(row.identity_key),
    encryptionKey: new Uint8Array(row.encryption_key),
    name: row.name,
    active: row.active === 1,
    endpoints: JSON.parse(row.endpoints) as string[],
  };
}
