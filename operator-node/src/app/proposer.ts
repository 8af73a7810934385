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
  executionPayloadOf,
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
  /**
   * Where the validator's blocks must pay (20 bytes): a proposal paying anyone else is refused. Undefined (no fee
   * recipient known for the validator, a node not following a registry) checks nothing.
   */
  readonly feeRecipientOf?: (validatorPubkey: Uint8Array) => Uint8Array | undefined;
  /**
   * TEST ONLY, off by default, never read from a configuration file: this member's own proposal pays this address
   * instead (its payload's fee recipient rewritten after its beacon node built it), so a test can play a leader that
   * redirects rewards and see the other members refuse it. This member's own validity check stays honest.
   */
  readonly rewriteFeeRecipientForTest?: Uint8Array;
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
    this.checkOwn(own, pd);
    const instance: InstanceId = {
      committeeId: this.d.committeeId,
      dutyKind: DutyKind.proposer,
      slot: BigInt(pd.slot),
    };
    const proposed = this.rewrittenForTest(own);
    const decision = await this.d.consensus.propose(instance, encodeBlock(chain.config, proposed), deadline, (v) =>
      this.acceptable(decodeBlock(chain.config, pd.slot, v), own, pd, reveal),
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
    const produced = await this.produce(pd, reveal);
    this.checkOwn(produced.blinded, pd);
    // A rewritten proposal keeps no contents: they are another block's.
    const own: Produced = this.d.rewriteFeeRecipientForTest
      ? { builder: produced.builder, blinded: this.rewrittenForTest(produced.blinded) }
      : produced;
    const instance: InstanceId = {
      committeeId: this.d.committeeId,
      dutyKind: DutyKind.proposer,
      slot: BigInt(pd.slot),
    };
    const decision = await this.d.consensus.propose(instance, encodeProposal(chain.config, own), deadline, (v) =>
      this.acceptable(decodeProposal(chain.config, pd.slot, v)?.blinded, produced.blinded, pd, reveal),
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
          const bid = await produceBlockV3(chain, pd.slot, reveal, { graffiti, timeoutMs: budget });
          // A builder that pays the proposer by a transaction names itself in the header: the committee cannot see
          // that payment in a blinded block and refuses it, so a local block is asked for instead.
          const feeRecipient = this.d.feeRecipientOf?.(pd.pubkey);
          const paid = executionPayloadOf(bid.blinded)?.feeRecipient;
          if (!bid.builder || !feeRecipient || (paid && equal(paid, feeRecipient))) return bid;
          this.d.log.warn(
            "the builder's block pays another fee recipient than the validator's; proposing a local block",
            {
              slot: pd.slot,
              paid: paid && hexAddress(paid),
              feeRecipient: hexAddress(feeRecipient),
            },
          );
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

  /** The validity predicate with the validator's fee recipient; a block refused for paying someone else is logged. */
  private acceptable(
    block: BeaconBlock | BlindedBeaconBlock | undefined,
    own: BeaconBlock | BlindedBeaconBlock,
    pd: ProposerDuty,
    reveal: Uint8Array,
  ): boolean {
    const feeRecipient = this.d.feeRecipientOf?.(pd.pubkey);
    if (isAcceptableBlock(block, own, pd, reveal, feeRecipient)) return true;
    if (block && feeRecipient && isAcceptableBlock(block, own, pd, reveal)) {
      const paid = executionPayloadOf(block)?.feeRecipient;
      this.d.log.warn("refused a proposed block that pays another fee recipient than the validator's", {
        slot: pd.slot,
        validatorIndex: pd.validatorIndex,
        paid: paid && hexAddress(paid),
        feeRecipient: hexAddress(feeRecipient),
      });
    }
    return false;
  }

  /** Our own beacon node's block would be refused by every member when it pays someone else: say why. */
  private checkOwn(own: BeaconBlock | BlindedBeaconBlock, pd: ProposerDuty): void {
    const feeRecipient = this.d.feeRecipientOf?.(pd.pubkey);
    if (!feeRecipient || paysFeeRecipient(own, own, feeRecipient)) return;
    this.d.log.warn(
      "our beacon node built a block paying another fee recipient than the validator's, which the committee " +
        "refuses: prepare_beacon_proposer has not reached it yet, or failed (see the warning about it)",
      {
        slot: pd.slot,
        validatorIndex: pd.validatorIndex,
        paid: hexAddress(executionPayloadOf(own)!.feeRecipient),
        feeRecipient: hexAddress(feeRecipient),
      },
    );
  }

  /** The test hook: a copy of our block whose payload pays `rewriteFeeRecipientForTest` (nothing else changed). */
  private rewrittenForTest<T extends BeaconBlock | BlindedBeaconBlock>(block: T): T {
    const to = this.d.rewriteFeeRecipientForTest;
    const payload = executionPayloadOf(block);
    if (!to || !payload) return block;
    this.d.log.warn("TEST HOOK rewriteFeeRecipientForTest: this member proposes a block paying another address", {
      slot: block.slot,
      paid: hexAddress(to),
    });
    const body = block.body as Record<string, unknown>;
    const key = "executionPayload" in body ? "executionPayload" : "executionPayloadHeader";
    return { ...block, body: { ...body, [key]: { ...payload, feeRecipient: to.slice() } } } as T;
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
 * builds on, carrying the RANDAO reveal the committee combined and, given the validator's fee recipient, paying it
 * (full or blinded). Its body (which attestations, which deposits) may differ from ours: any valid body serves, and
 * our node re-checks the whole block when it is published.
 */
export function isAcceptableBlock(
  block: BeaconBlock | BlindedBeaconBlock | undefined,
  own: BeaconBlock | BlindedBeaconBlock,
  pd: ProposerDuty,
  reveal: Uint8Array,
  feeRecipient?: Uint8Array,
): boolean {
  return (
    block !== undefined &&
    block.slot === pd.slot &&
    block.proposerIndex === pd.validatorIndex &&
    equal(block.parentRoot, own.parentRoot) &&
    equal(block.body.randaoReveal, reveal) &&
    (feeRecipient === undefined || paysFeeRecipient(block, own, feeRecipient))
  );
}

/**
 * Whether `block`'s execution payload pays `feeRecipient`. Blocks without a payload (phase0, Altair) pay no one;
 * neither do Bellatrix blocks before the merge, whose payload is empty: whether the chain has merged is read from
 * our own beacon node's block (a zero block hash), never from the proposal being judged.
 */
export function paysFeeRecipient(
  block: BeaconBlock | BlindedBeaconBlock,
  own: BeaconBlock | BlindedBeaconBlock,
  feeRecipient: Uint8Array,
): boolean {
  const ours = executionPayloadOf(own);
  if (!ours || ours.blockHash.every((b) => b === 0)) return true;
  const payload = executionPayloadOf(block);
  return payload !== undefined && equal(payload.feeRecipient, feeRecipient);
}

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const hexAddress = (b: Uint8Array) => `0x${hex(b)}`;
