import type { RestoreMessage, RestoreRequest } from "./restore.worker";

/**
 * Runs one restoration in a fresh worker and ends it afterwards, so no key material outlives the call in memory we
 * can reach. `onStage` reports progress for the page.
 */
export function restoreKeyshares(
  request: RestoreRequest,
  onStage: (stage: "decrypting" | "splitting") => void,
): Promise<Extract<RestoreMessage, { kind: "done" }>> {
  const worker = new Worker(new URL("./restore.worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<RestoreMessage>) => {
      const m = event.data;
      if (m.kind === "progress") return onStage(m.stage);
      worker.terminate();
      if (m.kind === "done") resolve(m);
      else reject(Object.assign(new Error(m.message), { code: m.code }));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`the key worker failed to start (${event.message || "unknown reason"}); reload the page`));
    };
    worker.postMessage(request);
  });
}
