import type { KdfInfo } from "./protocol";

// @chainsafe/bls-keystore gives no progress callback, so progress bars are an estimate: elapsed time against the
// expected KDF time. Baselines are measured on 2 laptop-class cores (TOOLCHAIN.md): scrypt n=2^18, r=8, p=1 takes
// 1.1–3.0 s in pure JS; pbkdf2 c=2^18 ~60 ms (WebCrypto). Cost scales linearly in n·r·p and in c. After each real
// decryption the baseline is corrected by the measured time, so later bars on this machine are closer to the truth.
const baselineMs: Record<KdfInfo["function"], number> = { scrypt: 2_000, pbkdf2: 80 };

function relativeCost(kdf: KdfInfo): number {
  const { n = 2 ** 18, r = 8, p = 1, c = 2 ** 18 } = kdf.params;
  return kdf.function === "scrypt" ? (n * r * p) / (2 ** 18 * 8) : c / 2 ** 18;
}

export function expectedMs(kdf: KdfInfo): number {
  return Math.max(50, baselineMs[kdf.function] * relativeCost(kdf));
}

/** Feed back a measured decryption so the next estimates fit this machine (smoothed, never below 10 ms). */
export function recordMeasured(kdf: KdfInfo, ms: number) {
  const cost = relativeCost(kdf);
  if (cost <= 0) return;
  const measuredBaseline = ms / cost;
  baselineMs[kdf.function] = Math.max(10, 0.5 * baselineMs[kdf.function] + 0.5 * measuredBaseline);
}

/** 0..1, creeping towards (never reaching) 0.97 past the estimate, so a slow machine never shows a full bar early. */
export function estimatedProgress(elapsedMs: number, expected: number): number {
  const x = elapsedMs / expected;
  if (x < 0.9) return x;
  return 0.97 - 0.07 * Math.exp(-(x - 0.9) * 3);
}
