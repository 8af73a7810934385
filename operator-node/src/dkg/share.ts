/**
 * The DKG's output share: a handle that lends its bytes and zeroizes them, and the one way it leaves the process,
 * sealed with the sdk's HPKE share encryption to the operator's own X25519 key, so the node stores a DKG share
 * exactly like a share a staker registered (same `info` binding: chain, registry, validator key, operator id).
 */
import { type EncryptedShare, encryptShare, SECRET_KEY_LENGTH, zeroize } from "@cohort/sdk";

export class ShareZeroizedError extends Error {
  override readonly name = "ShareZeroizedError";
  constructor() {
    super("this DKG share was zeroized; seal it before calling zeroize(), or run the ceremony again");
  }
}

export class DkgShare {
  private readonly secret: Uint8Array;
  private cleared = false;

  /** Takes ownership of `secret` (32 bytes): it is overwritten by `zeroize()`. */
  constructor(
    /** Share index x = member index + 1. */
    readonly index: number,
    /** secret·G1: what this share's partial signatures verify against. */
    readonly publicKey: Uint8Array,
    secret: Uint8Array,
  ) {
    if (secret.length !== SECRET_KEY_LENGTH) throw new Error("a share is 32 bytes");
    this.secret = secret;
  }

  /** Lends the secret to `fn`; do not keep a reference to it beyond the call. */
  use<T>(fn: (secret: Uint8Array) => T): T {
    if (this.cleared) throw new ShareZeroizedError();
    return fn(this.secret);
  }

  get zeroized(): boolean {
    return this.cleared;
  }

  zeroize(): void {
    zeroize(this.secret);
    this.cleared = true;
  }

  /** Never print the secret, whatever a logger or debugger does with this object. */
  toJSON(): object {
    return { index: this.index, publicKey: Buffer.from(this.publicKey).toString("hex") };
  }
}

export interface SealContext {
  /** The operator's own X25519 public key (registered on-chain), 32 bytes. */
  readonly encryptionPublicKey: Uint8Array;
  readonly chainId: bigint;
  /** 20-byte address of the registry the mini-pool's validator is recorded in. */
  readonly registry: Uint8Array;
  readonly operatorId: bigint;
}

export interface SealedDkgShare {
  readonly validatorPublicKey: Uint8Array;
  readonly shareIndex: number;
  readonly sharePublicKey: Uint8Array;
  readonly encrypted: EncryptedShare;
}

/**
 * Encrypts the share to the operator's own key, in the format of a staker-registered share (it opens with the
 * sdk's `decryptShare` and the same context). The handle is left as it is: zeroize it once the sealed share is
 * stored.
 */
export async function sealDkgShare(
  share: DkgShare,
  validatorPublicKey: Uint8Array,
  context: SealContext,
): Promise<SealedDkgShare> {
  const encrypted = await share.use((secret) =>
    encryptShare(context.encryptionPublicKey, secret, {
      chainId: context.chainId,
      registry: context.registry,
      validatorPublicKey,
      operatorId: context.operatorId,
    }),
  );
  return { validatorPublicKey, shareIndex: share.index, sharePublicKey: share.publicKey, encrypted };
}
