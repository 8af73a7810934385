/**
 * The proposer workflow of one committee: threshold RANDAO reveal → block from our own beacon node → consensus on the
 * block's bytes → block partial signature (EIP-3076 block rule persisted first) → ParSigEx → SigAgg → every member
 * publishes. The RANDAO reveal is combined before the block is asked for, because the block contains it.
 */
import type { BeaconBlock, BlindedBeaconBlock } from "@lodestar/types";
import { DutyKind, type InstanceId } from "../consensus/types.js";
import { slotStartMs } from "../duties/beacon.js";
import type { BlockContentsExchange } from "../duties/block-contents.js";
import { alreadyKnownIsFine } from "../duties/http.js";
import {
  blindedBlockRoot,
  blindedBlockSigningRoot,
  blockSigningRoot,
  decodeBlock,
  decodeProposal,
  encodeBlock,
  encodeProposal,
  type Produced,
  type ProposerDuty,
  produceBlock,
  produceBlockV3,
  publishBlindedBlock,
  publishBlock,
  publishBlockContents,
  randaoSigningRoot,
  signedBlock,
  usesBlockContents,
} from "../duties/proposer.js";
import { PartialKind } from "../parsigex/codec.js";
import { SlashableSigningError } from "../signer/slashing-protection.js";
import type { Deadline, Duty, PartialSignature } from "../workflow.js";
import type { NodeEvent } from "./attester.js";
import type { SigningDeps } from "./combined.js";
import { type MissReason, missReasonOf, reportMissed } from "./missed.js";

export interface ProposerDeps extends SigningDeps {
  readonly dutyAt: (slot: number) => ProposerDuty | undefined;
  readonly onEvent: (e: NodeEvent) => void;
  /** 32 bytes written into every block this committee proposes. */
  readonly graffiti?: Uint8Array;
  /**
   * Whether the validator's blocks may come from a builder (it holds a submitted builder registration). Without it
   * every block is local.
   */
  readonly viaBuilder?: (validatorPubkey: Uint8Array) => boolean;
  /** Decided local blocks' contents between members; without it only the member that built one publishes it. */
  readonly contents?: BlockContentsExchange;
}

/**
 * How long the builder path may take from the slot's start before a local block is asked for instead: a quarter of
 * the slot, at most 1 s, so consensus and signing still end well before attesters vote at 1/3.
 */
export function builderBudgetMs(secondsPerSlot: number): number {
  return Math.min(1000, (secondsPerSlot * 1000) / 4);
}

/** A local block the beacon node cannot build within this is a block too late for its slot's attesters. */
const LOCAL_PRODUCE_TIMEOUT_MS = 4000;

export class ProposerWorkflow {
  constructor(private readonly d: ProposerDeps) {}

  /**
   * A duty whose deadline has already passed is one the scheduler learnt of too late (its epoch's duties could not
   * be loaded in time): it is reported missed, not attempted.
   */
  onDuty(duty: Duty, deadline: Deadline): void {
    const pd = this.d.dutyAt(Number(duty.slot));
    if (!pd) return;
    if (deadline <= performance.now()) {
      this.missed(pd, "no_duties");
      return;
    }
    this.propose(pd, deadline).then(
      (done) => {
        if (!done) this.missed(pd, "slashing_refused");
      },
      (e: unknown) => this.missed(pd, missReasonOf(e), e),
    );
  }

  private missed(pd: ProposerDuty, reason: MissReason, cause?: unknown): void {
    reportMissed(
      this.d.log,
      this.d.onEvent,
      { kind: "proposal", slot: pd.slot, reason, validatorIndex: pd.validatorIndex },
      cause,
    );
  }

  /** False when slashing protection refused the block (the only way a proposal ends early without an error). */
  private async propose(pd: ProposerDuty, deadline: Deadline): Promise<boolean> {
    const { chain } = this.d;
    const endOfSlot = slotStartMs(chain, pd.slot + 1);
    this.d.onEvent({ type: "proposal-duty", validatorIndex: pd.validatorIndex, slot: pd.slot });

    const randaoRoot = randaoSigningRoot(chain.config, pd.slot);
    const reveal = await this.thresholdSign(PartialKind.randao, pd, randaoRoot, endOfSlot, () =>
      this.d.signer.signUnslashable(pd.pubkey, randaoRoot),
    );
    if (!reveal) return false;
    if (usesBlockContents(chain.config, pd.slot)) return this.proposeContents(pd, reveal, deadline);

    const own = await produceBlock(chain, pd.slot, reveal, this.d.graffiti);
    const instance: InstanceId = {
      committeeId: this.d.committeeId,
      dutyKind: DutyKind.proposer,
      slot: BigInt(pd.slot),
    };
    const decision = await this.d.consensus.propose(instance, encodeBlock(chain.config, own), deadline, (v) =>
      isAcceptableBlock(decodeBlock(chain.config, pd.slot, v), own, pd, reveal),
    );
    const block = decodeBlock(chain.config, pd.slot, decision.value)!;
    const root = blockSigningRoot(chain.config, block);
    const signature = await this.thresholdSign(PartialKind.block, pd, root, endOfSlot, () => this.signBlock(pd, root));
    if (!signature) return false;
    await alreadyKnownIsFine(publishBlock(chain, signedBlock(block, signature)));
    this.d.onEvent({
      type: "proposed",
      validatorIndex: pd.validatorIndex,
      slot: pd.slot,
      blockRoot: hex(chain.config.getForkTypes(pd.slot).BeaconBlock.hashTreeRoot(block)),
    });
    return true;
  }

