import { create, decrypt, defaultScryptModule, type IKeystore } from "@chainsafe/bls-keystore";
import { UnsupportedKeystoreError, WrongPasswordError, zeroize } from "@cohort/sdk";
import { x25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";

/**
 * The operator's two long-lived secrets, in one password-protected file:
 * - identity: secp256k1, the libp2p peer key and the key that signs every consensus message (registered on-chain);
 * - encryption: X25519, the key stakers' shares are HPKE-encrypted to (registered on-chain).
 * Each is held in an EIP-2335 container (scrypt + AES-128-CTR + checksum) through @chainsafe/bls-keystore: an
 * audited format, not a new one; its `pubkey` field carries the key's public half so `keys` needs no password.
 */
export const KEY_FILE_VERSION = "cohort-node-key/1";

export interface NodeKeyFile {
  version: typeof KEY_FILE_VERSION;
  identity: IKeystore;
  encryption: IKeystore;
}

export interface NodeKeys {
  identitySecret: Uint8Array;
  identityPublicKey: Uint8Array;
  encryptionSecret: Uint8Array;
  encryptionPublicKey: Uint8Array;
}

export class KeyFileError extends Error {
  override name = "KeyFileError";
}

export async function createKeyFile(
  password: string,
  options: {
    scryptN?: number;
    /** Seal existing secrets (e.g. a devnet's pre-registered operators) instead of drawing new ones. Copied. */
    secrets?: { identitySecret: Uint8Array; encryptionSecret: Uint8Array };
  } = {},
): Promise<{ file: NodeKeyFile; keys: NodeKeys }> {
  const identitySecret = options.secrets
    ? Uint8Array.from(options.secrets.identitySecret)
    : secp256k1.utils.randomSecretKey();
  const encryptionSecret = options.secrets
    ? Uint8Array.from(options.secrets.encryptionSecret)
    : x25519.utils.randomSecretKey();
  const keys = {
    identitySecret,
    identityPublicKey: secp256k1.getPublicKey(identitySecret, true),
    encryptionSecret,
    encryptionPublicKey: x25519.getPublicKey(encryptionSecret),
  };
  const kdf = defaultScryptModule();
  if (options.scryptN) kdf.params.n = options.scryptN;
  const seal = (secret: Uint8Array, pub: Uint8Array, what: string) =>
    create(password, secret, pub, "", `cohort operator ${what}`, kdf);
  return {
    file: {
      version: KEY_FILE_VERSION,
      identity: await seal(keys.identitySecret, keys.identityPublicKey, "identity key (secp256k1)"),
      encryption: await seal(keys.encryptionSecret, keys.encryptionPublicKey, "encryption key (X25519)"),
    },
    keys,
  };
}

/** Public keys only: what an operator registers. Needs no password. */
export function publicKeysOf(text: string): { identityPublicKey: string; encryptionPublicKey: string } {
  const file = parse(text);
  return { identityPublicKey: `0x${file.identity.pubkey}`, encryptionPublicKey: `0x${file.encryption.pubkey}` };
}

export async function loadKeyFile(text: string, password: string): Promise<NodeKeys> {
  const file = parse(text);
  const identitySecret = await open(file.identity, password);
  const encryptionSecret = await open(file.encryption, password);
  const keys = {
    identitySecret,
    identityPublicKey: secp256k1.getPublicKey(identitySecret, true),
    encryptionSecret,
    encryptionPublicKey: x25519.getPublicKey(encryptionSecret),
  };
  if (
    Buffer.from(keys.identityPublicKey).toString("hex") !== file.identity.pubkey ||
    Buffer.from(keys.encryptionPublicKey).toString("hex") !== file.encryption.pubkey
  ) {
    zeroize(identitySecret, encryptionSecret);
    throw new KeyFileError(
      "the key file's public keys do not match its secrets: the file is damaged; restore it from backup",
    );
  }
  return keys;
}

async function open(keystore: IKeystore, password: string): Promise<Uint8Array> {
  try {
    return await decrypt(keystore, password);
  } catch (error) {
    if (error instanceof Error && /invalid password/i.test(error.message)) throw new WrongPasswordError();
    throw new UnsupportedKeystoreError("the node key file cannot be decrypted");
  }
}

function parse(text: string): NodeKeyFile {
  let data: NodeKeyFile;
  try {
    data = JSON.parse(text);
  } catch {
    throw new KeyFileError("the node key file is not JSON; point --key-file at the file `cohort-node init` wrote");
  }
  if (data?.version !== KEY_FILE_VERSION || !data.identity?.crypto || !data.encryption?.crypto) {
    throw new KeyFileError(`not a Cohort node key file (expected version "${KEY_FILE_VERSION}")`);
  }
  return data;
}
