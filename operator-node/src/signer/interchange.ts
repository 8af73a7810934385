import type { Db } from "../store/database.js";

/**
 * EIP-3076 interchange format v5: move a validator's signing history between nodes or clients. Import merges (it
 * never deletes history), keeps the node's existing record when both hold the same slot or target, and refuses a
 * file made for another chain (genesis validators root).
 */
export interface Interchange {
  metadata: { interchange_format_version: "5"; genesis_validators_root: string };
  data: {
    pubkey: string;
    signed_blocks: { slot: string; signing_root?: string }[];
    signed_attestations: { source_epoch: string; target_epoch: string; signing_root?: string }[];
  }[];
}

export class InterchangeError extends Error {
  override name = "InterchangeError";
}

const GVR_KEY = "genesis_validators_root";
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

export function exportInterchange(db: Db, genesisValidatorsRoot: string): Interchange {
  assertSameChain(db, genesisValidatorsRoot);
  const pubkeys = db
    .prepare<[], { pubkey: Uint8Array }>(
      "SELECT pubkey FROM signed_blocks UNION SELECT pubkey FROM signed_attestations ORDER BY pubkey",
    )
    .all();
  const blocks = db.prepare<[Uint8Array], { slot: number; signing_root: Uint8Array | null }>(
    "SELECT slot, signing_root FROM signed_blocks WHERE pubkey = ? ORDER BY slot",
  );
  const attestations = db.prepare<
    [Uint8Array],
    { source_epoch: number; target_epoch: number; signing_root: Uint8Array | null }
  >("SELECT source_epoch, target_epoch, signing_root FROM signed_attestations WHERE pubkey = ? ORDER BY target_epoch");
  return {
    metadata: { interchange_format_version: "5", genesis_validators_root: genesisValidatorsRoot.toLowerCase() },
    data: pubkeys.map(({ pubkey }) => ({
      pubkey: hex(pubkey),
      signed_blocks: blocks.all(pubkey).map((b) => ({
        slot: String(b.slot),
        ...(b.signing_root ? { signing_root: hex(b.signing_root) } : {}),
      })),
      signed_attestations: attestations.all(pubkey).map((a) => ({
        source_epoch: String(a.source_epoch),
        target_epoch: String(a.target_epoch),
        ...(a.signing_root ? { signing_root: hex(a.signing_root) } : {}),
      })),
    })),
  };
}

export function importInterchange(db: Db, text: string, genesisValidatorsRoot: string): { validators: number } {
  const interchange = parse(text);
  if (interchange.metadata.genesis_validators_root.toLowerCase() !== genesisValidatorsRoot.toLowerCase()) {
    throw new InterchangeError(
      "the interchange file is for another chain (genesis_validators_root differs); nothing imported",
    );
  }
  const insertBlock = db.prepare("INSERT OR IGNORE INTO signed_blocks (pubkey, slot, signing_root) VALUES (?, ?, ?)");
  const insertAttestation = db.prepare(
    "INSERT OR IGNORE INTO signed_attestations (pubkey, source_epoch, target_epoch, signing_root) VALUES (?, ?, ?, ?)",
  );
  db.transaction(() => {
    assertSameChain(db, genesisValidatorsRoot);
    for (const entry of interchange.data) {
      const pubkey = bytes(entry.pubkey, 48, "pubkey");
      for (const b of entry.signed_blocks) {
        insertBlock.run(pubkey, integer(b.slot, "slot"), optionalRoot(b.signing_root));
      }
      for (const a of entry.signed_attestations) {
        const source = integer(a.source_epoch, "source_epoch");
        const target = integer(a.target_epoch, "target_epoch");
        if (source > target) throw new InterchangeError(`attestation ${source}→${target} has source after target`);
        insertAttestation.run(pubkey, source, target, optionalRoot(a.signing_root));
      }
    }
  }).immediate();
  return { validators: interchange.data.length };
}

/** The first import or export pins the node's database to one chain. */
function assertSameChain(db: Db, genesisValidatorsRoot: string): void {
  const stored = db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?").get(GVR_KEY)?.value;
  const wanted = genesisValidatorsRoot.toLowerCase();
  if (stored === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(GVR_KEY, wanted);
  } else if (stored !== wanted) {
    throw new InterchangeError(`this slashing database belongs to the chain with genesis_validators_root ${stored}`);
  }
}

function parse(text: string): Interchange {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InterchangeError("the interchange file is not JSON");
  }
  const i = data as Interchange;
  if (i?.metadata?.interchange_format_version !== "5") {
    throw new InterchangeError("only EIP-3076 interchange format version 5 is supported");
  }
  if (typeof i.metadata.genesis_validators_root !== "string" || !Array.isArray(i.data)) {
    throw new InterchangeError("the interchange file lacks genesis_validators_root or data");
  }
  for (const entry of i.data) {
    if (!Array.isArray(entry?.signed_blocks) || !Array.isArray(entry?.signed_attestations)) {
      throw new InterchangeError("every data entry needs signed_blocks and signed_attestations arrays");
    }
  }
  return i;
}

function bytes(value: unknown, length: number, what: string): Buffer {
  if (typeof value !== "string" || !new RegExp(`^0x[0-9a-fA-F]{${length * 2}}$`).test(value)) {
    throw new InterchangeError(`${what} must be 0x-hex of ${length} bytes`);
  }
  return Buffer.from(value.slice(2), "hex");
}

function optionalRoot(value: unknown): Buffer | null {
  return value === undefined ? null : bytes(value, 32, "signing_root");
}

function integer(value: unknown, what: string): number {
  if (typeof value !== "string" || !/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InterchangeError(`${what} must be a decimal string`);
  }
  return Number(value);
}
