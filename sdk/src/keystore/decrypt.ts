import { decrypt, type IKeystore, schemaValidationErrors } from "@chainsafe/bls-keystore";
import { type BlsBackend, wasmBls } from "../bls/backend.js";
import { bytesToHex, zeroize } from "../bytes.js";
import { InvalidArgumentError } from "../errors.js";
import {
  KeystoreNotJsonError,
  NotAKeystoreError,
  PubkeyMismatchError,
  UnsupportedKeystoreError,
  WrongPasswordError,
} from "./errors.js";

export type Keystore = IKeystore;
export type KeystoreKdf = "scrypt" | "pbkdf2";

export interface DecryptedKeystore {
  /** 32-byte big-endian secret scalar. The caller owns it and must `zeroize` it once the shares exist. */
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  path: string;
}

const SUPPORTED_KDFS: readonly string[] = ["scrypt", "pbkdf2"];

/**
 * Checks everything that can be checked without the password, so that a wrong file is reported at once instead
 * of after a multi-second KDF. The order of checks gives each kind of bad file its own error.
 */
export function parseKeystore(input: string | unknown): Keystore {
  let data: unknown = input;
  if (typeof input === "string") {
    try {
      data = JSON.parse(input);
    } catch {
      throw new KeystoreNotJsonError();
    }
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new NotAKeystoreError("not an object");
  const record = data as Record<string, unknown>;
  if (typeof record["crypto"] !== "object" || record["crypto"] === null) throw new NotAKeystoreError("no crypto field");
  if (record["version"] !== 4) throw new UnsupportedKeystoreError(`keystore version ${String(record["version"])}`);
  const kdf = (record["crypto"] as { kdf?: { function?: unknown } }).kdf?.function;
  if (typeof kdf !== "string" || !SUPPORTED_KDFS.includes(kdf))
    throw new UnsupportedKeystoreError(`KDF ${String(kdf)}`);
  const errors = schemaValidationErrors(data);
  if (errors && errors.length > 0) {
    const first = errors[0]!;
    throw new NotAKeystoreError(`${first.instancePath || "/"} ${first.message}`);
  }
  const pubkey = record["pubkey"];
  if (typeof pubkey !== "string" || !/^(0x)?[0-9a-fA-F]{96}$/.test(pubkey)) {
    throw new NotAKeystoreError("no 48-byte validator pubkey");
  }
  return data as Keystore;
}

export function keystoreKdf(keystore: Keystore): KeystoreKdf {
  return keystore.crypto.kdf.function as KeystoreKdf;
}

/**
 * Decrypts an EIP-2335 keystore and proves that the secret inside belongs to its `pubkey`. Runs the KDF once:
 * @chainsafe/bls-keystore verifies the checksum before deciphering and reports a bad one as "Invalid password".
 */
export async function decryptKeystore(
  input: string | unknown,
  password: string | Uint8Array,
): Promise<DecryptedKeystore> {
  const keystore = parseKeystore(input);
  let secretKey: Uint8Array;
  try {
    secretKey = await decrypt(keystore, password);
  } catch (error) {
    if (error instanceof Error && /invalid password/i.test(error.message)) throw new WrongPasswordError();
    throw new UnsupportedKeystoreError(`cannot decrypt (${error instanceof Error ? error.message : "unknown error"})`);
  }
  return checkSecretAgainstPubkey(keystore, secretKey, wasmBls);
}

/**
 * The secret inside must be a BLS key whose public key is the keystore's declared `pubkey`: a checksum only
 * proves the password, not that the file was not assembled from two keys. Zeroizes the secret when it refuses.
 */
export async function checkSecretAgainstPubkey(
  keystore: Keystore,
  secretKey: Uint8Array,
  bls: BlsBackend,
): Promise<DecryptedKeystore> {
  let publicKey: Uint8Array;
  try {
    publicKey = await bls.publicKeyOf(secretKey);
  } catch (error) {
    zeroize(secretKey);
    if (error instanceof InvalidArgumentError) throw new NotAKeystoreError("the secret inside is not a BLS key");
    throw error;
  }
  const declared = keystore.pubkey.replace(/^0x/, "").toLowerCase();
  if (bytesToHex(publicKey).slice(2) !== declared) {
    zeroize(secretKey);
    throw new PubkeyMismatchError();
  }
  return { secretKey, publicKey, path: keystore.path };
}
