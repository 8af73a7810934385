/**
 * The voluntary-exit workflow: when the owner asks for an exit (the registry's ExitRequested event, delivered by the
 * chain sync to every member), the committee agrees on the VoluntaryExit, threshold-signs it, verifies the combined
 * signature against the validator key and submits it. Exits are not slashable; the consensus step only makes every
 * member sign the same epoch.
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import type { phase0 } from "@lodestar/types";
import { DutyKind, type InstanceId } from "../consensus/types.js";
import { slotAt, slotStartMs } from "../duties/beacon.js";
import {
  decodeExit,
  encodeExit,
  isAcceptableExit,
  submitVoluntaryExit,
  voluntaryExitSigningRoot,
} from "../duties/exit.js";
import { alreadyKnownIsFine } from "../duties/http.js";
import { PartialKind } from "../parsigex/codec.js";
import type { PartialSignature } from "../workflow.js";
import type { NodeEvent } from "./attester.js";
import type { SigningDeps } from "./combined.js";
import { missReasonOf, reportMissed } from "./missed.js";

export class UnknownValidatorError extends Error {
  override readonly name = "UnknownValidatorError";
}

export interface ExitDeps extends SigningDeps {
  /** The beacon-chain index of a committee validator, or undefined while its deposit is pending. */
  readonly indexOf: (validatorPubkey: Uint8Array) => Promise<number | undefined>;
  readonly onEvent: (e: NodeEvent) => void;
}

export class ExitWorkflow {
  constructor(private readonly d: ExitDeps) {}

  /**
   * Exits one validator of the committee and resolves with the submitted SignedVoluntaryExit. Every member must be
   * asked (each by its own chain sync): t members' partials are needed. Rejects when the validator is not on the
   * beacon chain, when no decision is reached within an epoch, or when the beacon node refuses the exit.
   */
  async requestExit(validatorPubkey: Uint8Array): Promise<phase0.SignedVoluntaryExit> {
    const { chain } = this.d;
    const validatorIndex = await this.d.indexOf(validatorPubkey);
    if (validatorIndex === undefined) {
      throw new UnknownValidatorError(
        "this validator is not on the beacon chain yet (deposit pending); ask for the exit once it is active",
      );
    }
    try {
      return await this.exit(validatorPubkey, validatorIndex);
    } catch (e) {
      const slot = Math.max(0, slotAt(chain, Date.now()));
      reportMissed(this.d.log, this.d.onEvent, { kind: "exit", slot, reason: missReasonOf(e), validatorIndex }, e);
      throw e;
    }
  }

  private async exit(validatorPubkey: Uint8Array, validatorIndex: number): Promise<phase0.SignedVoluntaryExit> {
    const { chain } = this.d;
    const epochNow = () => Math.floor(Math.max(0, slotAt(chain, Date.now())) / SLOTS_PER_EPOCH);
    const proposal = encodeExit({ epoch: epochNow(), validatorIndex });
    // Named by the validator, not by time: members learn of the request at slightly different moments, and a
    // validator exits once.
    const instance: InstanceId = {
      committeeId: this.d.committeeId,
      dutyKind: DutyKind.exit,
      slot: BigInt(validatorIndex),
    };
    const epochMs = SLOTS_PER_EPOCH * chain.secondsPerSlot * 1000;
    const decision = await this.d.consensus.propose(instance, proposal, performance.now() + epochMs, (v) =>
      isAcceptableExit(decodeExit(v), validatorIndex, epochNow()),
    );
    const exit = decodeExit(decision.value)!;
    const signingSlot = exit.epoch * SLOTS_PER_EPOCH;
    this.d.onEvent({ type: "exit-decided", validatorIndex, slot: signingSlot, epoch: exit.epoch });

    const root = voluntaryExitSigningRoot(chain.config, exit, Math.max(0, slotAt(chain, Date.now())));
    const duty = { kind: PartialKind.voluntaryExit, slot: BigInt(signingSlot) };
    const combined = this.d.combined.wait(duty, validatorPubkey, slotStartMs(chain, signingSlot) + 2 * epochMs);
    this.d.sigagg.expect(duty, validatorPubkey, root);
    const partial: PartialSignature = {
      duty,
      validatorPubkey,
      shareIndex: this.d.shareIndex,
      signature: this.d.signer.signUnslashable(validatorPubkey, root),
    };
    await this.d.parsigex.broadcast([partial]);
    this.d.sigagg.add(partial);
    // SigAgg verified the combined signature against the validator key before handing it over.
    const signed = { message: exit, signature: await combined };
    await alreadyKnownIsFine(submitVoluntaryExit(chain, signed));
    this.d.onEvent({ type: "exited", validatorIndex, slot: signingSlot, epoch: exit.epoch });
    return signed;
  }
}
