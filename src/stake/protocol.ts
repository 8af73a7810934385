// Messages between the Stake page and its keystore workers. Secrets never appear here: the worker that decrypts a
// keystore keeps the secret key in its own memory (for the later split) and only reports public facts.

export interface KdfInfo {
  function: "scrypt" | "pbkdf2";
  /** scrypt: n, r, p; pbkdf2: c. */
  params: { n?: number; r?: number; p?: number; c?: number };
}

export type WorkerRequest =
  | { type: "inspect"; jobId: number; text: string }
  | { type: "decrypt"; jobId: number; fileId: string; text: string; password: string }
  | { type: "forget"; jobId: number; fileId: string }
  | {
      type: "build";
      jobId: number;
      fileId: string;
      /** Committee members with their registered X25519 keys (0x-hex, 32 bytes). */
      operators: { id: string; encryptionKey: string }[];
      owner: string;
      nonce: string;
      chainId: string;
      registry: string;
    }
  /** A keyshares file's entry: the checks an operator's node runs on the payload, before the staker pays. */
  | { type: "verify"; jobId: number; keyshares: import("@cohort/sdk/keyshares/file").ValidatorKeyshares };

export type WorkerResponse =
  | { type: "inspected"; jobId: number; kdf: KdfInfo; pubkey: string; path: string }
  | { type: "started"; jobId: number }
  | { type: "decrypted"; jobId: number; pubkey: string; path: string; ms: number }
  | { type: "forgotten"; jobId: number }
  /** Public output only: encrypted shares, commitments, proof and payload (sdk ValidatorKeyshares). */
  | { type: "built"; jobId: number; keyshares: import("@cohort/sdk/keyshares/file").ValidatorKeyshares }
  | { type: "verified"; jobId: number }
  | { type: "error"; jobId: number; code: string; message: string };
