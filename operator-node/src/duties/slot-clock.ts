/**
 * A slot clock for duties due in every slot (sync committee messages): calls `onSlot` at a fixed offset into each
 * slot, with the slot's end as the deadline on the monotonic clock.
 */
import type { Deadline } from "../workflow.js";
import { type BeaconChain, slotAt, slotStartMs } from "./beacon.js";

export function everySlot(
  chain: BeaconChain,
  offsetMs: number,
  onSlot: (slot: number, deadline: Deadline) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastFired = -1;
  const next = (): void => {
    const now = Date.now();
    let slot = Math.max(0, slotAt(chain, now));
    if (slotStartMs(chain, slot) + offsetMs <= now) slot++;
    // Timers may fire a millisecond early: never schedule the slot just fired again.
    slot = Math.max(slot, lastFired + 1);
    timer = setTimeout(
      () => {
        if (stopped) return;
        lastFired = slot;
        onSlot(slot, performance.now() + slotStartMs(chain, slot + 1) - Date.now());
        next();
      },
      slotStartMs(chain, slot) + offsetMs - now,
    );
  };
  next();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
