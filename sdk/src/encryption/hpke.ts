import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";
import { PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH } from "../bls/constants.js";
import { concatBytes, u64be, zeroize } from "../bytes.js";
import { CohortError, InvalidArgumentError } from "../errors.js";

/**
 * Share encryption: HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM, empty AAD.
 * `info` binds each ciphertext to one operator of one validator on one registry of one chain, so a ciphertext
 * copied into another registration, chain or operator slot fails to open.
 */
export const SHARE_INFO_TAG = "cohort/keyshare/v1";
export const ENCRYPTION_KEY_LENGTH = 32;
export const ENC_LENGTH = 32;
export const SHARE_CIPHERTEXT_LENGTH = SECRET_KEY_LENGTH + 16;

export interface ShareContext {
  chainId: bigint;
  /** 20-byte address of the registry contract. */
  registry: Uint8Array;
  validatorPublicKey: Uint8Array;
  operatorId: bigint;
}

export interface EncryptedShare {
  /** The sender's ephemeral X25519 public key. */
  enc: Uint8Array;
  ciphertext: Uint8Array;
}

export class ShareDecryptionError extends CohortError {
  override name = "ShareDecryptionError";
  constructor() {
    super(
      "SHARE_DECRYPTION_FAILED",
      "cannot decrypt the key share: it was encrypted to another operator key or for another validator, chain or registry",
    );
  }
}

let suite: CipherSuite | undefined;
function hpke(): CipherSuite {
  suite ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return suite;
}

export function shareInfo(context: ShareContext): Uint8Array {
  if (context.registry.length !== 20) throw new InvalidArgumentError("the registry address is 20 bytes");
  if (context.validatorPublicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new InvalidArgumentError("the validator public key is 48 bytes");
  }
  return concatBytes(
    new TextEncoder().encode(SHARE_INFO_TAG),
    u64be(context.chainId),
    context.registry,
    context.validatorPublicKey,
    u64be(context.operatorId),
  );
}

export async function encryptShare(
  operatorEncryptionKey: Uint8Array,
  shareSecret: Uint8Array,
  context: ShareContext,
): Promise<EncryptedShare> {
  if (operatorEncryptionKey.length !== ENCRYPTION_KEY_LENGTH) {
    throw new InvalidArgumentError(`operator ${context.operatorId} has no valid X25519 encryption key (32 bytes)`);
  }
  const suite = hpke();
  const recipientPublicKey = await suite.kem.importKey("raw", toArrayBuffer(operatorEncryptionKey), true);
  const sealed = await suite.seal({ recipientPublicKey, info: toArrayBuffer(shareInfo(context)) }, shareSecret);
  return { enc: new Uint8Array(sealed.enc), ciphertext: new Uint8Array(sealed.ct) };
}

/** Opens one share. Returns the 32-byte secret (zeroize it after use); throws `ShareDecryptionError` otherwise. */
export async function decryptShare(
  operatorSecretKey: Uint8Array,
  encrypted: EncryptedShare,
  context: ShareContext,
): Promise<Uint8Array> {
  if (encrypted.enc.length !== ENC_LENGTH || encrypted.ciphertext.length !== SHARE_CIPHERTEXT_LENGTH) {
    throw new ShareDecryptionError();
  }
  const suite = hpke();
  const keyCopy = toArrayBuffer(operatorSecretKey);
  try {
    const recipientKey = await suite.kem.importKey("raw", keyCopy, false);
    const plain = await suite.open(
      { recipientKey, enc: toArrayBuffer(encrypted.enc), info: toArrayBuffer(shareInfo(context)) },
      toArrayBuffer(encrypted.ciphertext),
    );
    const share = new Uint8Array(plain);
    if (share.length !== SECRET_KEY_LENGTH) {
      zeroize(share);
      throw new ShareDecryptionError();
    }
    return share;
  } catch (error) {
    if (error instanceof ShareDecryptionError) throw error;
    throw new ShareDecryptionError();
  } finally {
    zeroize(new Uint8Array(keyCopy));
  }
}

export interface EncryptionKeyPair {
  /** 32-byte X25519 secret: keep it encrypted at rest. */
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair an operator registers (public half) to receive shares. */
export async function generateEncryptionKeyPair(): Promise<EncryptionKeyPair> {
  const suite = hpke();
  const pair = await suite.kem.generateKeyPair();
  const secret = await suite.kem.serializePrivateKey(pair.privateKey);
  const pub = await suite.kem.serializePublicKey(pair.publicKey);
  return { secretKey: new Uint8Array(secret), publicKey: new Uint8Array(pub) };
}

/** A fresh, exactly-sized copy: a Node Buffer's `.buffer` is a shared pool, never hand that to WebCrypto. */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}
