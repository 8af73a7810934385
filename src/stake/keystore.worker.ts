/// <reference lib="webworker" />
// Decrypts EIP-2335 keystores off the main thread (scrypt takes seconds in pure JS). The decrypted secret key stays
// in this worker's memory, keyed by file id, until the page asks it to forget it; it is never posted back.
// Subpath imports: the sdk's root index also loads its deposit/SSZ code (@chainsafe/ssz, @lodestar/params), which
// touches Node's global Buffer at import time and would crash a browser worker.
import { zeroize } from "@cohort/sdk/bytes";
import { CohortError } from "@cohort/sdk/errors";
import { buildKeyshares } from "@cohort/sdk/keyshares/build";
import { verifyValidatorKeyshares } from "@cohort/sdk/keyshares/verify";
import { decryptKeystore, keystoreKdf, parseKeystore } from "@cohort/sdk/keystore/decrypt";
import { type Address, hexToBytes } from "viem";
import type { KdfInfo, WorkerRequest, WorkerResponse } from "./protocol";

declare const self: DedicatedWorkerGlobalScope;

const secrets = new Map<string, { secretKey: Uint8Array; publicKey: Uint8Array }>();

function post(msg: WorkerResponse) {
  self.postMessage(msg);
}

function forget(fileId: string) {
  const secret = secrets.get(fileId);
  if (secret) zeroize(secret.secretKey);
  secrets.delete(fileId);
}

function errorResponse(jobId: number, error: unknown): WorkerResponse {
  if (error instanceof CohortError) return { type: "error", jobId, code: error.code, message: error.shortMessage };
  // Not an sdk error: a bug or an environment problem. Say so without echoing anything from the file.
  return {
    type: "error",
    jobId,
    code: "INTERNAL",
    message: `could not be read (${(error as Error)?.name ?? "error"})`,
  };
}

async function handle(req: WorkerRequest): Promise<void> {
  switch (req.type) {
    case "inspect": {
      const ks = parseKeystore(req.text);
      const params = ks.crypto.kdf.params as KdfInfo["params"];
      post({
        type: "inspected",
        jobId: req.jobId,
        kdf: { function: keystoreKdf(ks), params },
        // Same form as after decryption (0x, lower case), so a duplicate is found whatever state the other file is in.
        pubkey: `0x${ks.pubkey.replace(/^0x/, "").toLowerCase()}`,
        path: ks.path,
      });
      return;
    }
    case "decrypt": {
      forget(req.fileId);
      post({ type: "started", jobId: req.jobId });
      const t0 = performance.now();
      const { secretKey, publicKey, path } = await decryptKeystore(req.text, req.password);
      secrets.set(req.fileId, { secretKey, publicKey });
      const pubkey = `0x${Array.from(publicKey, (b) => b.toString(16).padStart(2, "0")).join("")}`;
      post({ type: "decrypted", jobId: req.jobId, pubkey, path, ms: performance.now() - t0 });
      return;
    }
    case "build": {
      const held = secrets.get(req.fileId);
      if (!held) {
        post({
          type: "error",
          jobId: req.jobId,
          code: "NOT_DECRYPTED",
          message: "is no longer decrypted: decrypt it again",
        });
        return;
      }
      // Split, Feldman-check, HPKE-encrypt to each operator and sign the ownership proof, all inside this worker.
      const keyshares = await buildKeyshares({
        secretKey: held.secretKey,
        publicKey: held.publicKey,
        operators: req.operators.map((o) => ({
          id: BigInt(o.id),
          encryptionKey: hexToBytes(o.encryptionKey as Address),
        })),
        owner: req.owner as Address,
        nonce: BigInt(req.nonce),
        chainId: BigInt(req.chainId),
        registry: req.registry as Address,
      });
      // Re-check the result from its bytes alone, as an operator will: payload vs fields, C₀ = the key, every share
      // public key against the commitments, the ownership proof. A failure here is a bug, and nothing is sent.
      await verifyValidatorKeyshares(keyshares);
      post({ type: "built", jobId: req.jobId, keyshares });
      return;
    }
    case "verify":
      await verifyValidatorKeyshares(req.keyshares);
      post({ type: "verified", jobId: req.jobId });
      return;
    case "forget":
      forget(req.fileId);
      post({ type: "forgotten", jobId: req.jobId });
      return;
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  handle(event.data).catch((error) => post(errorResponse(event.data.jobId, error)));
};
