import type { Db } from "../store/database.js";

/**
 * EIP-3076 slashing protection. Every check and its record happen in one SQLite transaction that is durable when
 * it returns, so a partial signature is only ever released for a message that is already on disk: a crash between
 * "recorded" and "sent" can lose a duty, never cause a slashable second signature.
 *
 * Rules, per validator public key:
 * - block: refused unless its slot is above every slot signed before; re-signing the identical block is allowed.
 * - attestation: refused on a double vote (same target, another source or signing root), on a surround either way,
 *   on source > target, and below the lowest source / at or below the lowest target on record (EIP-3076's low
 *   watermarks, which also cover histories imported without signing roots).
 */
export class SlashableSigningError extends Error {
  override name = "SlashableSigningError";
  constructor(
    readonly reason:
      | "DOUBLE_BLOCK"
      | "BLOCK_SLOT_NOT_INCREASING"
      | "DOUBLE_VOTE"
      | "SURROUNDING_VOTE"
      | "SURROUNDED_VOTE"
      | "SOURCE_AFTER_TARGET"
      | "BELOW_LOW_WATERMARK",
    detail: string,
  ) {
    super(`refused to sign: ${detail} (slashing protection)`);
  }
}

export interface BlockSigning {
  pubkey: Uint8Array;
  slot: number;
  signingRoot: Uint8Array;
}

export interface AttestationSigning {
  pubkey: Uint8Array;
  sourceEpoch: number;
  targetEpoch: number;
  signingRoot: Uint8Array;
}

export class SlashingProtection {
  private readonly recordBlock;
  private readonly recordAttestation;
  private readonly recordAttestations;

  constructor(private readonly db: Db) {
    const blockAt = db.prepare<[Uint8Array, number], { signing_root: Uint8Array | null }>(
      "SELECT signing_root FROM signed_blocks WHERE pubkey = ? AND slot = ?",
    );
    const maxSlot = db.prepare<[Uint8Array], { slot: number | null }>(
      "SELECT MAX(slot) AS slot FROM signed_blocks WHERE pubkey = ?",
    );
    const insertBlock = db.prepare("INSERT INTO signed_blocks (pubkey, slot, signing_root) VALUES (?, ?, ?)");
    const attestationAt = db.prepare<[Uint8Array, number], { source_epoch: number; signing_root: Uint8Array | null }>(
      "SELECT source_epoch, signing_root FROM signed_attestations WHERE pubkey = ? AND target_epoch = ?",
    );
    const surrounding = db.prepare<[Uint8Array, number, number], { source_epoch: number; target_epoch: number }>(
      "SELECT source_epoch, target_epoch FROM signed_attestations WHERE pubkey = ? AND source_epoch < ? AND target_epoch > ? LIMIT 1",
    );
    const surrounded = db.prepare<[Uint8Array, number, number], { source_epoch: number; target_epoch: number }>(
      "SELECT source_epoch, target_epoch FROM signed_attestations WHERE pubkey = ? AND source_epoch > ? AND target_epoch < ? LIMIT 1",
    );
    const watermarks = db.prepare<[Uint8Array], { source: number | null; target: number | null }>(
      "SELECT MIN(source_epoch) AS source, MIN(target_epoch) AS target FROM signed_attestations WHERE pubkey = ?",
    );
    const insertAttestation = db.prepare(
      "INSERT INTO signed_attestations (pubkey, source_epoch, target_epoch, signing_root) VALUES (?, ?, ?, ?)",
    );

    this.recordBlock = db.transaction((b: BlockSigning) => {
      const existing = blockAt.get(b.pubkey, b.slot);
      if (existing) {
        if (existing.signing_root && sameBytes(existing.signing_root, b.signingRoot)) return;
        throw new SlashableSigningError("DOUBLE_BLOCK", `another block was already signed at slot ${b.slot}`);
      }
      const highest = maxSlot.get(b.pubkey)?.slot;
      if (highest != null && b.slot <= highest) {
        throw new SlashableSigningError(
          "BLOCK_SLOT_NOT_INCREASING",
          `slot ${b.slot} is not above signed slot ${highest}`,
        );
      }
      insertBlock.run(b.pubkey, b.slot, b.signingRoot);
    });

    this.recordAttestation = db.transaction((a: AttestationSigning) => {
      if (a.sourceEpoch > a.targetEpoch) {
        throw new SlashableSigningError("SOURCE_AFTER_TARGET", `source ${a.sourceEpoch} > target ${a.targetEpoch}`);
      }
      const existing = attestationAt.get(a.pubkey, a.targetEpoch);
      if (existing) {
        // Identical means same source too: the rule must not rest on the signing root alone being honest.
        const identical =
          existing.source_epoch === a.sourceEpoch &&
          existing.signing_root &&
          sameBytes(existing.signing_root, a.signingRoot);
        if (identical) return;
        throw new SlashableSigningError(
          "DOUBLE_VOTE",
          `another attestation was already signed for target ${a.targetEpoch}`,
        );
      }
      const outer = surrounding.get(a.pubkey, a.sourceEpoch, a.targetEpoch);
      if (outer) {
        throw new SlashableSigningError(
          "SURROUNDED_VOTE",
          `${a.sourceEpoch}→${a.targetEpoch} is surrounded by signed ${outer.source_epoch}→${outer.target_epoch}`,
        );
      }
      const inner = surrounded.get(a.pubkey, a.sourceEpoch, a.targetEpoch);
      if (inner) {
        throw new SlashableSigningError(
          "SURROUNDING_VOTE",
          `${a.sourceEpoch}→${a.targetEpoch} surrounds signed ${inner.source_epoch}→${inner.target_epoch}`,
        );
      }
      const low = watermarks.get(a.pubkey);
      if (low?.source != null && (a.sourceEpoch < low.source || a.targetEpoch <= low.target!)) {
        throw new SlashableSigningError(
          "BELOW_LOW_WATERMARK",
          `${a.sourceEpoch}→${a.targetEpoch} is below the history's low watermark ${low.source}→${low.target}`,
        );
      }
      insertAttestation.run(a.pubkey, a.sourceEpoch, a.targetEpoch, a.signingRoot);
    });

    // Each check runs in its own savepoint (a nested transaction), so one refusal undoes only its own record; the
    // whole slot commits once, with one fsync instead of one per validator.
    this.recordAttestations = db.transaction((batch: readonly AttestationSigning[]) =>
      batch.map((a) => {
        try {
          this.recordAttestation(a);
          return null;
        } catch (error) {
          if (error instanceof SlashableSigningError) return error;
          throw error;
        }
      }),
    );
  }

  /** Throws `SlashableSigningError` or records the block durably; only then may a signature be released. */
  checkAndRecordBlock(block: BlockSigning): void {
    this.recordBlock.immediate(block);
  }

  checkAndRecordAttestation(attestation: AttestationSigning): void {
    this.recordAttestation.immediate(attestation);
  }

  /**
   * The same rules for many attestations in one durable commit (a slot's worth): for each, null when it is recorded
   * and may be signed, or the refusal. Later items see the earlier ones, as if checked one by one.
   */
  checkAndRecordAttestations(batch: readonly AttestationSigning[]): (SlashableSigningError | null)[] {
    return this.recordAttestations.immediate(batch);
  }

  get database(): Db {
    return this.db;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
