/**
 * The attester workflow of one committee, one way through: duty → consensus on the data → partial signature (slashing
 * protection first) → ParSigEx → SigAgg → beacon node; then, at 2/3 of the slot, threshold-signed selection proofs
 * and, once they are combined, consensus on the slot's aggregate-and-proofs and their threshold signatures.
 */
import { type phase0, ssz } from "@lodestar/types";
import type { InstanceId } from "../consensus/types.js";
import { DutyKind } from "../consensus/types.js";
import { decodeAggregates, encodeAggregates, isAcceptableAggregates, isAggregator } from "../duties/aggregation.js";
import {
  type AnyAggregateAndProof,
  type AttesterDuty,
  aggregateAndProofSigningRoot,
  aggregateAttestation,
  attestationSigningRoot,
  electraSingleAttestation,
  isElectra,
  selectionProofSigningRoot,
  singleAttestation,
  submitAggregateAndProofs,
  submitAttestations,
  submitSingleAttestations,
} from "../duties/attester.js";
import { type BeaconChain, slotStartMs } from "../duties/beacon.js";
import type { AttestationFetcher } from "../duties/fetcher.js";
import { dataForCommittee } from "../duties/fetcher.js";
import { alreadyKnownIsFine } from "../duties/http.js";
import type { Logger } from "../log.js";
import { PartialKind } from "../parsigex/codec.js";
import type { ThresholdSigAgg } from "../sigagg/threshold-sigagg.js";
import type { ShareSigner } from "../signer/share-signer.js";
import { SlashableSigningError } from "../signer/slashing-protection.js";
import type { Consensus, Deadline, Duty, ParSigEx, PartialSignature } from "../workflow.js";
import type { BuilderEvent } from "./builder.js";
import { type MissedDuty, type MissedKind, type MissReason, missReasonOf, reportMissed } from "./missed.js";

/** What the node did, for tests and (later) metrics; never carries secrets. */
export type NodeEvent =
  | { type: "duty"; slot: number }
  | { type: "decided"; slot: number }
  | { type: "signed"; validator: string; slot: number; targetEpoch: number; signingRoot: string }
  | { type: "refused"; validator: string; slot: number; reason: string }
  | { type: "submitted"; validatorIndex: number; slot: number; dataRoot: string }
  | { type: "aggregated"; validatorIndex: number; slot: number }
  | { type: "aggregates-decided"; slot: number; aggregators: number[] }
  | { type: "proposal-duty"; validatorIndex: number; slot: number }
  | { type: "proposed"; validatorIndex: number; slot: number; blockRoot: string }
  | { type: "exit-decided"; validatorIndex: number; slot: number; epoch: number }
  | { type: "exited"; validatorIndex: number; slot: number; epoch: number }
  | BuilderEvent
  | MissedDuty;

export interface AttesterDeps {
  readonly chain: BeaconChain;
  readonly committeeId: Uint8Array;
  readonly shareIndex: number;
  readonly fetcher: AttestationFetcher;
  readonly dutiesAt: (slot: number) => AttesterDuty[];
  readonly consensus: Consensus;
  readonly signer: ShareSigner;
  readonly parsigex: ParSigEx;
  readonly sigagg: ThresholdSigAgg;
  readonly log: Logger;
  readonly onEvent: (e: NodeEvent) => void;
}

/** What a combined signature is for, keyed like SigAgg's entries. */
interface Pending {
  readonly duty: AttesterDuty;
  readonly data: phase0.AttestationData;
  aggregate?: AnyAggregateAndProof;
}

/** One slot's aggregation: selection proofs combined so far, and whether its consensus has started. */
interface Aggregation {
  readonly expected: number;
  readonly proofs: Map<number, { p: Pending; proof: Uint8Array }>;
  started: boolean;
}

export class AttesterWorkflow {
  private readonly pending = new Map<string, Pending>();
  /** The decided AttestationData per slot: what aggregates are checked against. */
  private readonly decided = new Map<number, Uint8Array>();
  private readonly aggregations = new Map<number, Aggregation>();
  /**
   * Partials shared whose combined object has not reached the beacon node yet, by SigAgg key: whatever is still here
   * at its deadline was missed for want of partials.
   */
  private readonly awaiting = new Map<string, { kind: MissedKind; slot: number; validatorIndex: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly d: AttesterDeps) {
    d.sigagg.subscribe((duty, pubkey, signature) => {
      const key = keyOf(duty.kind, Number(duty.slot), pubkey);
      this.onSigned(duty, pubkey, signature).catch((e: unknown) => {
        const waited = this.awaiting.get(key);
        this.awaiting.delete(key);
        if (waited) this.missed(waited.kind, waited.slot, missReasonOf(e), waited.validatorIndex, e);
        else d.log.warn("could not submit a combined signature", { slot: duty.slot, reason: String(e) });
      });
    });
  }

