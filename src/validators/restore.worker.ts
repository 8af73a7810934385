/// <reference lib="webworker" />
// Key-share restoration off the main thread: the keystore KDF takes seconds (scrypt) and would freeze the page.
// The secret key exists only inside this worker, only between decrypt and split, and is zeroized right after; what
// leaves is the public payload (HPKE-encrypted shares + commitments + ownership proof). Nothing is logged.
// Subpath imports, not the sdk root: the root also exports the deposit code, whose @lodestar/params import runs
// `Buffer.alloc` at load time and kills the worker in a browser ("Buffer is not defined").
import { bytesToHex, zeroize } from "@cohort/sdk/bytes";
import { CohortError } from "@cohort/sdk/errors";
import { buildKeyshares } from "@cohort/sdk/keyshares/build";
import { decryptKeystore } from "@cohort/sdk/keystore/decrypt";
import { type Address, type Hex, hexToBytes } from "viem";

export interface RestoreRequest {
  keystore: string;
  password: string;
  /** The validator being moved; the keystore must hold its key. */
  publicKey: Hex;
  operators: { id: string; encryptionKey: Hex }[];
  owner: Address;
  nonce: string;
  chainId: string;
  registry: Address;
}

export type RestoreMessage =
  | { kind: "progress"; stage: "decrypting" | "splitting" }
  | { kind: "done"; payload: Hex; operatorIds: number[] }
  | { kind: "error"; code: string; message: string };

const post = (m: RestoreMessage) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

self.onmessage = async (event: MessageEvent<RestoreRequest>) => {
  const req = event.data;
  try {
    post({ kind: "progress", stage: "decrypting" });
    const key = await decryptKeystore(req.keystore, req.password);
    try {
      if (bytesToHex(key.publicKey).toLowerCase() !== req.publicKey.toLowerCase()) {
        post({
          kind: "error",
          code: "OTHER_VALIDATOR",
          message: `holds validator ${bytesToHex(key.publicKey).slice(0, 14)}…, not this one; drop the keystore of ${req.publicKey.slice(0, 14)}…`,
        });
        return;
      }
      post({ kind: "progress", stage: "splitting" });
      const shares = await buildKeyshares({
        secretKey: key.secretKey,
        publicKey: key.publicKey,
        operators: req.operators.map((o) => ({ id: BigInt(o.id), encryptionKey: hexToBytes(o.encryptionKey) })),
        owner: req.owner,
        nonce: BigInt(req.nonce),
        chainId: BigInt(req.chainId),
        registry: req.registry,
      });
      post({ kind: "done", payload: shares.payload as Hex, operatorIds: shares.operatorIds });
    } finally {
      zeroize(key.secretKey);
    }
  } catch (error) {
    // sdk errors say what to do and never carry secrets; anything else is reported by name only, because its message
    // could echo part of the file.
    if (error instanceof CohortError) post({ kind: "error", code: error.code, message: error.shortMessage });
    else
      post({
        kind: "error",
        code: "INTERNAL",
        message: `could not be processed (${(error as Error)?.name ?? "error"}); reload and try again`,
      });
  }
};
