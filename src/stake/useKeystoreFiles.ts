import type { ValidatorKeyshares } from "@cohort/sdk/keyshares/file";
import { useCallback, useEffect, useRef, useState } from "react";
import { expectedMs, recordMeasured } from "./kdfEstimate";
import type { KdfInfo, WorkerRequest } from "./protocol";
import { KeystoreWorkerPool } from "./workerPool";

export type FileStatus =
  | "inspecting"
  | "invalid"
  | "ready"
  | "queued"
  | "decrypting"
  | "decrypted"
  | "failed"
  | "registered";

export interface KeystoreFile {
  id: string;
  name: string;
  /** The keystore JSON as dropped: encrypted, kept in memory only so a retry needs no re-drop. */
  text: string;
  status: FileStatus;
  kdf?: KdfInfo;
  pubkey?: string;
  path?: string;
  error?: { code: string; message: string };
  startedAt?: number;
  expectedMs?: number;
  decryptMs?: number;
}

/** Keystores are ~1 kB; anything this big is some other file and is refused before parsing. */
const MAX_KEYSTORE_BYTES = 256 * 1024;

let nextId = 1;

/**
 * The files on the Stake page and their decryption, on a pool of Web Workers. Unmounting the page terminates the
 * workers, which discards every decrypted secret with them.
 */
export function useKeystoreFiles() {
  const [files, setFiles] = useState<KeystoreFile[]>([]);
  const poolRef = useRef<KeystoreWorkerPool | null>(null);
  const [poolSize, setPoolSize] = useState(0);

  useEffect(() => {
    const pool = new KeystoreWorkerPool();
    poolRef.current = pool;
    setPoolSize(pool.size);
    return () => {
      pool.terminate();
      poolRef.current = null;
    };
  }, []);

  const patch = useCallback((id: string, p: Partial<KeystoreFile>) => {
    setFiles((fs) => fs.map((f) => (f.id === id ? { ...f, ...p } : f)));
  }, []);

  const addFiles = useCallback(
    async (list: File[]) => {
      const pool = poolRef.current;
      if (!pool) return;
      const added = await Promise.all(
        list.map(async (file): Promise<KeystoreFile> => {
          const id = `f${nextId++}`;
          if (file.size > MAX_KEYSTORE_BYTES) {
            return {
              id,
              name: file.name,
              text: "",
              status: "invalid",
              error: { code: "TOO_LARGE", message: "is too large to be a keystore: choose the keystore-m_….json file" },
            };
          }
          return { id, name: file.name, text: await file.text(), status: "inspecting" };
        }),
      );
      setFiles((fs) => [...fs, ...added]);
      for (const f of added.filter((x) => x.status === "inspecting")) {
        pool.run({ type: "inspect", text: f.text }).then((res) => {
          if (res.type === "inspected") {
            setFiles((fs) => {
              // The same validator twice would be registered twice: keep the first, flag the copy.
              const dup = fs.find((o) => o.id !== f.id && o.pubkey === res.pubkey && o.status !== "invalid");
              return fs.map((o) =>
                o.id !== f.id
                  ? o
                  : dup
                    ? {
                        ...o,
                        status: "invalid",
                        pubkey: res.pubkey,
                        error: {
                          code: "DUPLICATE",
                          message: `is the same validator as ${dup.name}: remove one of them`,
                        },
                      }
                    : { ...o, status: "ready", kdf: res.kdf, pubkey: res.pubkey, path: res.path },
              );
            });
          } else if (res.type === "error") {
            patch(f.id, { status: "invalid", error: { code: res.code, message: res.message } });
          }
        });
      }
    },
    [patch],
  );

  const decryptOne = useCallback(
    async (file: KeystoreFile, password: string) => {
      const pool = poolRef.current;
      if (!pool || !file.kdf) return;
      const kdf = file.kdf;
      patch(file.id, { status: "queued", error: undefined });
      const res = await pool.run({ type: "decrypt", fileId: file.id, text: file.text, password }, () =>
        patch(file.id, { status: "decrypting", startedAt: performance.now(), expectedMs: expectedMs(kdf) }),
      );
      if (res.type === "decrypted") {
        recordMeasured(kdf, res.ms);
        patch(file.id, { status: "decrypted", pubkey: res.pubkey, path: res.path, decryptMs: res.ms });
      } else if (res.type === "error") {
        patch(file.id, { status: "failed", error: { code: res.code, message: res.message } });
      }
    },
    [patch],
  );

  /** Decrypt every file that is ready or failed, with one password (deposit tools use one for a whole batch). */
  const decryptAll = useCallback(
    (password: string) => {
      for (const f of files) if (f.status === "ready" || f.status === "failed") void decryptOne(f, password);
    },
    [files, decryptOne],
  );

  const retry = useCallback(
    (id: string, password: string) => {
      const f = files.find((x) => x.id === id);
      if (f) void decryptOne(f, password);
    },
    [files, decryptOne],
  );

  const remove = useCallback((id: string) => {
    void poolRef.current?.run({ type: "forget", fileId: id });
    setFiles((fs) => fs.filter((f) => f.id !== id));
  }, []);

  /** Builds one validator's keyshares inside the worker holding its secret; resolves to public data only. */
  const buildKeyshares = useCallback(
    async (fileId: string, params: Omit<Extract<WorkerRequest, { type: "build" }>, "type" | "jobId" | "fileId">) => {
      const pool = poolRef.current;
      if (!pool) throw new Error("the page is closing");
      const res = await pool.run({ type: "build", fileId, ...params });
      if (res.type === "built") return res.keyshares;
      throw new Error(res.type === "error" ? res.message : `unexpected worker answer ${res.type}`);
    },
    [],
  );

  /** Verifies a keyshares file entry in a worker (BLS pairings); resolves to null, or what is wrong with it. */
  const verifyKeyshares = useCallback(async (keyshares: ValidatorKeyshares): Promise<string | null> => {
    const pool = poolRef.current;
    if (!pool) throw new Error("the page is closing");
    const res = await pool.run({ type: "verify", keyshares });
    if (res.type === "verified") return null;
    return res.type === "error" ? res.message : `unexpected worker answer ${res.type}`;
  }, []);

  /** Drop the decrypted secrets of these files (after registration) and mark them as registered. */
  const markRegistered = useCallback((ids: string[]) => {
    for (const id of ids) void poolRef.current?.run({ type: "forget", fileId: id });
    setFiles((fs) => fs.map((f) => (ids.includes(f.id) ? { ...f, status: "registered" } : f)));
  }, []);

  return { files, poolSize, addFiles, decryptAll, retry, remove, buildKeyshares, markRegistered, verifyKeyshares };
}
