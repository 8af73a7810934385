/**
 * ParSigEx over a Transport channel: broadcasts this node's partials and delivers the peers' partials that pass the
 * membership checks. It verifies no signature (that is SigAgg's batch job) but refuses everything it can refuse
 * cheaply: malformed frames, a sender speaking for another share, validators the committee does not run.
 */
import { shareIndexOfMember } from "@cohort/sdk/committee/size";
import type { Logger } from "../log.js";
import type { ParSigEx, PartialSignature, Transport } from "../workflow.js";
import { decodeFrame, encodeFrame, MAX_PARTIALS_PER_FRAME, ParSigCodecError } from "./codec.js";

export interface ExchangeConfig {
  readonly transport: Transport;
  /** Validator public keys the committee runs; partials for any other key are dropped. */
  readonly validators: readonly Uint8Array[];
  readonly log: Logger;
}

export interface ExchangeStats {
  received: number;
  malformed: number;
  /** Partials whose share index is not the sender's, or whose validator is not the committee's. */
  refused: number;
}

/**
 * @deprecated The rule lives in the sdk as `shareIndexOfMember`; this name stays only until app/committee.ts (being
 * reshaped in another change) imports it from there.
 */
export const shareIndexOf = shareIndexOfMember;

export class TransportParSigEx implements ParSigEx {
  readonly stats: ExchangeStats = { received: 0, malformed: 0, refused: 0 };
  private validators: Set<string>;
  private readonly subscribers = new Set<(from: number, partials: readonly PartialSignature[]) => void>();

  constructor(private readonly cfg: ExchangeConfig) {
    this.validators = new Set(cfg.validators.map(hex));
    cfg.transport.onFrame((from, frame) => this.onFrame(from, frame));
  }

  /** Validators the committee runs from now on; partials for others are refused. */
  setValidators(validators: readonly Uint8Array[]): void {
    this.validators = new Set(validators.map(hex));
  }

  async broadcast(partials: readonly PartialSignature[]): Promise<void> {
    for (const group of groupByDuty(partials)) {
      for (let i = 0; i < group.length; i += MAX_PARTIALS_PER_FRAME) {
        const chunk = group.slice(i, i + MAX_PARTIALS_PER_FRAME);
        // Priority = slot: a slow peer's queue sheds the oldest duties first.
        this.cfg.transport.broadcast(encodeFrame(chunk), chunk[0]!.duty.slot);
      }
    }
  }

  subscribe(onPartials: (from: number, partials: readonly PartialSignature[]) => void): () => void {
    this.subscribers.add(onPartials);
    return () => this.subscribers.delete(onPartials);
  }

  private onFrame(from: number, frame: Uint8Array): void {
    let partials: PartialSignature[];
    try {
      partials = decodeFrame(frame);
    } catch (e) {
      if (!(e instanceof ParSigCodecError)) throw e;
      this.stats.malformed++;
      this.cfg.log.warn("dropped a malformed partial-signature frame", { from, reason: e.message });
      return;
    }
    const senderShare = shareIndexOfMember(from);
    const accepted = partials.filter(
      (p) => p.shareIndex === senderShare && this.validators.has(hex(p.validatorPubkey)),
    );
    this.stats.refused += partials.length - accepted.length;
    if (accepted.length < partials.length) {
      this.cfg.log.warn("refused partials for another share or a foreign validator", {
        from,
        refused: partials.length - accepted.length,
      });
    }
    if (accepted.length === 0) return;
    this.stats.received += accepted.length;
    for (const s of this.subscribers) s(from, accepted);
  }
}

function groupByDuty(partials: readonly PartialSignature[]): PartialSignature[][] {
  const groups = new Map<string, PartialSignature[]>();
  for (const p of partials) {
    const key = `${p.duty.kind}/${p.duty.slot}`;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  return [...groups.values()];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
