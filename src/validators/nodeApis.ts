/**
 * Operator node API endpoints the build knows, from the deployment's optional `nodeApis: {"<operatorId>": url}`
 * (written by `npm start` for the devnet's nodes). Operators publish no endpoint on-chain, so on other networks this
 * is empty and the page says so.
 */
export type NodeApis = ReadonlyMap<string, string>;

/** Only http(s) URLs, trailing slash dropped; anything else in the file is ignored rather than fetched. */
export function parseNodeApis(raw: unknown): NodeApis {
  const apis = new Map<string, string>();
  const field = raw && typeof raw === "object" ? (raw as { nodeApis?: unknown }).nodeApis : undefined;
  if (!field || typeof field !== "object") return apis;
  for (const [id, url] of Object.entries(field)) {
    if (!/^\d+$/.test(id) || typeof url !== "string") continue;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") apis.set(id, url.replace(/\/+$/, ""));
    } catch {}
  }
  return apis;
}

export const nodeApis: NodeApis = parseNodeApis(__COHORT_DEPLOYMENT__);
