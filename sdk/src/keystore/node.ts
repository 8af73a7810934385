/**
 * Node-only keystore decryption (`@cohort/sdk/keystore/node`): the same EIP-2335 steps as `decryptKeystore`,
 * with the KDF run by Node's native scrypt/pbkdf2 on a pool of worker threads, one per core, so many keystores
 * decrypt at once and the main thread stays free. (libuv's own pool would also run them in parallel, but its size
 * is fixed at 4 before any of our code runs.) Checksum and cipher stay the library's, so the format has one home.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { verifyChecksum } from "@chainsafe/bls-keystore/lib/checksum/index.js";
import { cipherDecrypt } from "@chainsafe/bls-keystore/lib/cipher/index.js";
import { normalizePassword } from "@chainsafe/bls-keystore/lib/password.js";
import type { BlsBackend } from "../bls/backend.js";
import { nativeBls } from "../bls/native.js";
import { zeroize } from "../bytes.js";
import { checkSecretAgainstPubkey, type DecryptedKeystore, type Keystore, parseKeystore } from "./decrypt.js";
import { UnsupportedKeystoreError, WrongPasswordError } from "./errors.js";

/** scrypt needs 128·n·r·p bytes; refusing more than this keeps a hostile file from exhausting memory. */
export const MAX_KDF_MEMORY = 2 ** 30;

interface KdfJob {
  function: "scrypt" | "pbkdf2";
  salt: string;
  dklen: number;
  n: number;
  r: number;
  p: number;
  c: number;
}

// Inline CommonJS so the worker starts the same from dist, from tsx and under vitest (no file to locate or compile).
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { scryptSync, pbkdf2Sync } = require("node:crypto");
parentPort.on("message", ({ job, password }) => {
  try {
    const salt = Buffer.from(job.salt, "hex");
    const derived = job.function === "scrypt"
      ? scryptSync(password, salt, job.dklen, { N: job.n, r: job.r, p: job.p, maxmem: 128 * job.n * job.r * job.p + 2 ** 20 })
      : pbkdf2Sync(password, salt, job.c, job.dklen, "sha256");
    const key = new Uint8Array(derived);
    derived.fill(0);
    parentPort.postMessage({ key }, [key.buffer]);
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : "unknown" });
  } finally {
    password.fill(0);
  }
});`;

/** A fixed set of KDF threads; each runs one KDF at a time (each scrypt n=2^18 holds 256 MiB while it runs). */
export class KdfPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];
  private readonly all: Worker[] = [];

  constructor(readonly size: number = Math.max(1, availableParallelism())) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  async derive(job: KdfJob, password: Uint8Array): Promise<Uint8Array> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once("error", onError);
        worker.once("message", (reply: { key?: Uint8Array; error?: string }) => {
          worker.off("error", onError);
          if (reply.key) resolve(reply.key);
          else reject(new Error(reply.error ?? "KDF failed"));
        });
        // A copy goes to the worker, which zeroizes it; the caller zeroizes its own.
        worker.postMessage({ job, password: password.slice() });
      });
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

function kdfJob(keystore: Keystore): KdfJob {
  const { kdf } = keystore.crypto;
  const params = kdf.params as Record<string, unknown>;
  const job: KdfJob = {
    function: kdf.function as KdfJob["function"],
    salt: String(params["salt"]),
    dklen: Number(params["dklen"]),
    n: Number(params["n"] ?? 0),
    r: Number(params["r"] ?? 0),
    p: Number(params["p"] ?? 0),
    c: Number(params["c"] ?? 0),
  };
  if (job.dklen < 32) throw new UnsupportedKeystoreError(`derived key length ${job.dklen} below 32 bytes`);
  const memory = 128 * job.n * job.r * job.p;
  if (job.function === "scrypt" && memory > MAX_KDF_MEMORY) {
    throw new UnsupportedKeystoreError(`scrypt n=${job.n} r=${job.r} p=${job.p} needs ${memory >> 20} MiB, over 1 GiB`);
  }
  return job;
}

export async function decryptKeystoreNative(
  input: string | unknown,
  password: string | Uint8Array,
  pool: KdfPool,
  bls: BlsBackend = nativeBls,
): Promise<DecryptedKeystore> {
  const keystore = parseKeystore(input);
  const job = kdfJob(keystore);
  const normalized = normalizePassword(password);
  let key: Uint8Array;
  try {
    key = await pool.derive(job, normalized);
  } catch (error) {
    if (error instanceof UnsupportedKeystoreError) throw error;
    throw new UnsupportedKeystoreError(`cannot run the KDF (${error instanceof Error ? error.message : "unknown"})`);
  } finally {
    zeroize(normalized);
  }
  let secretKey: Uint8Array;
  try {
    const ciphertext = Buffer.from(keystore.crypto.cipher.message, "hex");
    if (!(await verifyChecksum(keystore.crypto.checksum, key, ciphertext))) throw new WrongPasswordError();
    const cipherKey = key.slice(0, 16);
    try {
      secretKey = await cipherDecrypt(keystore.crypto.cipher, cipherKey);
    } finally {
      zeroize(cipherKey);
    }
  } finally {
    zeroize(key);
  }
  return checkSecretAgainstPubkey(keystore, secretKey, bls);
}
