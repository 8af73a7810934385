/**
 * The node's fee recipients, one per validator it serves. A change is staged and applied at the epoch boundary with
 * the plan (app/node.ts), so the members of a committee switch at the same epoch and agree in the proposal validity
 * check; then every epoch one prepare_beacon_proposer request carries all of them with a known index, so the beacon
 * node builds payloads that pass that check. A beacon node that refuses is logged once per outage, retried every
 * slot, and never stops the node.
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import type { BeaconChain } from "../duties/beacon.js";
import { type ProposerPreparation, prepareBeaconProposer } from "../duties/fee-recipients.js";
import { type Logger, reasonOf } from "../log.js";

/** Where one validator's blocks pay (20 bytes). */
export interface FeeRecipient {
  readonly publicKey: Uint8Array;
  readonly feeRecipient: Uint8Array;
}

export class FeeRecipientError extends Error {
  override readonly name = "FeeRecipientError";
}

export interface FeeRecipientDeps {
  readonly chain: BeaconChain;
  /** The validators of the running committees. */
  readonly served: () => readonly Uint8Array[];
  readonly indexOf: (pubkey: Uint8Array) => number | undefined;
  /** Changes whenever an index is found or dropped. */
  readonly indicesVersion: () => number;
  readonly log: Logger;
}

export class FeeRecipients {
  private current = new Map<string, Uint8Array>();
  private staged: Map<string, Uint8Array> | undefined;
  private version = 0;
  /** The last preparation the beacon node accepted: its epoch and what it was built from. */
  private sent: { epoch: number; fingerprint: string } | undefined;
  private sending = false;
  private failing = false;

  constructor(private readonly d: FeeRecipientDeps) {}

  /** The fee recipients from the next `apply` on; validators left out have none (the beacon node's default). */
  stage(list: readonly FeeRecipient[]): void {
    for (const f of list) {
      if (f.feeRecipient.length !== 20) {
        throw new FeeRecipientError(
          `the fee recipient of validator ${hex(f.publicKey)} is ${f.feeRecipient.length} bytes; use a 20-byte address`,
        );
      }
    }
    this.staged = new Map(list.map((f) => [hex(f.publicKey), f.feeRecipient.slice()]));
  }

  /** At the epoch boundary: the staged fee recipients take effect, and the served set may have changed. */
  apply(): void {
    this.version++;
    if (!this.staged) return;
    this.current = this.staged;
    this.staged = undefined;
  }

  of(pubkey: Uint8Array): Uint8Array | undefined {
    return this.current.get(hex(pubkey));
  }

  /**
   * Every slot, after the boundary's `apply`: the epoch's preparation at its first slot, and again within the epoch
   * only when something changed (an index found, a new plan) or the last attempt failed. Never rejects.
   */
  async onSlot(slot: number): Promise<void> {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const fingerprint = `${this.version}/${this.d.indicesVersion()}`;
    if (this.sending || (this.sent?.epoch === epoch && this.sent.fingerprint === fingerprint)) return;
    this.sending = true;
    try {
      await this.send(epoch, fingerprint);
    } finally {
      this.sending = false;
    }
  }

  /** Every served validator with a known index and a fee recipient. */
  preparations(): ProposerPreparation[] {
    return this.d.served().flatMap((pubkey) => {
      const validatorIndex = this.d.indexOf(pubkey);
      const feeRecipient = this.of(pubkey);
      return validatorIndex === undefined || !feeRecipient ? [] : [{ validatorIndex, feeRecipient }];
    });
  }

  private async send(epoch: number, fingerprint: string): Promise<void> {
    const list = this.preparations();
    try {
      await prepareBeaconProposer(this.d.chain, list);
      this.sent = { epoch, fingerprint };
      if (this.failing)
        this.d.log.info("the beacon node accepts proposer preparations again", { validators: list.length });
      this.failing = false;
    } catch (e) {
      if (!this.failing) {
        this.d.log.warn(
          "the beacon node refused prepare_beacon_proposer: blocks it builds for our validators may pay its default " +
            "fee recipient, which the committee refuses; check that beacon.url reaches a beacon node serving the " +
            "validator API (retrying every slot)",
          { epoch, validators: list.length, reason: reasonOf(e) },
        );
      }
      this.failing = true;
    }
  }
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
