/**
 * The sync committee workflow (Altair and later), per slot: consensus on the head block root → threshold-signed sync
 * committee messages → at 2/3 of the slot, threshold-signed selection proofs → for aggregators, consensus on the
 * contribution-and-proofs → threshold-signed and published. Before Altair (`hasSyncCommittee` false) a slot costs
 * nothing: no request, no message.
 */
import { PublicKey, Signature, verify } from "@chainsafe/blst";
import { ListCompositeType } from "@chainsafe/ssz";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { type altair, ssz } from "@lodestar/types";
import { DutyKind, type InstanceId } from "../consensus/types.js";
import { slotStartMs } from "../duties/beacon.js";
import { alreadyKnownIsFine } from "../duties/http.js";
import {
  contributionAndProof,
  contributionAndProofSigningRoot,
  hasSyncCommittee,
  headBlockRoot,
  isAcceptableContribution,
  isSyncCommitteeAggregator,
  type SyncDuty,
  subcommitteesOf,
  submitContributionAndProofs,
  submitSyncCommitteeMessages,
  syncCommitteeContribution,
  syncCommitteeDuties,
  syncCommitteeMessage,
  syncMessageSigningRoot,
  syncSelectionProofSigningRoot,
} from "../duties/sync-committee.js";
import { PartialKind } from "../parsigex/codec.js";
import type { Deadline, PartialSignature } from "../workflow.js";
import type { SigningDeps } from "./combined.js";
import { type MissedDuty, type MissedKind, missReasonOf, reportMissed } from "./missed.js";

export interface SyncCommitteeDeps extends SigningDeps {
  /** Our validators' indices now (read per sync period). */
  readonly indices: () => readonly number[];
  /** Where missed duties are reported (metrics); they are logged either way. */
  readonly onEvent?: (e: MissedDuty) => void;
}

const contributionList = new ListCompositeType(ssz.altair.ContributionAndProof, 256);

export class SyncCommitteeWorkflow {
  private readonly duties = new Map<number, Promise<SyncDuty[]>>();

  constructor(private readonly d: SyncCommitteeDeps) {}

  /** Called once per slot at 1/3 of it (when the slot's block should be known). */
  onSlot(slot: number, deadline: Deadline): void {
    if (!hasSyncCommittee(this.d.chain.config, slot)) return;
    this.run(slot, deadline).catch((e: unknown) =>
      this.d.log.warn("sync committee duty failed", { slot, reason: String(e) }),
    );
  }

  private async run(slot: number, deadline: Deadline): Promise<void> {
    const duties = await this.dutiesAt(slot);
    if (duties.length === 0) return;
    // Members of the sync committee whose message got an outcome; a failure misses all the others.
    const settled = new Set<number>();
    try {
      await this.signMessages(slot, duties, settled, deadline);
    } catch (e) {
      for (const d of duties) if (!settled.has(d.validatorIndex)) this.missed("sync_committee", slot, d, e);
    }
  }

