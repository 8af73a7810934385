import Database from "better-sqlite3";

export type Db = Database.Database;

/**
 * The node's local state lives in one SQLite file. WAL + synchronous=FULL: a committed transaction survives a
 * crash or power loss, which is what lets the signer release a partial signature right after recording it.
 * Schema changes are append-only migrations numbered by `user_version`.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
   CREATE TABLE signed_blocks (
     pubkey BLOB NOT NULL, slot INTEGER NOT NULL, signing_root BLOB,
     PRIMARY KEY (pubkey, slot)) STRICT;
   CREATE TABLE signed_attestations (
     pubkey BLOB NOT NULL, source_epoch INTEGER NOT NULL, target_epoch INTEGER NOT NULL, signing_root BLOB,
     PRIMARY KEY (pubkey, target_epoch)) STRICT;
   CREATE INDEX signed_attestations_by_source ON signed_attestations (pubkey, source_epoch);`,
  // Chain state. A validator's payload is kept exactly as the chain emitted it: this node's share inside stays
  // HPKE-encrypted to the node's X25519 key, which is how shares are encrypted at rest.
  `CREATE TABLE operators (
     id INTEGER PRIMARY KEY, owner TEXT NOT NULL, identity_key BLOB NOT NULL, encryption_key BLOB NOT NULL,
     name TEXT NOT NULL, active INTEGER NOT NULL) STRICT;
   CREATE TABLE validators (
     pubkey BLOB PRIMARY KEY, owner TEXT NOT NULL, operator_ids TEXT NOT NULL, nonce TEXT NOT NULL,
     payload BLOB NOT NULL, share_index INTEGER, status TEXT NOT NULL, status_block INTEGER NOT NULL,
     refusal TEXT) STRICT;`,
  // HotStuff safety state per consensus instance (consensus/types.ts SafetyState), written before each vote.
  `CREATE TABLE consensus_state (
     committee_id BLOB NOT NULL, duty_kind INTEGER NOT NULL, slot INTEGER NOT NULL,
     voted_view INTEGER NOT NULL, voted_phase INTEGER NOT NULL, locked BLOB, prepared BLOB,
     PRIMARY KEY (committee_id, duty_kind, slot)) STRICT;
   CREATE INDEX consensus_state_by_slot ON consensus_state (slot);`,
  // Mini-pools naming this operator, its DKG ceremonies (one row per attempt, written before the ceremony starts so a
  // crash mid-ceremony is never mistaken for a ceremony not yet run), and the keys they produced: the share sealed to
  // the node's own X25519 key exactly like a staker-registered share.
  `CREATE TABLE minipools (
     id INTEGER PRIMARY KEY, operator_ids TEXT NOT NULL, attempt INTEGER NOT NULL, phase TEXT NOT NULL,
     validator_pubkey BLOB) STRICT;
   CREATE TABLE dkg_ceremonies (
     minipool_id INTEGER NOT NULL, attempt INTEGER NOT NULL, outcome TEXT NOT NULL, detail TEXT,
     PRIMARY KEY (minipool_id, attempt)) STRICT;
   CREATE TABLE dkg_keys (
     validator_pubkey BLOB PRIMARY KEY, minipool_id INTEGER NOT NULL, attempt INTEGER NOT NULL,
     share_index INTEGER NOT NULL, share_enc BLOB NOT NULL, share_ct BLOB NOT NULL,
     share_public_keys BLOB NOT NULL, threshold INTEGER NOT NULL,
     deposit_signature BLOB NOT NULL, deposit_data_root BLOB NOT NULL) STRICT;`,
  // Where each operator's node listens (multiaddrs published in the registry), as a JSON array.
  `ALTER TABLE operators ADD COLUMN endpoints TEXT NOT NULL DEFAULT '[]';`,
  // A validator that moved into one of our committees (key-share restoration) waits for its handover epoch from the
  // move's block; `handover_epoch` is set once the doppelganger check passed, so a restart does not check again.
  `ALTER TABLE validators ADD COLUMN moved_in_block INTEGER;
   ALTER TABLE validators ADD COLUMN handover_epoch INTEGER;`,
  // Fee recipients the owners chose (FeeRecipientUpdated), of any key: a validator may move into one of our committees
  // later. A database synced before this table existed passed such events unread: the marker has the chain sync
  // read those blocks again for fee recipients only (chain/sync.ts).
  `CREATE TABLE fee_recipients (pubkey BLOB PRIMARY KEY, fee_recipient TEXT NOT NULL) STRICT;
   INSERT INTO meta (key, value) SELECT 'fee_recipient_backfill_to', value FROM meta WHERE key = 'sync_checkpoint';`,
];

export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the database at ${db.name} was written by a newer Cohort node (schema ${current}); upgrade the node`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/** A value of the `meta` table (sync checkpoints and the like), or undefined before the first write. */
function readMeta(db: Db, key: string): string | undefined {
  return db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
}

function writeMeta(db: Db, key: string, value: string): void {
  db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(
    key,
    value,
  );
}

export class NetworkMismatchError extends Error {
  override readonly name = "NetworkMismatchError";
}

/**
 * Pins a data dir to one network on first use. A database synced from another registry, EVM chain or beacon chain
 * holds operators, shares and slashing history that are not this network's: reusing it would serve the wrong
 * validators and judge slashing against the wrong history, so a mismatch stops the node with what to do.
 * `genesis_validators_root` is the key the slashing interchange pins as well.
 */
export function bindToNetwork(db: Db, network: Readonly<Record<string, string>>, dataDir: string): void {
  db.transaction(() => {
    for (const [key, value] of Object.entries(network)) {
      const stored = readMeta(db, key);
      if (stored === undefined) writeMeta(db, key, value.toLowerCase());
      else if (stored !== value.toLowerCase()) {
        throw new NetworkMismatchError(
          `the data dir ${dataDir} belongs to another network (${key} ${stored}, but the configured one has ${value.toLowerCase()}); ` +
            "point dataDir at an empty folder for this network, or fix execution.rpcUrl, execution.registry or beacon.url",
        );
      }
    }
  }).immediate();
}

/** A block-number checkpoint kept in `meta` (each event sync has its own key). */
export function readCheckpoint(db: Db, key: string): bigint | undefined {
  const value = readMeta(db, key);
  return value === undefined ? undefined : BigInt(value);
}

export function writeCheckpoint(db: Db, key: string, block: bigint): void {
  writeMeta(db, key, block.toString());
}
