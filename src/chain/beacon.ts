/**
 * The beacon node the dapp reads validator status from: `VITE_BEACON_URL` at build time (`npm start` passes the
 * devnet's Lodestar). Its standard REST API (`/eth/v1/...`) must allow this page's origin (CORS); Lodestar does by
 * default (`--rest.cors`, default "*").
 */
export type BeaconConfig =
  | { url: string }
  /** `problem` says why a value that was set is not used; null when nothing was set. */
  | { url: null; problem: string | null };

export function parseBeaconUrl(raw: unknown): BeaconConfig {
  if (typeof raw !== "string" || raw.trim() === "") return { url: null, problem: null };
  const problem = `VITE_BEACON_URL=${raw} is not an http(s) URL; rebuild with the beacon node's REST URL, e.g. http://127.0.0.1:9596.`;
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== "http:" && url.protocol !== "https:") return { url: null, problem };
    return { url: url.href.replace(/\/+$/, "") };
  } catch {
    return { url: null, problem };
  }
}

export const beaconConfig: BeaconConfig = parseBeaconUrl(import.meta.env.VITE_BEACON_URL);
