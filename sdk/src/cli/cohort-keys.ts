import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { type Address, getAddress, isAddress } from "viem";
import { nativeBls } from "../bls/native.js";
import { parseHex, zeroize } from "../bytes.js";
import { assertCommittee } from "../committee/size.js";
import { ENCRYPTION_KEY_LENGTH } from "../encryption/hpke.js";
import { CohortError } from "../errors.js";
import { buildKeyshares, type KeysharesOperator } from "../keyshares/build.js";
import {
  parseKeysharesFile,
  serializeKeysharesFile,
  toKeysharesFile,
  type ValidatorKeyshares,
} from "../keyshares/file.js";
import { verifyValidatorKeyshares } from "../keyshares/verify.js";
import { parseKeystore } from "../keystore/decrypt.js";
import { decryptKeystoreNative, KdfPool } from "../keystore/node.js";

/** A failure the user can fix: printed as one line `cohort-keys: <where>: <problem>` and exit code 1. */
class UsageError extends Error {}

const USAGE = `usage:
  cohort-keys split --keystore FILE [--keystore FILE ...] --password-file FILE
                    --operator ID:X25519_PUBKEY_HEX (one per operator: 4, 7, 10 or 13)
                    --owner ADDRESS --nonce N --chain-id N --registry ADDRESS --out FILE
  cohort-keys verify --keyshares FILE`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === "split") return split(rest);
  if (command === "verify") return verify(rest);
  throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
}

async function split(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      keystore: { type: "string", multiple: true },
      "password-file": { type: "string" },
      operator: { type: "string", multiple: true },
      owner: { type: "string" },
      nonce: { type: "string" },
      "chain-id": { type: "string" },
      registry: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const keystores = values.keystore ?? [];
  if (keystores.length === 0) throw new UsageError("--keystore: give at least one keystore file");
  const passwordFile = required(values["password-file"], "--password-file");
  const out = required(values.out, "--out");
  const operators = parseOperators(values.operator ?? []);
  const owner = parseAddress(values.owner, "--owner");
  const registry = parseAddress(values.registry, "--registry");
  const nonce = parseInteger(values.nonce, "--nonce", 0n);
  const chainId = parseInteger(values["chain-id"], "--chain-id", 1n);

  const password = await readPassword(passwordFile);
  // Read and shape-check every keystore before the first slow KDF, so a typo in file 37 fails in a second.
  const parsed = await Promise.all(keystores.map(async (file) => ({ file, keystore: await readKeystore(file) })));
  const validators: ValidatorKeyshares[] = new Array(parsed.length);
  const pool = new KdfPool(Math.min(availableParallelism(), parsed.length));
  progress(`decrypting ${parsed.length} keystore(s) on ${pool.size} thread(s), one per core…`);
  let next = 0;
  let finished = 0;
  let failed = false;
  // Each lane decrypts (native KDF, off the main thread) then builds; lanes overlap one's build with the others' KDF.
  const lane = async () => {
    while (!failed && next < parsed.length) {
      const i = next++;
      const { file, keystore } = parsed[i]!;
      const key = await decryptKeystoreNative(keystore, password, pool).catch((error: unknown) => {
        failed = true;
        throw fileError(file, error);
      });
      try {
        validators[i] = await buildKeyshares({
          ...key,
          operators,
          owner,
          registry,
          chainId,
          nonce: nonce + BigInt(i),
          bls: nativeBls,
        });
      } finally {
        zeroize(key.secretKey);
      }
      finished++;
      progress(
        `[${finished}/${parsed.length}] ${basename(file)}: decrypted, split and encrypted for ${operators.length} operators`,
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: pool.size }, lane));
  } finally {
    await pool.close();
  }
  await writeAtomically(out, serializeKeysharesFile(toKeysharesFile(validators)));
  progress(
    `wrote ${validators.length} validator(s) to ${out} (nonces ${nonce}..${nonce + BigInt(validators.length - 1)})`,
  );
}

