/**
 * Turns SigAgg's combined signatures into awaitable results, so a workflow can write "sign, share, await the
 * validator signature" as one step (a RANDAO reveal must exist before the block can be asked for).
 */
import type { BeaconChain } from "../duties/beacon.js";
import type { Logger } from "../log.js";
import type { ThresholdSigAgg } from "../sigagg/threshold-sigagg.js";
import type { ShareSigner } from "../signer/share-signer.js";
import type { Consensus, Duty, ParSigEx } from "../workflow.js";

/** What every threshold-signing workflow of one committee (exit, proposer, sync committee, builder) is given. */
export interface SigningDeps {
  readonly chain: BeaconChain;
  readonly committeeId: Uint8Array;
  readonly shareIndex: number;
  readonly consensus: Consensus;
  readonly signer: ShareSigner;
  readonly parsigex: ParSigEx;
  readonly sigagg: ThresholdSigAgg;
  readonly combined: CombinedSignatures;
  readonly log: Logger;
}

export class CombineTimeoutError extends Error {
  override readonly name = "CombineTimeoutError";
}

interface Waiter {
  readonly slot: bigint;
  resolve(signature: Uint8Array): void;
  reject(e: Error): void;
}

export class CombinedSignatures {
  private readonly waiters = new Map<string, Waiter[]>();
  /** Signatures combined before anyone waited (a fast peer's partials can complete one first). */
  private readonly early = new Map<string, { slot: bigint; signature: Uint8Array }>();
  private readonly unsubscribe: () => void;

  constructor(sigagg: ThresholdSigAgg, kinds: readonly number[]) {
    const wanted = new Set(kinds);
    this.unsubscribe = sigagg.subscribe((duty, pubkey, signature) => {
      if (!wanted.has(duty.kind)) return;
      const key = keyOf(duty, pubkey);
      const ws = this.waiters.get(key);
      if (!ws) {
        this.early.set(key, { slot: duty.slot, signature });
        return;
      }
      this.waiters.delete(key);
      for (const w of ws) w.resolve(signature);
    });
  }

  /** The validator signature for (duty, validator), or CombineTimeoutError once `deadlineUnixMs` passes. */
  wait(duty: Duty, validatorPubkey: Uint8Array, deadlineUnixMs: number): Promise<Uint8Array> {
    const key = keyOf(duty, validatorPubkey);
    const done = this.early.get(key);
    if (done) return Promise.resolve(done.signature);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const ws = this.waiters.get(key)?.filter((w) => w !== waiter) ?? [];
          if (ws.length > 0) this.waiters.set(key, ws);
          else this.waiters.delete(key);
          reject(
            new CombineTimeoutError(
              `no threshold of partial signatures for kind ${duty.kind} at slot ${duty.slot} in time; are t members up?`,
            ),
          );
        },
        Math.max(0, deadlineUnixMs - Date.now()),
      );
      const waiter: Waiter = {
        slot: duty.slot,
        resolve: (signature) => {
          clearTimeout(timer);
          resolve(signature);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), waiter]);
    });
  }

  /** Forgets early signatures older than `slot`; waiters end by their own deadlines. */
  pruneBelow(slot: bigint): void {
    for (const [k, e] of this.early) if (e.slot < slot) this.early.delete(k);
  }

  stop(): void {
    this.unsubscribe();
    for (const ws of this.waiters.values()) for (const w of ws) w.reject(new CombineTimeoutError("node stopped"));
    this.waiters.clear();
  }
}

const keyOf = (duty: Duty, pubkey: Uint8Array) => `${duty.kind}/${duty.slot}/${Buffer.from(pubkey).toString("hex")}`;
