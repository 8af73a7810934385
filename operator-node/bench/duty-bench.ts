/**
 * BENCH-ONLY: what the duty benchmarks (duties.ts: one committee; scale.ts: one node per operator over many) share —
 * their arguments, a random validator key split into shares, and the measured window: a 2-slot warm-up, then
 * `epochs` epochs of consecutive slots (every validator has one attester duty per epoch wherever the window starts),
 * CPU read from every node before and after, and slot start → first submission at the stand-in.
 */
import { parseArgs } from "node:util";
import { SecretKey } from "@chainsafe/blst";
import { splitSecret } from "@cohort/sdk";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import type { CpuReport } from "../test/support/child-ipc.js";
import type { BeaconApiStandIn } from "./beacon-stand-in.js";

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

export function dutyBenchArgs(defaults: { validators: number; slotSeconds: number }) {
  const { values } = parseArgs({
    options: {
      validators: { type: "string", default: String(defaults.validators) },
      "slot-seconds": { type: "string", default: String(defaults.slotSeconds) },
      epochs: { type: "string", default: "1" },
    },
  });
  return {
    validators: Number(values.validators),
    slotSeconds: Number(values["slot-seconds"]),
    epochs: Number(values.epochs),
  };
}

/** A random validator key split `n` ways (bench keys; the caller clears the share secrets once written). */
export async function splitValidator(n: 4 | 7 | 10 | 13) {
  const ikm = crypto.getRandomValues(new Uint8Array(32));
  const sk = SecretKey.fromKeygen(ikm);
  ikm.fill(0);
  const secret = sk.toBytes();
  const split = await splitSecret(secret, n);
  secret.fill(0);
  const publicKey = sk.toPublicKey().toBytes();
  const shares = split.shares.map((s) => {
    const share = { publicKey: hex(s.publicKey), secret: hex(s.secret) };
    s.secret.fill(0);
    return share;
  });
  return { publicKey, shares };
}

export interface Window {
  readonly firstSlot: number;
  readonly endSlot: number;
  readonly before: CpuReport[];
  readonly after: CpuReport[];
  /** Parent-process CPU (stand-in + harness) over the window, ms. */
  readonly parentMs: number;
  /** Slot start → first submission, ms, ascending. */
  readonly arrivals: number[];
  quantile(p: number): number;
}

export async function measureWindow(
  standIn: BeaconApiStandIn,
  genesisTime: number,
  slotSeconds: number,
  epochs: number,
  cpu: () => Promise<CpuReport[]>,
): Promise<Window> {
  const slotNow = () => Math.floor((Date.now() / 1000 - genesisTime) / slotSeconds);
  const firstSlot = Math.max(0, slotNow()) + 2;
  const endSlot = firstSlot + epochs * SLOTS_PER_EPOCH;
  await sleepUntil(standIn.slotStartMs(firstSlot));
  const before = await cpu();
  const parentBefore = process.cpuUsage();
  await sleepUntil(standIn.slotStartMs(endSlot));
  const after = await cpu();
  const parent = process.cpuUsage(parentBefore);
  await sleepUntil(standIn.slotStartMs(endSlot + 3)); // the last slots' submissions arrive, late ones included
  const arrivals = standIn
    .arrivals(firstSlot, endSlot)
    .map((a) => a.afterSlotStartMs)
    .sort((a, b) => a - b);
  return {
    firstSlot,
    endSlot,
    before,
    after,
    parentMs: (parent.user + parent.system) / 1000,
    arrivals,
    quantile: (p) => arrivals[Math.min(arrivals.length - 1, Math.floor(p * arrivals.length))] ?? Number.NaN,
  };
}