async function verify(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { keyshares: { type: "string" } }, strict: true });
  const file = required(values.keyshares, "--keyshares");
  const text = await readFile(file, "utf8").catch(() => {
    throw new UsageError(`${file}: cannot read the file`);
  });
  let keyshares: ReturnType<typeof parseKeysharesFile>;
  try {
    keyshares = parseKeysharesFile(text);
  } catch (error) {
    throw fileError(file, error);
  }
  for (const [i, v] of keyshares.validators.entries()) {
    try {
      await verifyValidatorKeyshares(v);
    } catch (error) {
      throw fileError(`${file}: validators[${i}] ${v.publicKey.slice(0, 12)}…`, error);
    }
    process.stdout.write(`ok ${v.publicKey} nonce ${v.nonce} operators ${v.operatorIds.join(",")}\n`);
  }
  process.stdout.write(
    `${keyshares.validators.length} validator(s) verified: payload bytes match the fields, commitments match the ` +
      "public key and every share public key, ownership proofs are valid\n",
  );
}

function parseOperators(specs: string[]): KeysharesOperator[] {
  const operators = specs.map((spec) => {
    const match = /^(\d+):(?:0x)?([0-9a-fA-F]*)$/.exec(spec);
    if (!match) throw new UsageError(`--operator ${spec}: expected ID:X25519_PUBKEY_HEX`);
    let encryptionKey: Uint8Array;
    try {
      encryptionKey = parseHex(match[2], ENCRYPTION_KEY_LENGTH, "key");
    } catch {
      throw new UsageError(`--operator ${match[1]}: the X25519 public key must be 32 bytes of hex`);
    }
    return { id: BigInt(match[1]!), encryptionKey };
  });
  const ids = operators.map((o) => o.id).sort((a, b) => (a < b ? -1 : 1));
  try {
    assertCommittee(ids);
  } catch (error) {
    throw new UsageError(`--operator: ${error instanceof CohortError ? error.shortMessage : "invalid committee"}`);
  }
  return operators;
}

async function readPassword(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new UsageError(`${file}: cannot read the password file`);
  });
  // Files written by editors end with a newline that is not part of the password.
  const password = text.replace(/\r?\n$/, "");
  if (password.length === 0) throw new UsageError(`${file}: the password file is empty`);
  return password;
}

async function readKeystore(file: string) {
  const text = await readFile(file, "utf8").catch(() => {
    throw new UsageError(`${file}: cannot read the keystore file`);
  });
  try {
    return parseKeystore(text);
  } catch (error) {
    throw fileError(file, error);
  }
}

/** Write beside the target, then rename: a crash or an error never leaves a half-written keyshares file. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, content, { mode: 0o644, flag: "wx" });
    await rename(temporary, path);
  } catch {
    await rm(temporary, { force: true });
    throw new UsageError(`${path}: cannot write the output file`);
  }
}

function fileError(where: string, error: unknown): UsageError {
  if (error instanceof CohortError) return new UsageError(`${where}: ${error.shortMessage}`);
  return new UsageError(`${where}: unexpected error (${error instanceof Error ? error.name : "unknown"})`);
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required\n${USAGE}`);
  return value;
}

function parseAddress(value: string | undefined, flag: string): Address {
  if (!value || !isAddress(value, { strict: false })) throw new UsageError(`${flag}: expected a 20-byte 0x address`);
  return getAddress(value);
}

function parseInteger(value: string | undefined, flag: string, min: bigint): bigint {
  if (!value || !/^\d+$/.test(value) || BigInt(value) < min) {
    throw new UsageError(`${flag}: expected an integer ≥ ${min}`);
  }
  return BigInt(value);
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message =
    error instanceof UsageError || error instanceof CohortError
      ? error.message
      : error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")
        ? `${error.message}\n${USAGE}`
        : `unexpected error: ${error instanceof Error ? error.name : "unknown"}`;
  process.stderr.write(`cohort-keys: ${message}\n`);
  process.exitCode = 1;
});
