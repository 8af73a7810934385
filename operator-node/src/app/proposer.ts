/**
 * The proposer workflow of one committee: threshold RANDAO reveal → block from our own beacon node → consensus on the
 * block's bytes → block partial signature (EIP-3076 block rule persisted first) → ParSigEx → SigAgg → every member
 * publishes. The RANDAO reveal is combined before the block is asked for, because the block contains it.
 */
import type { BeaconBlock } from "@lodestar/types";
import { DutyKind, type InstanceId } from "../consensus/types.js";
import type { BeaconChain } from "../duties/beacon.js";
import { slotStartMs } from "../duties/beacon.js";
import { alreadyKnownIsFine } from "../duties/http.js";
import {
  blockSigningRoot,
  decodeBlock,
  encodeBlock,
  type ProposerDuty,
  produceBlock,
  publishBlock,
  randaoSigningRoot,
  signedBlock,
} from "../duties/proposer.js";
import type { Logger } from "../log.js";
import { PartialKind } from "../parsigex/codec.js";
import type { ThresholdSigAgg } from "../sigagg/threshold-sigagg.js";
import type { ShareSigner } from "../signer/share-signer.js";
import { SlashableSigningError } from "../signer/slashing-protection.js";
import type { Consensus, Deadline, Duty, ParSigEx, PartialSignature } from "../workflow.js";
import type { NodeEvent } from "./attester.js";
import type { CombinedSignatures } from "./combined.js";
import { type MissReason, missReasonOf, reportMissed } from "./missed.js";

export interface ProposerDeps {
  readonly chain: BeaconChain;
  readonly committeeId: Uint8Array;
  readonly shareIndex: number;
  readonly dutyAt: (slot: number) => ProposerDuty | undefined;
  readonly consensus: Consensus;
  readonly signer: ShareSigner;
  readonly parsigex: ParSigEx;
  readonly sigagg: ThresholdSigAgg;
  readonly combined: CombinedSignatures;
  readonly log: Logger;
  readonly onEvent: (e: NodeEvent) => void;
  /** 32 bytes written into every block this committee proposes. */
  readonly graffiti?: Uint8Array;
}

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
  block: BeaconBlock | undefined,
  own: BeaconBlock,
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
