import type { NodeStatus } from "@cohort/sdk/node-status";
import { useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import { parseNodeStatus } from "./nodeStatus";

/** A node that does not answer within this is shown as unreachable rather than loading forever. */
const TIMEOUT_MS = 4000;

export class NodeUnreachableError extends Error {
  constructor(url: string, detail: string) {
    super(`No answer from ${url} (${detail}). The node may be down, or its API not exposed to this browser.`);
    this.name = "NodeUnreachableError";
  }
}

async function fetchStatus(url: string, signal: AbortSignal): Promise<NodeStatus> {
  let response: Response;
  try {
    response = await fetch(`${url}/status`, { signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) });
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === "TimeoutError";
    throw new NodeUnreachableError(url, timedOut ? `no reply in ${TIMEOUT_MS / 1000} s` : "connection failed");
  }
  if (!response.ok) throw new NodeUnreachableError(url, `HTTP ${response.status}`);
  return parseNodeStatus(await response.json());
}

/** What the page shows for one node; `last` is what an unreachable node reported before it went away. */
export type NodeView =
  | { kind: "no-endpoint" }
  | { kind: "checking" }
  | { kind: "reachable"; status: NodeStatus }
  | { kind: "unreachable"; message: string; last: NodeStatus | undefined };

/**
 * One node's /status, polled every ~6 s (a slot is 12 s on mainnet, so a new duty shows within half a slot). Keyed
 * by URL: every validator of a committee shares the same request.
 */
export function useNodeStatus(url: string | undefined): NodeView {
  const query = useQuery({
    queryKey: ["node-status", url],
    enabled: Boolean(url),
    refetchInterval: 6000,
    // One quick retry: a node that is down should read "unreachable" within seconds, not after backoff.
    retry: 1,
    retryDelay: 500,
    queryFn: ({ signal }) => fetchStatus(url!, signal),
  });
  // react-query puts a query that never succeeded back to "pending" (error cleared) on each new attempt; remember
  // the failure so a dead node reads "unreachable" steadily instead of flickering through "checking".
  const lastError = useRef<string | undefined>(undefined);
  if (query.error) lastError.current = query.error.message;
  if (!url) return { kind: "no-endpoint" };
  if (query.isError) return { kind: "unreachable", message: query.error.message, last: query.data };
  if (query.isSuccess) return { kind: "reachable", status: query.data };
  if (lastError.current) return { kind: "unreachable", message: lastError.current, last: undefined };
  return { kind: "checking" };
}
