import type { WorkerRequest, WorkerResponse } from "./protocol";

type Job = {
  req: WorkerRequest;
  onStarted?: () => void;
  resolve: (res: WorkerResponse) => void;
  /** Pin the job to the worker that holds this file's secret (forget), or record who will (decrypt). */
  fileId?: string;
};

type Slot = { worker: Worker; busy: boolean };

// Inspecting (parse only) and forgetting are instant; they must not wait behind a multi-second scrypt.
const URGENT = new Set<WorkerRequest["type"]>(["inspect", "forget"]);

/**
 * One worker per core (at most 4, at least 1), each doing one job at a time. Decrypted secrets live in the worker
 * that decrypted them, so later jobs about a file go to that same worker.
 */
export class KeystoreWorkerPool {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly owner = new Map<string, Slot>();
  private nextJobId = 1;

  constructor(size = Math.min(4, Math.max(1, navigator.hardwareConcurrency || 2))) {
    this.slots = Array.from({ length: size }, () => ({
      worker: new Worker(new URL("./keystore.worker.ts", import.meta.url), { type: "module", name: "keystore" }),
      busy: false,
    }));
  }

  get size() {
    return this.slots.length;
  }

  run(req: DistributiveOmit<WorkerRequest, "jobId">, onStarted?: () => void): Promise<WorkerResponse> {
    const full = { ...req, jobId: this.nextJobId++ } as WorkerRequest;
    return new Promise((resolve) => {
      const job: Job = {
        req: full,
        resolve,
        ...(onStarted ? { onStarted } : {}),
        ...("fileId" in full ? { fileId: full.fileId } : {}),
      };
      if (URGENT.has(full.type)) this.queue.unshift(job);
      else this.queue.push(job);
      this.pump();
    });
  }

  private pump() {
    for (let i = 0; i < this.queue.length; i++) {
      const job = this.queue[i]!;
      const pinned =
        (job.req.type === "forget" || job.req.type === "build") && job.fileId ? this.owner.get(job.fileId) : undefined;
      if ((job.req.type === "forget" || job.req.type === "build") && !pinned) {
        // Nobody holds this file's secret: nothing to forget, nothing to build from.
        this.queue.splice(i--, 1);
        job.resolve(
          job.req.type === "forget"
            ? { type: "forgotten", jobId: job.req.jobId }
            : {
                type: "error",
                jobId: job.req.jobId,
                code: "NOT_DECRYPTED",
                message: "is not decrypted: decrypt it first",
              },
        );
        continue;
      }
      const slot = pinned ?? this.slots.find((s) => !s.busy);
      if (!slot || slot.busy) continue;
      this.queue.splice(i--, 1);
      this.start(slot, job);
    }
  }

  private start(slot: Slot, job: Job) {
    slot.busy = true;
    if (job.req.type === "decrypt" && job.fileId) {
      // A retry may land on another worker: make the previous holder drop its copy first.
      const previous = this.owner.get(job.fileId);
      if (previous && previous !== slot) previous.worker.postMessage({ type: "forget", jobId: 0, fileId: job.fileId });
      this.owner.set(job.fileId, slot);
    }
    const onMessage = (event: MessageEvent<WorkerResponse>) => {
      const res = event.data;
      if (res.jobId !== job.req.jobId) return;
      if (res.type === "started") {
        job.onStarted?.();
        return;
      }
      slot.worker.removeEventListener("message", onMessage);
      if (job.req.type === "forget" && job.fileId) this.owner.delete(job.fileId);
      if (job.req.type === "decrypt" && res.type === "error" && job.fileId) this.owner.delete(job.fileId);
      slot.busy = false;
      job.resolve(res);
      this.pump();
    };
    slot.worker.addEventListener("message", onMessage);
    slot.worker.postMessage(job.req);
  }

  /** Terminating the workers discards every secret they hold. */
  terminate() {
    for (const slot of this.slots) slot.worker.terminate();
    this.queue.length = 0;
    this.owner.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