  private async signMessages(slot: number, duties: SyncDuty[], settled: Set<number>, deadline: Deadline) {
    const { chain } = this.d;
    const own = await headBlockRoot(chain);
    const instance: InstanceId = {
      committeeId: this.d.committeeId,
      dutyKind: DutyKind.syncCommittee,
      slot: BigInt(slot),
    };
    // Any block root is acceptable: the head moves during the slot, so members that read it a few milliseconds apart
    // disagree whenever a block lands in between, and a strict equality then costs the slot's message. A faulty
    // leader can at worst make the committee sign a root that earns nothing: sync messages are not slashable.
    const decision = await this.d.consensus.propose(instance, own, deadline, (v) => v.length === 32);
    const blockRoot = decision.value;
    const endOfSlot = slotStartMs(chain, slot + 1);

    const messageRoot = syncMessageSigningRoot(chain.config, slot, blockRoot);
    const signed = await Promise.allSettled(
      duties.map((d) => this.thresholdSign(PartialKind.syncMessage, slot, d.pubkey, messageRoot, endOfSlot)),
    );
    const messages = duties.flatMap((d, i) => {
      const r = signed[i]!;
      if (r.status === "fulfilled") return [syncCommitteeMessage(slot, blockRoot, d.validatorIndex, r.value)];
      this.missed("sync_committee", slot, d, r.reason);
      settled.add(d.validatorIndex);
      return [];
    });
    if (messages.length > 0) await alreadyKnownIsFine(submitSyncCommitteeMessages(chain, messages));
    for (const d of duties) settled.add(d.validatorIndex);
    const published = new Set(messages.map((m) => m.validatorIndex));

    await new Promise((r) =>
      setTimeout(r, Math.max(0, slotStartMs(chain, slot) + (2 * chain.secondsPerSlot * 1000) / 3 - Date.now())),
    );
    await this.contribute(slot, duties, blockRoot, published, deadline);
  }

  /**
   * Selection proofs, then consensus on the aggregators' contributions. SigAgg keys partials by (kind, slot,
   * validator), so a validator serving several subcommittees aggregates for its first one only.
   */
  private async contribute(
    slot: number,
    duties: SyncDuty[],
    blockRoot: Uint8Array,
    published: ReadonlySet<number>,
    deadline: Deadline,
  ): Promise<void> {
    const { chain } = this.d;
    const endOfSlot = slotStartMs(chain, slot + 1);
    const candidates = duties.map((duty) => ({
      duty,
      subcommitteeIndex: subcommitteesOf(duty)[0]!,
      published: published.has(duty.validatorIndex),
    }));
    const proofs = await Promise.allSettled(
      candidates.map((c) =>
        this.thresholdSign(
          PartialKind.syncSelectionProof,
          slot,
          c.duty.pubkey,
          syncSelectionProofSigningRoot(chain.config, slot, c.subcommitteeIndex),
          endOfSlot,
        ),
      ),
    );
    const own: altair.ContributionAndProof[] = [];
    const aggregators: SyncDuty[] = [];
    for (const [i, c] of candidates.entries()) {
      const r = proofs[i]!;
      if (r.status !== "fulfilled") {
        this.missed("selection_proof", slot, c.duty, r.reason);
        continue;
      }
      if (!isSyncCommitteeAggregator(r.value)) continue;
      try {
        const contribution = await syncCommitteeContribution(chain, slot, c.subcommitteeIndex, blockRoot);
        if (contribution) own.push(contributionAndProof(c.duty.validatorIndex, contribution, r.value));
        aggregators.push(c.duty);
      } catch (e) {
        this.missed("sync_contribution", slot, c.duty, e);
      }
    }
    if (aggregators.length === 0) return;
    try {
      await this.contributeAs(slot, duties, aggregators, own, blockRoot, candidates, deadline);
    } catch (e) {
      for (const d of aggregators) this.missed("sync_contribution", slot, d, e);
    }
  }

