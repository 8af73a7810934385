import { link, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { CohortError, signIdentityProof } from "@cohort/sdk";
import { bytesToHex, getAddress, type Hex, isAddress } from "viem";
import { OperatorIdentityError, runOperator } from "../app/operator.js";
import { NodeConfigFileError, parseNodeConfig } from "../config/node-config.js";
import { createKeyFile, KeyFileError, loadKeyFile, publicKeysOf } from "../keys/key-file.js";
import { jsonLogger, reasonOf } from "../log.js";
import { type CheckLine, runPreflight } from "../preflight/checks.js";
import { exportInterchange, InterchangeError, importInterchange } from "../signer/interchange.js";
import { NetworkMismatchError, openDatabase } from "../store/database.js";
import { PromptCancelledError, readHidden } from "./prompt.js";

/** A failure the operator can fix: one line `cohort-node: <problem>`, exit code 1. */
class UsageError extends Error {}

const USAGE = `usage:
  cohort-node init --key-file FILE [--password-file FILE]     create the operator's encrypted key file (asks for the
                                                             password on the terminal when no file is given)
  cohort-node keys --key-file FILE                           print the public keys to register on-chain
        [--owner 0x… --chain-id N --registry 0x… [--password-file FILE]]
                                                             and the identity proof registerOperator needs, signed
                                                             for the account that will send it (asks the password)
  cohort-node check --config FILE                            pre-flight: beacon node, execution RPC, registry, key
                                                             file, clock and every committee peer; exit 1 on a failure
  cohort-node start --config FILE                            run the node (see operator-node/README.md for the file)
  cohort-node slashing export --db FILE --genesis-validators-root 0x… --out FILE
  cohort-node slashing import --db FILE --genesis-validators-root 0x… --file FILE`;

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "init":
      return init(rest);
    case "keys":
      return keys(rest);
    case "slashing":
      return slashing(rest);
    case "start":
      return start(rest);
    case "check":
      return check(rest);
    default:
      throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
  }
}

async function init(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { "key-file": { type: "string" }, "password-file": { type: "string" } },
  });
  const keyFile = required(values["key-file"], "--key-file");
  const password = await readPassword(values["password-file"], { confirm: true });
  const { file, keys } = await createKeyFile(password);
  keys.identitySecret.fill(0);
  keys.encryptionSecret.fill(0);
  await writeAtomically(keyFile, `${JSON.stringify(file, null, 2)}\n`, 0o600, { overwrite: false });
  process.stderr.write(`wrote ${keyFile} (mode 0600); back it up: it cannot be recovered without the password\n`);
  printKeys(JSON.stringify(file));
}

async function keys(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "key-file": { type: "string" },
      owner: { type: "string" },
      "chain-id": { type: "string" },
      registry: { type: "string" },
      "password-file": { type: "string" },
    },
  });
  const text = await readText(required(values["key-file"], "--key-file"), "key file");
  printKeys(text);
  const { owner, registry } = values;
  const chainId = values["chain-id"];
  if (owner === undefined && chainId === undefined && registry === undefined) return;
  // The proof binds chain, registry and sender: all three or none, so a proof for the wrong context is never printed.
  if (!owner || !chainId || !registry) {
    throw new UsageError("the identity proof needs --owner, --chain-id and --registry together");
  }
  if (!isAddress(owner)) throw new UsageError("--owner must be the 0x address that will send registerOperator");
  if (!isAddress(registry)) throw new UsageError("--registry must be the registry's 0x address");
  if (!/^[1-9]\d*$/.test(chainId))
    throw new UsageError("--chain-id must be a positive integer (e.g. 560048 for Hoodi)");
  const nodeKeys = await loadKeyFile(text, await readPassword(values["password-file"]));
  try {
    const proof = signIdentityProof(nodeKeys.identitySecret, {
      chainId: BigInt(chainId),
      registry: getAddress(registry),
      owner: getAddress(owner),
    });
    process.stdout.write(
      `identity proof for owner ${getAddress(owner)} (chain ${chainId}, registry ${getAddress(registry)}):\n${bytesToHex(proof)}\n`,
    );
  } finally {
    nodeKeys.identitySecret.fill(0);
    nodeKeys.encryptionSecret.fill(0);
  }
}

/** Exits 1 when any check failed; each failed line says what to do. */
async function check(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" } } });
  const file = required(values.config, "--config");
  const text = await readText(file, "config file");
  const config = parseNodeConfig(text, dirname(file));
  const expectedRoot = declaredGenesisRoot(text);
  const keys = await loadKeyFile(await readText(config.keyFile, "key file"), await readPassword(config.passwordFile));
  const print = (l: CheckLine) =>
    process.stdout.write(`${l.ok ? "✓" : "✗"} ${l.subject}: ${l.detail}${l.fix ? `\n    → ${l.fix}` : ""}\n`);
  try {
    const ok = await runPreflight(config, keys, print, expectedRoot ? { genesisValidatorsRoot: expectedRoot } : {});
    process.stdout.write(
      ok ? "all checks passed: cohort-node start --config FILE\n" : "some checks failed (✗ above)\n",
    );
    if (!ok) process.exitCode = 1;
  } finally {
    keys.identitySecret.fill(0);
    keys.encryptionSecret.fill(0);
  }
}

