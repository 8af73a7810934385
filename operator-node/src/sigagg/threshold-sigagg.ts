/**
 * SigAgg: collects partials per (kind, slot, validator) and, once this node knows what it expects signed and holds
 * t partials, combines them with `combineVerified` (peers' bad partials dropped, result verified). Partials may
 * arrive before this node has decided; they wait. Belongs in sigagg/ beside combine.ts (kept here to stay in the
 * folders of this change).
 */

import type { Logger } from "../log.js";
import type { Duty, PartialSignature, SigAgg } from "../workflow.js";
import { CombineFailedError, combineVerified } from "./combine.js";

export interface CommitteeValidator {
  readonly publicKey: Uint8Array;
  /** Share public keys in share-index order (index i at position i − 1). */
  readonly sharePublicKeys: readonly Uint8Array[];
}

interface Entry {
  readonly duty: Duty;
  readonly validator: CommitteeValidator;
  readonly partials: Map<number, Uint8Array>;
  message: Uint8Array | undefined;
  combining: boolean;
  /** Partials held at the last failed attempt: retry only when more have arrived. */
  attemptedWith: number;
  done: boolean;
}

type OnSigned = (duty: Duty, validatorPubkey: Uint8Array, signature: Uint8Array) => void;

export class ThresholdSigAgg implements SigAgg {
  private readonly entries = new Map<string, Entry>();
  private validators: Map<string, CommitteeValidator>;
  private readonly subscribers = new Set<OnSigned>();

  constructor(
    validators: readonly CommitteeValidator[],
    private readonly threshold: number,
    private readonly log: Logger,
  ) {
    this.validators = new Map(validators.map((v) => [hex(v.publicKey), v]));
  }

  /**
   * The committee's validators from now on (the node changes them at epoch boundaries). Entries of a removed
   * validator are dropped: nothing of its will be combined any more.
   */
  setValidators(validators: readonly CommitteeValidator[]): void {
    this.validators = new Map(validators.map((v) => [hex(v.publicKey), v]));
    for (const [k, e] of this.entries) if (!this.validators.has(hex(e.validator.publicKey))) this.entries.delete(k);
  }

  /** The message this node agreed to sign for (duty, validator): only partials over it can combine. */
  expect(duty: Duty, validatorPubkey: Uint8Array, message: Uint8Array): void {
    const entry = this.entry(duty, validatorPubkey);
    if (!entry || entry.message) return;
    entry.message = message;
    this.tryCombine(entry);
  }

  add(partial: PartialSignature): void {
    const entry = this.entry(partial.duty, partial.validatorPubkey);
    // First partial per share wins: a second one from the same authenticated peer adds nothing.
    if (!entry || entry.done || entry.partials.has(partial.shareIndex)) return;
    entry.partials.set(partial.shareIndex, partial.signature);
    this.tryCombine(entry);
  }

  subscribe(onSigned: OnSigned): () => void {
    this.subscribers.add(onSigned);
    return () => this.subscribers.delete(onSigned);
  }

  /** Forgets duties older than `slot`: their signatures are worthless now. */
  pruneBelow(slot: bigint): void {
    for (const [k, e] of this.entries) if (e.duty.slot < slot) this.entries.delete(k);
  }

  private entry(duty: Duty, validatorPubkey: Uint8Array): Entry | undefined {
    const validator = this.validators.get(hex(validatorPubkey));
    if (!validator) return undefined;
    const key = `${duty.kind}/${duty.slot}/${hex(validatorPubkey)}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        duty,
        validator,
        partials: new Map(),
        message: undefined,
        combining: false,
        attemptedWith: 0,
        done: false,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private tryCombine(entry: Entry): void {
    if (entry.done || entry.combining || !entry.message) return;
    if (entry.partials.size < this.threshold || entry.partials.size <= entry.attemptedWith) return;
    entry.combining = true;
    entry.attemptedWith = entry.partials.size;
    const message = entry.message;
    void combineVerified({
      message,
      partials: [...entry.partials].map(([index, signature]) => ({ index, signature })),
      sharePublicKeys: entry.validator.sharePublicKeys,
      validatorPublicKey: entry.validator.publicKey,
      threshold: this.threshold,
    })
      .then(({ signature, invalid }) => {
        entry.done = true;
        if (invalid.length > 0) this.log.warn("dropped invalid partials", { slot: entry.duty.slot, shares: invalid });
        for (const s of this.subscribers) s(entry.duty, entry.validator.publicKey, signature);
      })
      .catch((e: unknown) => {
        // Too few valid partials over our message (a peer signed something else): wait for more.
        const level = e instanceof CombineFailedError ? "warn" : "error";
        this.log[level]("cannot combine yet", { slot: entry.duty.slot, kind: entry.duty.kind, reason: String(e) });
      })
      .finally(() => {
        entry.combining = false;
        // Partials that arrived while combining get their turn.
        this.tryCombine(entry);
      });
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