  private async contributeAs(
    slot: number,
    duties: SyncDuty[],
    aggregators: SyncDuty[],
    own: altair.ContributionAndProof[],
    blockRoot: Uint8Array,
    candidates: { duty: SyncDuty; subcommitteeIndex: number; published: boolean }[],
    deadline: Deadline,
  ): Promise<void> {
    const { chain } = this.d;
    const endOfSlot = slotStartMs(chain, slot + 1);
    const instance: InstanceId = {
      committeeId: this.d.committeeId,
      dutyKind: DutyKind.syncContribution,
      slot: BigInt(slot),
    };
    const decision = await this.d.consensus.propose(instance, contributionList.serialize(own), deadline, (v) =>
      this.isAcceptableList(v, slot, blockRoot, candidates),
    );
    const decided = contributionList.deserialize(decision.value);
    for (const d of aggregators) {
      if (!decided.some((m) => m.aggregatorIndex === d.validatorIndex))
        this.missed("sync_contribution", slot, d, "no contribution from any member's beacon node");
    }
    const signed: altair.SignedContributionAndProof[] = [];
    const results = await Promise.allSettled(
      decided.map((message) => {
        const duty = duties.find((d) => d.validatorIndex === message.aggregatorIndex)!;
        const root = contributionAndProofSigningRoot(chain.config, message);
        return this.thresholdSign(PartialKind.contributionAndProof, slot, duty.pubkey, root, endOfSlot);
      }),
    );
    for (const [i, message] of decided.entries()) {
      const r = results[i]!;
      if (r.status === "fulfilled") signed.push({ message, signature: r.value });
      else
        this.missed(
          "sync_contribution",
          slot,
          duties.find((d) => d.validatorIndex === message.aggregatorIndex)!,
          r.reason,
        );
    }
    if (signed.length === 0) return;
    try {
      await alreadyKnownIsFine(submitContributionAndProofs(chain, signed));
    } catch (e) {
      for (const { message } of signed) {
        this.missed("sync_contribution", slot, duties.find((d) => d.validatorIndex === message.aggregatorIndex)!, e);
      }
    }
  }

  private missed(kind: MissedKind, slot: number, duty: SyncDuty, cause: unknown): void {
    const reason = typeof cause === "string" ? "no_aggregate" : missReasonOf(cause);
    reportMissed(this.d.log, this.d.onEvent, { kind, slot, reason, validatorIndex: duty.validatorIndex }, cause);
  }

  private isAcceptableList(
    value: Uint8Array,
    slot: number,
    beaconBlockRoot: Uint8Array,
    candidates: { duty: SyncDuty; subcommitteeIndex: number; published: boolean }[],
  ): boolean {
    let list: altair.ContributionAndProof[];
    try {
      list = contributionList.deserialize(value);
    } catch {
      return false;
    }
    const seen = new Set<number>();
    return (
      list.length > 0 &&
      list.every((cap) => {
        const c = candidates.find((x) => x.duty.validatorIndex === cap.aggregatorIndex);
        if (!c || seen.has(cap.aggregatorIndex)) return false;
        seen.add(cap.aggregatorIndex);
        if (!isAcceptableContribution(cap, { slot, beaconBlockRoot, ...c })) return false;
        const root = syncSelectionProofSigningRoot(this.d.chain.config, slot, c.subcommitteeIndex);
        try {
          return verify(root, PublicKey.fromBytes(c.duty.pubkey), Signature.fromBytes(cap.selectionProof, true));
        } catch {
          return false;
        }
      })
    );
  }

  private async thresholdSign(
    kind: PartialKind,
    slot: number,
    pubkey: Uint8Array,
    root: Uint8Array,
    deadlineUnixMs: number,
  ): Promise<Uint8Array> {
    const duty = { kind, slot: BigInt(slot) };
    const combined = this.d.combined.wait(duty, pubkey, deadlineUnixMs);
    this.d.sigagg.expect(duty, pubkey, root);
    const partial: PartialSignature = {
      duty,
      validatorPubkey: pubkey,
      shareIndex: this.d.shareIndex,
      signature: this.d.signer.signUnslashable(pubkey, root),
    };
    await this.d.parsigex.broadcast([partial]);
    this.d.sigagg.add(partial);
    return combined;
  }

  /** Sync duties change once per sync committee period; fetched per epoch and cached, a failure retried next slot. */
  private dutiesAt(slot: number): Promise<SyncDuty[]> {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    let p = this.duties.get(epoch);
    if (!p) {
      p = syncCommitteeDuties(this.d.chain, epoch, [...this.d.indices()]).catch((e: unknown) => {
        this.duties.delete(epoch);
        throw e;
      });
      this.duties.set(epoch, p);
      for (const e of this.duties.keys()) if (e < epoch - 1) this.duties.delete(e);
    }
    return p;
  }
}