/**
 * Optional `beacon.genesisValidatorsRoot` in the config: the chain the operator means to serve. Read by `check`
 * only; `start` pins the first root it meets into the data dir, which `check` compares as well.
 */
function declaredGenesisRoot(text: string): Hex | undefined {
  const beacon = (JSON.parse(text) as { beacon?: { genesisValidatorsRoot?: unknown } }).beacon;
  const root = beacon?.genesisValidatorsRoot;
  if (root === undefined) return undefined;
  if (typeof root !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(root)) {
    throw new UsageError("beacon.genesisValidatorsRoot must be 0x and 32 bytes of hex");
  }
  return root as Hex;
}

function printKeys(keyFileText: string): void {
  const { identityPublicKey, encryptionPublicKey } = publicKeysOf(keyFileText);
  process.stdout.write(
    `identity public key (secp256k1):   ${identityPublicKey}\nencryption public key (X25519):    ${encryptionPublicKey}\n`,
  );
}

/** Runs until SIGINT/SIGTERM; a second signal exits at once. */
async function start(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" } } });
  const file = required(values.config, "--config");
  const config = parseNodeConfig(await readText(file, "config file"), dirname(file));
  const keys = await loadKeyFile(await readText(config.keyFile, "key file"), await readPassword(config.passwordFile));
  const log = jsonLogger(`operator-${config.operatorId}`);
  const operator = await runOperator(config, keys, log);
  log.info("node running", { committees: operator.committees().size, api: operator.apiUrl() ?? null });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await operator.stop();
  keys.identitySecret.fill(0);
  keys.encryptionSecret.fill(0);
}

async function slashing(argv: string[]): Promise<void> {
  const [direction, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      db: { type: "string" },
      "genesis-validators-root": { type: "string" },
      out: { type: "string" },
      file: { type: "string" },
    },
  });
  const gvr = required(values["genesis-validators-root"], "--genesis-validators-root");
  if (!/^0x[0-9a-fA-F]{64}$/.test(gvr))
    throw new UsageError("--genesis-validators-root must be 0x and 32 bytes of hex");
  const db = openDatabase(required(values.db, "--db"));
  try {
    if (direction === "export") {
      const out = required(values.out, "--out");
      const interchange = exportInterchange(db, gvr);
      await writeAtomically(out, `${JSON.stringify(interchange, null, 2)}\n`, 0o644);
      process.stderr.write(`exported the signing history of ${interchange.data.length} validator(s) to ${out}\n`);
    } else if (direction === "import") {
      const file = required(values.file, "--file");
      const { validators } = importInterchange(db, await readText(file, "interchange file"), gvr);
      process.stderr.write(`imported the signing history of ${validators} validator(s) from ${file}\n`);
    } else {
      throw new UsageError(`slashing: expected "export" or "import"\n${USAGE}`);
    }
  } finally {
    db.close();
  }
}

/** From the file when one is named, else from the terminal (twice when a new password is being set). */
async function readPassword(file: string | undefined, { confirm = false } = {}): Promise<string> {
  const password = file ? (await readText(file, "password file")).replace(/\r?\n$/, "") : await promptPassword(confirm);
  if (password.length < 8) throw new UsageError(`${file ?? "the password"}: use a password of at least 8 characters`);
  return password;
}

async function promptPassword(confirm: boolean): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new UsageError("no --password-file given and no terminal to ask on; pass --password-file FILE");
  }
  const password = await readHidden(process.stdin, process.stderr, "password: ");
  if (confirm && (await readHidden(process.stdin, process.stderr, "repeat the password: ")) !== password) {
    throw new UsageError("the two passwords differ; nothing was written");
  }
  return password;
}

async function readText(file: string, what: string): Promise<string> {
  return readFile(file, "utf8").catch(() => {
    throw new UsageError(`${file}: cannot read the ${what}`);
  });
}

/**
 * Write beside the target, then move it into place, so a crash never leaves half a file. With overwrite false the
 * move is a hard link, which fails if the name exists: an operator's key file is never silently replaced.
 */
async function writeAtomically(path: string, content: string, mode: number, { overwrite = true } = {}): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, content, { mode, flag: "wx" });
    if (overwrite) await rename(temporary, path);
    else await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST" && !overwrite) {
      throw new UsageError(`${path} already exists; refusing to overwrite an operator key file (move it away first)`);
    }
    throw new UsageError(`${path}: cannot write the file (does the folder exist?)`);
  } finally {
    await rm(temporary, { force: true });
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required\n${USAGE}`);
  return value;
}

export function reportAndExit(error: unknown): void {
  const known =
    error instanceof UsageError ||
    error instanceof KeyFileError ||
    error instanceof InterchangeError ||
    error instanceof NodeConfigFileError ||
    error instanceof PromptCancelledError ||
    error instanceof OperatorIdentityError ||
    error instanceof NetworkMismatchError;
  const message = known
    ? (error as Error).message
    : error instanceof CohortError
      ? error.shortMessage
      : `unexpected error: ${error instanceof Error ? reasonOf(error) : "unknown"}`;
  process.stderr.write(`cohort-node: ${message}\n`);
  process.exitCode = 1;
}