  onDuty(duty: Duty, deadline: Deadline): void {
    const slot = Number(duty.slot);
    const duties = this.d.dutiesAt(slot);
    // Validators whose attestation got an outcome (shared or refused); a failure misses all the others.
    const settled = new Set<number>();
    this.attest(duty, duties, settled, deadline).catch((e: unknown) => {
      const reason = missReasonOf(e);
      for (const vd of duties)
        if (!settled.has(vd.validatorIndex)) this.missed("attestation", slot, reason, vd.validatorIndex, e);
    });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async attest(
    duty: Duty,
    duties: readonly AttesterDuty[],
    settled: Set<number>,
    deadline: Deadline,
  ): Promise<void> {
    const slot = Number(duty.slot);
    this.d.onEvent({ type: "duty", slot });
    const proposal = await this.d.fetcher.fetch(duty);
    const instance: InstanceId = { committeeId: this.d.committeeId, dutyKind: DutyKind.attester, slot: duty.slot };
    const decision = await this.d.consensus.propose(instance, proposal, deadline, (v) =>
      this.d.fetcher.isValid(duty, v),
    );
    this.d.onEvent({ type: "decided", slot });
    this.decided.set(slot, decision.value);
    const partials: PartialSignature[] = [];
    for (const { vd, data, root, signature } of this.signAttestations(duties, decision.value, settled)) {
      this.pending.set(keyOf(PartialKind.attestation, slot, vd.pubkey), { duty: vd, data });
      const partial = this.partial(PartialKind.attestation, slot, vd.pubkey, signature);
      this.d.sigagg.expect(partial.duty, vd.pubkey, root);
      this.await(PartialKind.attestation, "attestation", slot, vd);
      settled.add(vd.validatorIndex);
      partials.push(partial);
    }
    // An attestation is worth most within its slot: one not combined by the slot's end counts as missed.
    this.expireAt(slotStartMs(this.d.chain, slot + 1), PartialKind.attestation, slot);
    await this.share(partials);
    this.at(slotStartMs(this.d.chain, slot) + (2 * this.d.chain.secondsPerSlot * 1000) / 3, () =>
      this.proveSelection(slot),
    );
  }

  /**
   * The slashable step, for the whole slot in one durable commit: a validator whose attestation conflicts with our
   * history is refused (and reported) rather than signed.
   */
  private signAttestations(duties: readonly AttesterDuty[], decided: Uint8Array, settled: Set<number>) {
    const items = duties.map((vd) => {
      const data = dataForCommittee(decided, vd.committeeIndex, isElectra(this.d.chain, vd.slot));
      return { vd, data, root: attestationSigningRoot(this.d.chain, data) };
    });
    const results = this.d.signer.signAttestations(
      items.map(({ vd, data, root }) => ({
        validatorPublicKey: vd.pubkey,
        sourceEpoch: data.source.epoch,
        targetEpoch: data.target.epoch,
        signingRoot: root,
      })),
    );
    const signed: { vd: AttesterDuty; data: phase0.AttestationData; root: Uint8Array; signature: Uint8Array }[] = [];
    items.forEach(({ vd, data, root }, n) => {
      const result = results[n]!;
      if (result instanceof SlashableSigningError) {
        this.d.onEvent({ type: "refused", validator: hex(vd.pubkey), slot: vd.slot, reason: result.reason });
        this.missed("attestation", vd.slot, "slashing_refused", vd.validatorIndex, result);
        settled.add(vd.validatorIndex);
        return;
      }
      this.d.onEvent({
        type: "signed",
        slot: vd.slot,
        validator: hex(vd.pubkey),
        targetEpoch: data.target.epoch,
        signingRoot: hex(root),
      });
      signed.push({ vd, data, root, signature: result });
    });
    return signed;
  }

  /** Selection proofs for every validator that attested; the combined proof says who aggregates. */
  private async proveSelection(slot: number): Promise<void> {
    const root = selectionProofSigningRoot(this.d.chain, slot);
    const partials: PartialSignature[] = [];
    for (const vd of this.d.dutiesAt(slot)) {
      const attested = this.pending.get(keyOf(PartialKind.attestation, slot, vd.pubkey));
      if (!attested) continue;
      this.pending.set(keyOf(PartialKind.selectionProof, slot, vd.pubkey), attested);
      const signature = this.d.signer.signUnslashable(vd.pubkey, root);
      const partial = this.partial(PartialKind.selectionProof, slot, vd.pubkey, signature);
      this.d.sigagg.expect(partial.duty, vd.pubkey, root);
      this.await(PartialKind.selectionProof, "selection_proof", slot, vd);
      partials.push(partial);
    }
    if (partials.length === 0) return;
    this.aggregations.set(slot, { expected: partials.length, proofs: new Map(), started: false });
    // A selection proof that never combines (a peer late) must not hold the others' aggregates back for long.
    this.at(slotStartMs(this.d.chain, slot) + (5 * this.d.chain.secondsPerSlot * 1000) / 6, () => this.aggregate(slot));
    await this.share(partials);
  }

  private async onSigned(duty: Duty, pubkey: Uint8Array, signature: Uint8Array): Promise<void> {
    const slot = Number(duty.slot);
    const p = this.pending.get(keyOf(duty.kind, slot, pubkey));
    if (!p) return;
    if (duty.kind === PartialKind.attestation) {
      await alreadyKnownIsFine(
        isElectra(this.d.chain, slot)
          ? submitSingleAttestations(this.d.chain, [electraSingleAttestation(p.duty, p.data, signature)])
          : submitAttestations(this.d.chain, [singleAttestation(p.duty, p.data, signature)]),
      );
      this.awaiting.delete(keyOf(duty.kind, slot, pubkey));
      const dataRoot = hex(ssz.phase0.AttestationData.hashTreeRoot(p.data));
      this.d.onEvent({ type: "submitted", validatorIndex: p.duty.validatorIndex, slot, dataRoot });
    } else if (duty.kind === PartialKind.selectionProof) {
      const agg = this.aggregations.get(slot);
      if (!agg) return;
      this.awaiting.delete(keyOf(duty.kind, slot, pubkey));
      agg.proofs.set(p.duty.validatorIndex, { p, proof: signature });
      if (agg.proofs.size === agg.expected) await this.aggregate(slot);
    } else if (duty.kind === PartialKind.aggregateAndProof && p.aggregate) {
      await alreadyKnownIsFine(submitAggregateAndProofs(this.d.chain, [{ message: p.aggregate, signature }]));
      this.awaiting.delete(keyOf(duty.kind, slot, pubkey));
      this.d.onEvent({ type: "aggregated", validatorIndex: p.duty.validatorIndex, slot });
    }
  }

  /**
   * Consensus on the slot's aggregate-and-proofs, then a partial signature over each decided one. Every member that
   * attested joins (with what its own beacon node aggregated, possibly nothing) so a quorum can decide; members
   * whose beacon nodes returned different aggregates still sign the leader's, so their partials combine.
   */
  private async aggregate(slot: number): Promise<void> {
    const agg = this.aggregations.get(slot);
    const decided = this.decided.get(slot);
    if (!agg || agg.started || !decided) return;
    agg.started = true;
    // Whoever's selection proof has not combined by now cannot know whether it aggregates.
    this.expire(PartialKind.selectionProof, slot);
    const own: AnyAggregateAndProof[] = [];
    /** Our aggregators, with why each has no aggregate of its own if it has none. */
    const aggregators = new Map<number, { reason: MissReason; cause?: unknown }>();
    for (const { p, proof } of agg.proofs.values()) {
      if (!isAggregator(p.duty.committeeLength, proof)) continue;
      try {
        const aggregate = await aggregateAttestation(this.d.chain, p.data, p.duty.committeeIndex);
        if (aggregate) {
          own.push({
            aggregatorIndex: p.duty.validatorIndex,
            aggregate,
            selectionProof: proof,
          } as AnyAggregateAndProof);
        }
        aggregators.set(p.duty.validatorIndex, { reason: "no_aggregate" });
      } catch (e) {
        aggregators.set(p.duty.validatorIndex, { reason: missReasonOf(e), cause: e });
      }
    }
    const { config } = this.d.chain;
    const duties = this.d.dutiesAt(slot);
    const view = {
      duties,
      dataFor: (committeeIndex: number) => dataForCommittee(decided, committeeIndex, isElectra(this.d.chain, slot)),
      attested: (index: number) =>
        duties.some(
          (d) => d.validatorIndex === index && this.pending.has(keyOf(PartialKind.attestation, slot, d.pubkey)),
        ),
      selectionProofRoot: selectionProofSigningRoot(this.d.chain, slot),
    };
    const instance: InstanceId = { committeeId: this.d.committeeId, dutyKind: DutyKind.aggregator, slot: BigInt(slot) };
    // Aggregates still help the next slot's block; consensus may run until that slot ends.
    const deadline = performance.now() + slotStartMs(this.d.chain, slot + 2) - Date.now();
    let decision: Awaited<ReturnType<Consensus["propose"]>>;
    try {
      decision = await this.d.consensus.propose(instance, encodeAggregates(config, slot, own), deadline, (v) =>
        isAcceptableAggregates(decodeAggregates(config, slot, v), view),
      );
    } catch (e) {
      for (const index of aggregators.keys()) this.missed("aggregation", slot, missReasonOf(e), index, e);
      return;
    }
    const list = decodeAggregates(config, slot, decision.value) ?? [];
    this.d.onEvent({ type: "aggregates-decided", slot, aggregators: list.map((a) => a.aggregatorIndex) });
    // An aggregator no member had an aggregate for (or whose beacon request failed everywhere) is left out.
    for (const [index, why] of aggregators) {
      if (!list.some((a) => a.aggregatorIndex === index))
        this.missed("aggregation", slot, why.reason, index, why.cause);
    }
    const partials: PartialSignature[] = [];
    for (const message of list) {
      const vd = duties.find((d) => d.validatorIndex === message.aggregatorIndex)!;
      const p = this.pending.get(keyOf(PartialKind.attestation, slot, vd.pubkey));
      if (!p) continue;
      const root = aggregateAndProofSigningRoot(this.d.chain, message);
      this.pending.set(keyOf(PartialKind.aggregateAndProof, slot, vd.pubkey), { ...p, aggregate: message });
      const partial = this.partial(
        PartialKind.aggregateAndProof,
        slot,
        vd.pubkey,
        this.d.signer.signUnslashable(vd.pubkey, root),
      );
      this.d.sigagg.expect(partial.duty, vd.pubkey, root);
      this.await(PartialKind.aggregateAndProof, "aggregation", slot, vd);
      partials.push(partial);
    }
    this.expireAt(slotStartMs(this.d.chain, slot + 2), PartialKind.aggregateAndProof, slot);
    await this.share(partials);
  }

  private await(kind: PartialKind, missed: MissedKind, slot: number, vd: AttesterDuty): void {
    this.awaiting.set(keyOf(kind, slot, vd.pubkey), { kind: missed, slot, validatorIndex: vd.validatorIndex });
  }

  /** Partials of (kind, slot) still awaiting their combination at `unixMs` are missed for want of partials. */
  private expireAt(unixMs: number, kind: PartialKind, slot: number): void {
    this.at(unixMs, async () => this.expire(kind, slot));
  }

  private expire(kind: PartialKind, slot: number): void {
    const prefix = `${kind}/${slot}/`;
    for (const [key, w] of this.awaiting) {
      if (!key.startsWith(prefix)) continue;
      this.awaiting.delete(key);
      this.missed(w.kind, w.slot, "combine_timeout", w.validatorIndex);
    }
  }

  private missed(kind: MissedKind, slot: number, reason: MissReason, validatorIndex: number, cause?: unknown): void {
    reportMissed(this.d.log, this.d.onEvent, { kind, slot, reason, validatorIndex }, cause);
  }

  /** Ours go to the peers and into our own SigAgg: we are one of the t. */
  private async share(partials: PartialSignature[]): Promise<void> {
    if (partials.length === 0) return;
    await this.d.parsigex.broadcast(partials);
    for (const p of partials) this.d.sigagg.add(p);
  }

  private partial(
    kind: PartialKind,
    slot: number,
    validatorPubkey: Uint8Array,
    signature: Uint8Array,
  ): PartialSignature {
    return { duty: { kind, slot: BigInt(slot) }, validatorPubkey, shareIndex: this.d.shareIndex, signature };
  }

  private at(unixMs: number, run: () => Promise<void>): void {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        run().catch((e: unknown) => this.d.log.warn("aggregation step failed", { reason: String(e) }));
      },
      Math.max(0, unixMs - Date.now()),
    );
    this.timers.add(t);
  }

  /** Forgets duties older than `slot`. */
  pruneBelow(slot: number): void {
    for (const [k, p] of this.pending) if (p.duty.slot < slot) this.pending.delete(k);
    for (const s of this.decided.keys()) if (s < slot) this.decided.delete(s);
    for (const s of this.aggregations.keys()) if (s < slot) this.aggregations.delete(s);
    for (const [k, w] of this.awaiting) if (w.slot < slot) this.awaiting.delete(k);
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const keyOf = (kind: number, slot: number, pubkey: Uint8Array) => `${kind}/${slot}/${hex(pubkey)}`;
