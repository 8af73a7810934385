import { type Address, getAddress, type Hex, isAddress } from "viem";
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from "../bls/constants.js";
import { parseHex } from "../bytes.js";
import { isCommitteeSize, thresholdOf } from "../committee/size.js";
import { ENC_LENGTH, ENCRYPTION_KEY_LENGTH, SHARE_CIPHERTEXT_LENGTH } from "../encryption/hpke.js";
import { CohortError } from "../errors.js";

export const KEYSHARES_FILE_VERSION = "cohort-keyshares/1";

/** One validator's keyshares, exactly as the JSON file holds them (byte fields as 0x-hex). */
export interface ValidatorKeyshares {
  publicKey: Hex;
  owner: Address;
  nonce: number;
  chainId: number;
  registry: Address;
  operatorIds: number[];
  threshold: number;
  commitments: Hex[];
  sharePublicKeys: Hex[];
  /**
   * `encryptionKey` is the operator X25519 key the share was encrypted to. HPKE cannot show it from the ciphertext, so
   * the file records it for a staker to compare with the registry before paying; files from before it lack it.
   */
  encryptedShares: { operatorId: number; encryptionKey?: Hex; enc: Hex; ciphertext: Hex }[];
  ownershipSignature: Hex;
  payload: Hex;
}

export interface KeysharesFile {
  version: typeof KEYSHARES_FILE_VERSION;
  validators: ValidatorKeyshares[];
}

export class KeysharesFileError extends CohortError {
  override name = "KeysharesFileError";
  constructor(path: string, problem: string) {
    super("BAD_KEYSHARES_FILE", `${path}: ${problem}`);
  }
}

export function toKeysharesFile(validators: ValidatorKeyshares[]): KeysharesFile {
  return { version: KEYSHARES_FILE_VERSION, validators };
}

export function serializeKeysharesFile(file: KeysharesFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Strict shape check of a keyshares file; cryptographic checks are `verifyValidatorKeyshares`'. */
export function parseKeysharesFile(text: string): KeysharesFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new KeysharesFileError("file", "is not JSON");
  }
  const root = asRecord(data, "file");
  if (root["version"] !== KEYSHARES_FILE_VERSION) {
    throw new KeysharesFileError(
      "version",
      `must be "${KEYSHARES_FILE_VERSION}", got ${JSON.stringify(root["version"])}`,
    );
  }
  const validators = asArray(root["validators"], "validators");
  if (validators.length === 0) throw new KeysharesFileError("validators", "is empty");
  return {
    version: KEYSHARES_FILE_VERSION,
    validators: validators.map((v, i) => parseValidator(v, `validators[${i}]`)),
  };
}

function parseValidator(value: unknown, path: string): ValidatorKeyshares {
  const v = asRecord(value, path);
  const operatorIds = asArray(v["operatorIds"], `${path}.operatorIds`).map((x, i) =>
    asInteger(x, `${path}.operatorIds[${i}]`, 1),
  );
  const n = operatorIds.length;
  if (!isCommitteeSize(n))
    throw new KeysharesFileError(`${path}.operatorIds`, `has ${n} operators; use 4, 7, 10 or 13`);
  if (operatorIds.some((id, i) => i > 0 && id <= operatorIds[i - 1]!)) {
    throw new KeysharesFileError(`${path}.operatorIds`, "must be distinct and ascending");
  }
  const threshold = asInteger(v["threshold"], `${path}.threshold`, 1);
  if (threshold !== thresholdOf(n)) {
    throw new KeysharesFileError(`${path}.threshold`, `must be ${thresholdOf(n)} for ${n} operators`);
  }
  const hexList = (key: string, count: number, size: number) => {
    const list = asArray(v[key], `${path}.${key}`);
    if (list.length !== count) throw new KeysharesFileError(`${path}.${key}`, `must hold ${count} entries`);
    return list.map((x, i) => asHex(x, `${path}.${key}[${i}]`, size));
  };
  const encryptedShares = asArray(v["encryptedShares"], `${path}.encryptedShares`).map((x, i) => {
    const p = `${path}.encryptedShares[${i}]`;
    const e = asRecord(x, p);
    const operatorId = asInteger(e["operatorId"], `${p}.operatorId`, 1);
    if (operatorId !== operatorIds[i])
      throw new KeysharesFileError(`${p}.operatorId`, "does not follow operatorIds' order");
    return {
      operatorId,
      ...(e["encryptionKey"] === undefined
        ? {}
        : { encryptionKey: asHex(e["encryptionKey"], `${p}.encryptionKey`, ENCRYPTION_KEY_LENGTH) }),
      enc: asHex(e["enc"], `${p}.enc`, ENC_LENGTH),
      ciphertext: asHex(e["ciphertext"], `${p}.ciphertext`, SHARE_CIPHERTEXT_LENGTH),
    };
  });
  if (encryptedShares.length !== n) throw new KeysharesFileError(`${path}.encryptedShares`, `must hold ${n} entries`);
  return {
    publicKey: asHex(v["publicKey"], `${path}.publicKey`, PUBLIC_KEY_LENGTH),
    owner: asAddress(v["owner"], `${path}.owner`),
    nonce: asInteger(v["nonce"], `${path}.nonce`, 0),
    chainId: asInteger(v["chainId"], `${path}.chainId`, 1),
    registry: asAddress(v["registry"], `${path}.registry`),
    operatorIds,
    threshold,
    commitments: hexList("commitments", threshold, PUBLIC_KEY_LENGTH),
    sharePublicKeys: hexList("sharePublicKeys", n, PUBLIC_KEY_LENGTH),
    encryptedShares,
    ownershipSignature: asHex(v["ownershipSignature"], `${path}.ownershipSignature`, SIGNATURE_LENGTH),
    payload: asHex(v["payload"], `${path}.payload`, undefined),
  };
}

function asRecord(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KeysharesFileError(path, "must be an object");
  }
  return value as Record<string, unknown>;
}

function asArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new KeysharesFileError(path, "must be an array");
  return value;
}

function asInteger(value: unknown, path: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new KeysharesFileError(path, `must be an integer ≥ ${min}`);
  }
  return value;
}

function asHex(value: unknown, path: string, length: number | undefined): Hex {
  try {
    parseHex(value, length, path);
  } catch (error) {
    throw new KeysharesFileError(
      path,
      error instanceof CohortError ? error.shortMessage.replace(`${path} `, "") : "bad hex",
    );
  }
  if (!(value as string).startsWith("0x")) throw new KeysharesFileError(path, "must be 0x-prefixed hex");
  return (value as string).toLowerCase() as Hex;
}

function asAddress(value: unknown, path: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new KeysharesFileError(path, "must be a 20-byte address");
  }
  return getAddress(value);
}
