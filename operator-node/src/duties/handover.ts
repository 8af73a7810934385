/**
 * Moves without double signing. When a validator moves to a new committee (key-share restoration), its old committee
 * stops at the next epoch boundary after it sees the move; the new committee must not start before that has surely
 * happened everywhere. So the new committee waits for a handover epoch HANDOVER_EPOCHS after the move's block, then
 * asks the beacon node whether the validator was live (attested or proposed) in the epochs just before: if it was,
 * someone — the old committee, or a copy of the key — still signs, and starting would risk a slashing. It refuses
 * and asks again next epoch.
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { type Logger, reasonOf } from "../log.js";
import type { BeaconChain } from "./beacon.js";

/** Epochs between the move's block and the first epoch the new committee may sign in. */
export const HANDOVER_EPOCHS = 2;

export class LivenessUnavailableError extends Error {
  override readonly name = "LivenessUnavailableError";
}

export type HandoverDecision =
  | { readonly start: true; readonly epoch: number }
  | { readonly start: false; readonly reason: string };

/**
 * Pure rule: may a validator that moved in at `moveEpoch` start signing, given the current epoch and whether it was
 * live in the previous epoch or in the current one so far? It starts at the next epoch boundary (node.plan applies
 * there), so the check covers every epoch up to its first signature.
 */
export function handoverDecision(moveEpoch: number, currentEpoch: number, live: boolean): HandoverDecision {
  const handover = moveEpoch + HANDOVER_EPOCHS;
  if (currentEpoch < handover) return { start: false, reason: `waiting for the handover epoch ${handover}` };
  if (live) {
    return {
      start: false,
      reason: `the validator is still signing (live in epoch ${currentEpoch - 1} or ${currentEpoch}): its old committee or another copy of its key has not stopped`,
    };
  }
  return { start: true, epoch: currentEpoch + 1 };
}

export function epochAtTime(chain: Pick<BeaconChain, "genesisTime" | "secondsPerSlot">, unixSeconds: number): number {
  return Math.max(0, Math.floor((unixSeconds - chain.genesisTime) / (chain.secondsPerSlot * SLOTS_PER_EPOCH)));
}

/**
 * Was any of `pubkeys` live in `epoch`? Validators the beacon chain does not know yet are not live. Uses the standard
 * `POST /eth/v1/validator/liveness/{epoch}`, and Lodestar 1.x's older `GET /eth/v1/validator/liveness` where the
 * standard route is missing (the devnet's Lodestar 1.5.1). A beacon node with neither cannot vouch: that throws.
 */
export async function anyLive(beaconUrl: string, epoch: number, pubkeys: readonly string[]): Promise<boolean> {
  // One `id` per key: Lodestar 1.5.1 reads `id=a,b` as one unknown id and answers an empty list ("not live").
  const query = pubkeys.map((k) => `id=${k}`).join("&");
  const found = await fetch(`${beaconUrl}/eth/v1/beacon/states/head/validators?${query}`);
  if (!found.ok) throw new LivenessUnavailableError(`beacon node: validator lookup HTTP ${found.status}`);
  const indices = ((await found.json()) as { data: { index: string }[] }).data.map((v) => v.index);
  if (indices.length === 0) return false;
  let res = await fetch(`${beaconUrl}/eth/v1/validator/liveness/${epoch}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(indices),
  });
  if (res.status === 404 || res.status === 405) {
    const query = indices.map((i) => `indices=${i}`).join("&");
    res = await fetch(`${beaconUrl}/eth/v1/validator/liveness?${query}&epoch=${epoch}`);
  }
  if (!res.ok) {
    throw new LivenessUnavailableError(
      `the beacon node at ${beaconUrl} does not answer the liveness endpoint (HTTP ${res.status}); a moved validator ` +
        "cannot start without its doppelganger check: use a beacon node that serves /eth/v1/validator/liveness",
    );
  }
  const body = (await res.json()) as { data: { is_live: boolean }[] };
  return body.data.some((d) => d.is_live);
}

export interface MovedValidator {
  readonly publicKey: Uint8Array;
  readonly movedInBlock: bigint;
}

export interface HandoverGateDeps {
  readonly chain: Pick<BeaconChain, "url" | "genesisTime" | "secondsPerSlot">;
  /** Unix time (s) of an execution block: the move's block fixes its handover epoch. */
  readonly blockTime: (block: bigint) => Promise<number>;
  /** Persists that a validator passed its check and signs from `epoch` on, so a restart does not check again. */
  readonly cleared: (publicKey: Uint8Array, epoch: number) => void;
  readonly log: Logger;
  readonly nowMs?: () => number;
}

/** Holds moved-in validators out of the node's plan until `handoverDecision` lets them start. */
export class HandoverGate {
  /** Last epoch each held validator was logged in: one line per validator per epoch, not one per poll. */
  private readonly logged = new Map<string, number>();

  constructor(private readonly deps: HandoverGateDeps) {}

  /** The public keys (0x-hex) of `moves` that may not sign yet. */
  async held(moves: readonly MovedValidator[]): Promise<Set<string>> {
    const held = new Set<string>();
    const now = epochAtTime(this.deps.chain, (this.deps.nowMs?.() ?? Date.now()) / 1000);
    for (const v of moves) {
      const key = `0x${Buffer.from(v.publicKey).toString("hex")}`;
      let decision: HandoverDecision;
      try {
        const moveEpoch = epochAtTime(this.deps.chain, await this.deps.blockTime(v.movedInBlock));
        const due = now >= moveEpoch + HANDOVER_EPOCHS;
        const live =
          due &&
          ((await anyLive(this.deps.chain.url, now - 1, [key])) || (await anyLive(this.deps.chain.url, now, [key])));
        decision = handoverDecision(moveEpoch, now, live);
      } catch (error) {
        decision = { start: false, reason: reasonOf(error) };
      }
      if (decision.start) {
        this.deps.cleared(v.publicKey, decision.epoch);
        this.logged.delete(key);
        this.deps.log.info("moved validator passed its doppelganger check", { validator: key, from: decision.epoch });
        continue;
      }
      held.add(key);
      if (this.logged.get(key) !== now) {
        this.logged.set(key, now);
        this.deps.log.warn("moved validator not signing yet", { validator: key, reason: decision.reason });
      }
    }
    return held;
  }
}
