import { type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { beaconConfig } from "../chain/beacon";
import { cohortContracts } from "../chain/contracts";
import {
  type BalanceHistory,
  type BeaconChain,
  type BeaconValidator,
  chainProblem,
  msToNextEpoch,
  parseChain,
  parseValidatorsAnswer,
  recordBalances,
  UnexpectedBeaconAnswerError,
  validatorsPaths,
} from "./beaconStatus";

/** A beacon node that does not answer within this reads as unreachable rather than loading forever. */
const TIMEOUT_MS = 6000;

export class BeaconUnreachableError extends Error {
  constructor(url: string, detail: string) {
    super(
      `No answer from the beacon node at ${url} (${detail}). Start it (\`npm start\` runs the devnet's), or rebuild ` +
        "the dapp with VITE_BEACON_URL set to a reachable beacon node.",
    );
    this.name = "BeaconUnreachableError";
  }
}

export class BeaconHttpError extends Error {
  constructor(url: string, path: string, status: number, message: string | undefined) {
    super(
      `The beacon node at ${url} answered HTTP ${status} to ${path}${message ? ` (${message})` : ""}. ` +
        "Check that VITE_BEACON_URL is a beacon node's REST API and that the node is healthy.",
    );
    this.name = "BeaconHttpError";
  }
}

export class BeaconChainMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BeaconChainMismatchError";
  }
}

async function getJson(url: string, path: string, signal: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, { signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) });
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === "TimeoutError";
    throw new BeaconUnreachableError(url, timedOut ? `no reply in ${TIMEOUT_MS / 1000} s` : "connection failed");
  }
  if (!response.ok) {
    const body = await response.text().catch(() => "");
    const message = /"message"\s*:\s*"([^"]{1,200})"/.exec(body)?.[1];
    throw new BeaconHttpError(url, path.split("?")[0]!, response.status, message);
  }
  try {
    return await response.json();
  } catch {
    throw new UnexpectedBeaconAnswerError(url, `something that is not JSON for ${path.split("?")[0]}`);
  }
}

export interface BeaconReading {
  validators: ReadonlyMap<string, BeaconValidator>;
  headSlot: number;
  epoch: number;
  /** Slots the node is behind; 0 when synced. */
  syncDistance: number;
  history: BalanceHistory;
}

/** What the page shows about the beacon chain; `last` is what a node that went away reported before. */
export type BeaconView =
  | { kind: "not-configured"; problem: string | null }
  | { kind: "checking"; url: string }
  | { kind: "ok"; url: string; chain: BeaconChain; reading: BeaconReading }
  | { kind: "error"; url: string; message: string; last: BeaconReading | undefined };

async function readValidators(
  url: string,
  chain: BeaconChain,
  keys: readonly string[],
  signal: AbortSignal,
  previous: BalanceHistory | undefined,
): Promise<BeaconReading> {
  const [syncing, ...answers] = await Promise.all([
    getJson(url, "/eth/v1/node/syncing", signal),
    ...validatorsPaths(keys).map((path) => getJson(url, path, signal)),
  ]);
  const sync = (syncing as { data?: { head_slot?: unknown; sync_distance?: unknown } } | null)?.data;
  if (typeof sync?.head_slot !== "string" || typeof sync.sync_distance !== "string") {
    throw new UnexpectedBeaconAnswerError(url, "a sync status without head_slot");
  }
  const validators = new Map<string, BeaconValidator>();
  for (const answer of answers) for (const [k, v] of parseValidatorsAnswer(answer, url)) validators.set(k, v);
  const headSlot = Number(sync.head_slot);
  const epoch = Math.floor(headSlot / chain.slotsPerEpoch);
  return {
    validators,
    headSlot,
    epoch,
    syncDistance: Number(sync.sync_distance),
    history: recordBalances(previous ?? new Map(), epoch, validators),
  };
}

const readingKey = (url: string | null, keys: readonly string[]) => ["beacon-validators", url, keys.join(",")];

function previousHistory(client: QueryClient, key: unknown[]): BalanceHistory | undefined {
  return client.getQueryData<BeaconReading>(key)?.history;
}

/**
 * The page's validators on the configured beacon node: first the chain it follows (once; a node of another chain is
 * refused with a message), then one batched read of every validator, repeated at each epoch's start.
 */
export function useBeaconValidators(publicKeys: readonly string[]): BeaconView {
  const url = beaconConfig.url;
  const queryClient = useQueryClient();
  const dappChainId = cohortContracts()?.chainId;
  const chainQuery = useQuery<BeaconChain>({
    queryKey: ["beacon-chain", url, dappChainId],
    enabled: Boolean(url),
    staleTime: Number.POSITIVE_INFINITY,
    retry: 1,
    retryDelay: 500,
    // A node that was down or wrong is asked again, so starting it (or the devnet) clears the message by itself.
    refetchInterval: (q) => (q.state.status === "error" ? 10_000 : false),
    queryFn: async ({ signal }): Promise<BeaconChain> => {
      const [spec, genesis] = await Promise.all([
        getJson(url!, "/eth/v1/config/spec", signal),
        getJson(url!, "/eth/v1/beacon/genesis", signal),
      ]);
      const chain = parseChain(spec, genesis, url!);
      const problem = chainProblem(chain, dappChainId, url!);
      if (problem) throw new BeaconChainMismatchError(problem);
      return chain;
    },
  });
  const chain = chainQuery.data;
  const keys = [...new Set(publicKeys.map((k) => k.toLowerCase()))].sort();
  const key = readingKey(url, keys);
  const readingQuery = useQuery<BeaconReading>({
    queryKey: key,
    enabled: Boolean(url && chain && keys.length > 0),
    retry: 1,
    retryDelay: 500,
    refetchInterval: () => (chain ? msToNextEpoch(chain, Date.now()) : false),
    queryFn: ({ signal }) => readValidators(url!, chain!, keys, signal, previousHistory(queryClient, key)),
  });
  // react-query puts a query that never succeeded back to "pending" on each new attempt; remember the failure so a
  // dead node reads as such steadily instead of flickering through "checking".
  const lastError = useRef<string | undefined>(undefined);
  const error = chainQuery.error ?? readingQuery.error;
  if (error) lastError.current = error.message;
  else if (readingQuery.isSuccess) lastError.current = undefined;

  if (url === null) return { kind: "not-configured", problem: "problem" in beaconConfig ? beaconConfig.problem : null };
  if (error) return { kind: "error", url, message: error.message, last: readingQuery.data };
  if (chain && readingQuery.isSuccess) return { kind: "ok", url, chain, reading: readingQuery.data };
  if (chain && keys.length === 0) {
    return {
      kind: "ok",
      url,
      chain,
      reading: { validators: new Map(), headSlot: 0, epoch: 0, syncDistance: 0, history: new Map() },
    };
  }
  if (lastError.current) return { kind: "error", url, message: lastError.current, last: undefined };
  return { kind: "checking", url };
}
