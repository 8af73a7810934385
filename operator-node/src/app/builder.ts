/**
 * Builder registrations of one committee (MEV-boost): the committee agrees once on its validators'
 * ValidatorRegistrationV1 (the validator's own fee recipient, the gas limit, the round's timestamp), threshold-signs
 * each, and resubmits the same signed registrations every epoch: relays expect them regularly, and a new signature
 * per epoch would cost a consensus round and t partials per validator for nothing. A change of a validator's fee
 * recipient or of the gas limit (or a validator without a registration yet) starts a new round. A validator without
 * a known fee recipient is not registered: its blocks are local.
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import type { bellatrix } from "@lodestar/types";
import type { InstanceId } from "../consensus/types.js";
import { slotStartMs } from "../duties/beacon.js";
import {
  BUILDER_REGISTRATION_DUTY_KIND,
  type BuilderParams,
  decodeRegistrations,
  encodeRegistrations,
  isAcceptableRegistrations,
  registrationSigningRoot,
  registrationsFor,
  submitRegistrations,
} from "../duties/builder.js";
import { PartialKind } from "../parsigex/codec.js";
import type { PartialSignature } from "../workflow.js";
import type { SigningDeps } from "./combined.js";

export interface BuilderDeps extends SigningDeps {
  /** The committee's builder settings now; undefined: no builder, every block local. */
  readonly params: () => BuilderParams | undefined;
  /** The committee's validators that are on the beacon chain (relays refuse unknown keys). */
  readonly validators: () => Uint8Array[];
  /** The validator's fee recipient now (20 bytes), the one its blocks must pay; undefined: none known. */
  readonly feeRecipientOf: (pubkey: Uint8Array) => Uint8Array | undefined;
  readonly onEvent?: (e: BuilderEvent) => void;
}

/** `slot` is the epoch's first slot, as every node event names a slot. */
export type BuilderEvent =
  | { type: "registration-signed"; slot: number; epoch: number; validators: number }
  | { type: "registrations-submitted"; slot: number; epoch: number; validators: number };

export class BuilderRegistrations {
  /** Signed registrations by validator (hex), whatever params they carry; only matching ones are submitted. */
  private readonly signed = new Map<string, bellatrix.SignedValidatorRegistrationV1>();
  private round: Promise<void> | undefined;
  /** One round per epoch: its consensus instance is named by the epoch's first slot. */
  private roundEpoch = -1;
  private submittedEpoch = -1;

  constructor(private readonly d: BuilderDeps) {}

  /** Whether the validator's current registration is signed and submitted: its blocks may come from a builder. */
  registered(pubkey: Uint8Array): boolean {
    const params = this.d.params();
    const s = this.signed.get(hex(pubkey));
    const feeRecipient = this.d.feeRecipientOf(pubkey);
    return (
      params !== undefined &&
      s !== undefined &&
      feeRecipient !== undefined &&
      matches(s.message, params, feeRecipient) &&
      this.submittedEpoch >= 0
    );
  }

  /** The validators a registration can be made for now, with their fee recipients. */
  private registrable(): Registrable[] {
    return this.d.validators().flatMap((pubkey) => {
      const feeRecipient = this.d.feeRecipientOf(pubkey);
      return feeRecipient ? [{ pubkey, feeRecipient }] : [];
    });
  }

  /** Every slot: a round for validators whose registration is missing or stale, and once per epoch a resubmission. */
  onSlot(slot: number): void {
    const params = this.d.params();
    if (!params) return;
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const validators = this.registrable();
    const stale = validators.filter((v) => {
      const s = this.signed.get(hex(v.pubkey));
      return !s || !matches(s.message, params, v.feeRecipient);
    });
    if (stale.length > 0 && !this.round && epoch > this.roundEpoch) {
      this.roundEpoch = epoch;
      this.round = this.sign(epoch, stale, params)
        .catch((e: unknown) => this.d.log.warn("builder registration round failed", { epoch, reason: String(e) }))
        .finally(() => {
          this.round = undefined;
        });
      return;
    }
    if (epoch > this.submittedEpoch) void this.submit(epoch, validators, params);
  }

  private async submit(epoch: number, validators: Registrable[], params: BuilderParams): Promise<void> {
    const list = validators.flatMap((v) => {
      const s = this.signed.get(hex(v.pubkey));
      return s && matches(s.message, params, v.feeRecipient) ? [s] : [];
    });
    if (list.length === 0) return;
    this.submittedEpoch = epoch;
    try {
      await submitRegistrations(this.d.chain, list);
      this.d.onEvent?.({
        type: "registrations-submitted",
        slot: epoch * SLOTS_PER_EPOCH,
        epoch,
        validators: list.length,
      });
    } catch (e) {
      this.submittedEpoch = epoch - 1; // try again next slot
      this.d.log.warn("builder registrations refused", { epoch, reason: String(e) });
    }
  }

  /** One round: consensus on the list, a partial per validator, the combined signatures kept. */
  private async sign(epoch: number, validators: Registrable[], params: BuilderParams): Promise<void> {
    const { chain } = this.d;
    const startSlot = epoch * SLOTS_PER_EPOCH;
    const proposal = registrationsFor(chain, epoch, validators, params);
    const ours = new Map(this.registrable().map((v) => [hex(v.pubkey), v.feeRecipient]));
    const instance: InstanceId = {
      committeeId: this.d.committeeId,
      dutyKind: BUILDER_REGISTRATION_DUTY_KIND,
      slot: BigInt(startSlot),
    };
    const epochMs = SLOTS_PER_EPOCH * chain.secondsPerSlot * 1000;
    const deadlineMs = slotStartMs(chain, startSlot) + epochMs;
    const timestamp = proposal[0]!.timestamp;
    const decision = await this.d.consensus.propose(
      instance,
      encodeRegistrations(proposal),
      performance.now() + deadlineMs - Date.now(),
      (v) => isAcceptableRegistrations(decodeRegistrations(v), ours, params, timestamp),
    );
    const list = decodeRegistrations(decision.value)!;
    const duty = { kind: PartialKind.validatorRegistration, slot: BigInt(startSlot) };
    const partials: PartialSignature[] = [];
    const waits: Promise<void>[] = [];
    for (const message of list) {
      const root = registrationSigningRoot(chain.config, message);
      waits.push(
        this.d.combined.wait(duty, message.pubkey, deadlineMs).then((signature) => {
          this.signed.set(hex(message.pubkey), { message, signature });
        }),
      );
      this.d.sigagg.expect(duty, message.pubkey, root);
      partials.push({
        duty,
        validatorPubkey: message.pubkey,
        shareIndex: this.d.shareIndex,
        signature: this.d.signer.signUnslashable(message.pubkey, root),
      });
    }
    await this.d.parsigex.broadcast(partials);
    for (const p of partials) this.d.sigagg.add(p);
    await Promise.all(waits);
    this.d.onEvent?.({ type: "registration-signed", slot: startSlot, epoch, validators: list.length });
    // Submitted at once, not at the next epoch: a proposal in this epoch may already use the builder.
    this.submittedEpoch = epoch - 1;
    await this.submit(epoch, this.registrable(), params);
  }
}

interface Registrable {
  readonly pubkey: Uint8Array;
  readonly feeRecipient: Uint8Array;
}

const matches = (m: bellatrix.ValidatorRegistrationV1, p: BuilderParams, feeRecipient: Uint8Array) =>
  m.gasLimit === p.gasLimit && Buffer.from(m.feeRecipient).equals(Buffer.from(feeRecipient));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