  /**
   * Deneb on: produceBlockV3 (the builder's bid within the budget, else a local block), consensus on the blinded
   * block, one threshold signature over its root, then publication by every member: a builder block blinded (each
   * beacon node asks the relay for the payload), a local block in full, with the contents the member whose beacon
   * node built it sends the others (duties/block-contents.ts).
   */
  private async proposeContents(pd: ProposerDuty, reveal: Uint8Array, deadline: Deadline): Promise<boolean> {
    const { chain } = this.d;
    const endOfSlot = slotStartMs(chain, pd.slot + 1);
    const own = await this.produce(pd, reveal);
    const instance: InstanceId = {
      committeeId: this.d.committeeId,
      dutyKind: DutyKind.proposer,
      slot: BigInt(pd.slot),
    };
    const decision = await this.d.consensus.propose(instance, encodeProposal(chain.config, own), deadline, (v) =>
      isAcceptableBlock(decodeProposal(chain.config, pd.slot, v)?.blinded, own.blinded, pd, reveal),
    );
    const decided = decodeProposal(chain.config, pd.slot, decision.value)!;
    const blockRoot = blindedBlockRoot(chain.config, decided.blinded);
    const held =
      own.contents && equal(blindedBlockRoot(chain.config, own.blinded), blockRoot) ? own.contents : undefined;
    // Sent while the signature combines: the others need the contents by the time they can publish.
    if (!decided.builder && held) this.d.contents?.share(held);
    const contents =
      decided.builder || held ? held : this.d.contents?.wait(pd.slot, blockRoot, endOfSlot).catch(() => undefined);
    const root = blindedBlockSigningRoot(chain.config, decided.blinded);
    const signature = await this.thresholdSign(PartialKind.block, pd, root, endOfSlot, () => this.signBlock(pd, root));
    if (!signature) return false;
    if (decided.builder) {
      await alreadyKnownIsFine(publishBlindedBlock(chain, decided.blinded, signature));
    } else {
      const full = await contents;
      if (!full) {
        // The member that built it publishes it; our beacon node gets it by gossip.
        this.d.log.info("no member sent the decided block's contents in time; not publishing it", { slot: pd.slot });
        return true;
      }
      await alreadyKnownIsFine(publishBlockContents(chain, full, signature));
    }
    this.d.onEvent({ type: "proposed", validatorIndex: pd.validatorIndex, slot: pd.slot, blockRoot: hex(blockRoot) });
    return true;
  }

  /**
   * The builder path within its budget, then a local block: a relay that errs or is slow costs the slot nothing but
   * the budget. A validator without a builder registration asks for a local block at once.
   */
  private async produce(pd: ProposerDuty, reveal: Uint8Array): Promise<Produced> {
    const { chain } = this.d;
    const graffiti = this.d.graffiti ?? new Uint8Array(32);
    if (this.d.viaBuilder?.(pd.pubkey)) {
      const budget = slotStartMs(chain, pd.slot) + builderBudgetMs(chain.secondsPerSlot) - Date.now();
      if (budget > 0) {
        try {
          return await produceBlockV3(chain, pd.slot, reveal, { graffiti, timeoutMs: budget });
        } catch (e) {
          this.d.log.warn("builder path failed; proposing a local block", { slot: pd.slot, reason: String(e) });
        }
      }
    }
    return produceBlockV3(chain, pd.slot, reveal, {
      graffiti,
      builderBoostFactor: 0,
      timeoutMs: LOCAL_PRODUCE_TIMEOUT_MS,
    });
  }

  /** The slashable step: refused (and reported) rather than signed when it conflicts with our history. */
  private signBlock(pd: ProposerDuty, root: Uint8Array): Uint8Array | undefined {
    try {
      return this.d.signer.signBlock(pd.pubkey, pd.slot, root);
    } catch (e) {
      if (!(e instanceof SlashableSigningError)) throw e;
      this.d.onEvent({ type: "refused", validator: hex(pd.pubkey), slot: pd.slot, reason: e.reason });
      return undefined;
    }
  }

  /** Our partial to the peers and our own SigAgg, then the validator signature once t partials combine. */
  private async thresholdSign(
    kind: PartialKind,
    pd: ProposerDuty,
    root: Uint8Array,
    deadlineUnixMs: number,
    sign: () => Uint8Array | undefined,
  ): Promise<Uint8Array | undefined> {
    const duty = { kind, slot: BigInt(pd.slot) };
    const signature = sign();
    if (!signature) return undefined;
    const combined = this.d.combined.wait(duty, pd.pubkey, deadlineUnixMs);
    this.d.sigagg.expect(duty, pd.pubkey, root);
    const partial: PartialSignature = { duty, validatorPubkey: pd.pubkey, shareIndex: this.d.shareIndex, signature };
    await this.d.parsigex.broadcast([partial]);
    this.d.sigagg.add(partial);
    return combined;
  }
}

/**
 * The validity predicate of block consensus: a block for our slot and proposer, on the parent our own beacon node
 * builds on, carrying the RANDAO reveal the committee combined. Its body (which attestations, which deposits) may
 * differ from ours: any valid body serves, and our node re-checks the whole block when it is published.
 */
export function isAcceptableBlock(
  block: BeaconBlock | BlindedBeaconBlock | undefined,
  own: BeaconBlock | BlindedBeaconBlock,
  pd: ProposerDuty,
  reveal: Uint8Array,
): boolean {
  return (
    block !== undefined &&
    block.slot === pd.slot &&
    block.proposerIndex === pd.validatorIndex &&
    equal(block.parentRoot, own.parentRoot) &&
    equal(block.body.randaoReveal, reveal)
  );
}

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
