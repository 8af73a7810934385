import { SecretKey } from "@chainsafe/blst";
import type { SlashableSigningError, SlashingProtection } from "./slashing-protection.js";

/**
 * Signs with this node's share of each validator, behind slashing protection: for slashable messages the check and
 * its durable record come first, and only then does a partial signature exist. Native blst does the signing (0.4 ms).
 */
export interface ValidatorShare {
  validatorPublicKey: Uint8Array;
  /** 32-byte share secret; loaded into blst and not kept as bytes. */
  secret: Uint8Array;
}

export class ShareSigner {
  private readonly keys = new Map<string, SecretKey>();

  constructor(
    private readonly protection: SlashingProtection,
    shares: readonly ValidatorShare[],
  ) {
    this.add(shares);
  }

  /** Loads shares (a validator joining the committee); their byte copies are zeroized. */
  add(shares: readonly ValidatorShare[]): void {
    for (const share of shares) {
      this.keys.set(keyOf(share.validatorPublicKey), SecretKey.fromBytes(share.secret));
      share.secret.fill(0);
    }
  }

  /** Forgets a validator's share (removed, liquidated, moved or exited): nothing is signed for it any more. */
  remove(validatorPublicKey: Uint8Array): void {
    this.keys.delete(keyOf(validatorPublicKey));
  }

  /** Public keys of the validators this signer holds a share of. */
  validators(): Uint8Array[] {
    return [...this.keys.keys()].map((k) => Uint8Array.from(Buffer.from(k, "hex")));
  }

  /** Partial signature over an attestation's signing root; throws `SlashableSigningError` instead of signing. */
  signAttestation(
    validatorPublicKey: Uint8Array,
    sourceEpoch: number,
    targetEpoch: number,
    signingRoot: Uint8Array,
  ): Uint8Array {
    const key = this.key(validatorPublicKey);
    this.protection.checkAndRecordAttestation({ pubkey: validatorPublicKey, sourceEpoch, targetEpoch, signingRoot });
    return key.sign(signingRoot).toBytes();
  }

  /**
   * A slot's attestations at once: every check and record in one commit, then the signatures. For each item, the
   * partial signature, or the `SlashableSigningError` that refused it.
   */
  signAttestations(
    items: readonly {
      validatorPublicKey: Uint8Array;
      sourceEpoch: number;
      targetEpoch: number;
      signingRoot: Uint8Array;
    }[],
  ): (Uint8Array | SlashableSigningError)[] {
    const keys = items.map((i) => this.key(i.validatorPublicKey));
    const verdicts = this.protection.checkAndRecordAttestations(
      items.map((i) => ({
        pubkey: i.validatorPublicKey,
        sourceEpoch: i.sourceEpoch,
        targetEpoch: i.targetEpoch,
        signingRoot: i.signingRoot,
      })),
    );
    return verdicts.map((refusal, n) => refusal ?? keys[n]!.sign(items[n]!.signingRoot).toBytes());
  }

  signBlock(validatorPublicKey: Uint8Array, slot: number, signingRoot: Uint8Array): Uint8Array {
    const key = this.key(validatorPublicKey);
    this.protection.checkAndRecordBlock({ pubkey: validatorPublicKey, slot, signingRoot });
    return key.sign(signingRoot).toBytes();
  }

  /** Selection proofs, RANDAO reveals, aggregate-and-proofs and exits are not slashable. */
  signUnslashable(validatorPublicKey: Uint8Array, signingRoot: Uint8Array): Uint8Array {
    return this.key(validatorPublicKey).sign(signingRoot).toBytes();
  }

  has(validatorPublicKey: Uint8Array): boolean {
    return this.keys.has(keyOf(validatorPublicKey));
  }

  private key(validatorPublicKey: Uint8Array): SecretKey {
    const key = this.keys.get(keyOf(validatorPublicKey));
    if (!key) throw new Error(`no share for validator ${keyOf(validatorPublicKey).slice(0, 12)}…`);
    return key;
  }
}

const keyOf = (b: Uint8Array) => Buffer.from(b).toString("hex");
