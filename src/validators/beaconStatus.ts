/**
 * What a beacon node's standard REST API says about the page's validators, and how the page words it. Pure
 * functions: answers come from another host, so they are checked field by field and a node of another kind or chain
 * produces a message that says what to do, never a blank row.
 */
import { bareKey } from "./nodeStatus";

/** The Beacon API's validator statuses (`GET /eth/v1/beacon/states/{id}/validators`). */
export const BEACON_API_STATUSES = [
  "pending_initialized",
  "pending_queued",
  "active_ongoing",
  "active_exiting",
  "active_slashed",
  "exited_unslashed",
  "exited_slashed",
  "withdrawal_possible",
  "withdrawal_done",
] as const;
export type BeaconApiStatus = (typeof BEACON_API_STATUSES)[number];

/** The five states a staker tells apart. */
export type ValidatorPhase = "pending" | "active" | "exiting" | "exited" | "slashed";

/**
 * A slashed validator reads "slashed" in every later status: `withdrawal_*` do not say whether it was, the
 * validator's `slashed` flag does.
 */
export function phaseOf(status: BeaconApiStatus, slashed: boolean): ValidatorPhase {
  if (slashed || status === "active_slashed" || status === "exited_slashed") return "slashed";
  switch (status) {
    case "pending_initialized":
    case "pending_queued":
      return "pending";
    case "active_ongoing":
      return "active";
    case "active_exiting":
      return "exiting";
    case "exited_unslashed":
    case "withdrawal_possible":
    case "withdrawal_done":
      return "exited";
  }
}

export interface BeaconValidator {
  index: number;
  status: BeaconApiStatus;
  phase: ValidatorPhase;
  /** Gwei. */
  balance: bigint;
  effectiveBalance: bigint;
  slashed: boolean;
  /** null: not scheduled (the API's FAR_FUTURE_EPOCH). */
  activationEpoch: bigint | null;
  exitEpoch: bigint | null;
}

export class UnexpectedBeaconAnswerError extends Error {
  constructor(url: string, what: string) {
    super(
      `The beacon node at ${url} answered with ${what}; it may not be a standard Beacon API. Check VITE_BEACON_URL.`,
    );
    this.name = "UnexpectedBeaconAnswerError";
  }
}

const FAR_FUTURE_EPOCH = 2n ** 64n - 1n;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isUint = (v: unknown): v is string => typeof v === "string" && /^\d{1,20}$/.test(v);
const epochOrNull = (v: string) => (BigInt(v) === FAR_FUTURE_EPOCH ? null : BigInt(v));

/** The `data` list of a validators answer, by bare public key (lower-case hex, no 0x). */
export function parseValidatorsAnswer(raw: unknown, url: string): Map<string, BeaconValidator> {
  const bad = (what: string) => new UnexpectedBeaconAnswerError(url, what);
  if (!isObject(raw) || !Array.isArray(raw.data)) throw bad(`no "data" list of validators`);
  const out = new Map<string, BeaconValidator>();
  for (const item of raw.data) {
    if (!isObject(item) || !isObject(item.validator)) throw bad("a validator entry without its validator record");
    const v = item.validator;
    if (!isUint(item.index) || !isUint(item.balance)) throw bad("a validator without index or balance");
    if (!(BEACON_API_STATUSES as readonly unknown[]).includes(item.status)) {
      throw bad(`the unknown validator status ${JSON.stringify(item.status)}`);
    }
    if (
      typeof v.pubkey !== "string" ||
      typeof v.slashed !== "boolean" ||
      !isUint(v.effective_balance) ||
      !isUint(v.activation_epoch) ||
      !isUint(v.exit_epoch)
    ) {
      throw bad("a validator record without pubkey, slashed flag, effective balance or epochs");
    }
    const status = item.status as BeaconApiStatus;
    out.set(bareKey(v.pubkey), {
      index: Number(item.index),
      status,
      phase: phaseOf(status, v.slashed),
      balance: BigInt(item.balance),
      effectiveBalance: BigInt(v.effective_balance),
      slashed: v.slashed,
      activationEpoch: epochOrNull(v.activation_epoch),
      exitEpoch: epochOrNull(v.exit_epoch),
    });
  }
  return out;
}

/**
 * Keys per request: 64 keys make a ~6.4 kB URL, well inside what HTTP servers accept. The ids go as repeated `id=`
 * parameters: Lodestar 1.5.1 reads a comma-separated `id=a,b` as one unknown id and answers an empty list.
 */
export const KEYS_PER_REQUEST = 64;

export function validatorsPaths(publicKeys: readonly string[]): string[] {
  const keys = [...new Set(publicKeys.map((k) => `0x${bareKey(k)}`))].sort();
  const paths: string[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_REQUEST) {
    const ids = keys.slice(i, i + KEYS_PER_REQUEST).map((k) => `id=${k}`);
    paths.push(`/eth/v1/beacon/states/head/validators?${ids.join("&")}`);
  }
  return paths;
}

/** The chain a beacon node follows, from `/eth/v1/config/spec` and `/eth/v1/beacon/genesis`. */
export interface BeaconChain {
  preset: string;
  depositChainId: number;
  secondsPerSlot: number;
  slotsPerEpoch: number;
  /** Unix seconds. */
  genesisTime: number;
}

export function parseChain(spec: unknown, genesis: unknown, url: string): BeaconChain {
  const bad = (what: string) => new UnexpectedBeaconAnswerError(url, what);
  const s = isObject(spec) && isObject(spec.data) ? spec.data : null;
  const g = isObject(genesis) && isObject(genesis.data) ? genesis.data : null;
  if (!s) throw bad("a chain spec without data");
  if (!g || !isUint(g.genesis_time)) throw bad("a genesis without genesis_time");
  const fields = ["DEPOSIT_CHAIN_ID", "SECONDS_PER_SLOT", "SLOTS_PER_EPOCH"] as const;
  for (const f of fields) if (!isUint(s[f])) throw bad(`a chain spec without ${f}`);
  return {
    preset: typeof s.PRESET_BASE === "string" ? s.PRESET_BASE : "unknown",
    depositChainId: Number(s.DEPOSIT_CHAIN_ID),
    secondsPerSlot: Number(s.SECONDS_PER_SLOT),
    slotsPerEpoch: Number(s.SLOTS_PER_EPOCH),
    genesisTime: Number(g.genesis_time),
  };
}

/** Chain ids of local development chains (anvil, hardhat/ganache). */
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

/**
 * Why the beacon node cannot be the beacon chain of the dapp's execution chain, or null when it can. A beacon chain
 * names its execution chain by its deposit contract's chain id. A local devnet's Lodestar (`lodestar dev`, minimal
 * preset) keeps its placeholder deposit chain id until it follows the local chain's deposit contract, so a local
 * execution chain accepts any minimal-preset beacon node.
 */
export function chainProblem(chain: BeaconChain, dappChainId: number | undefined, url: string): string | null {
  if (dappChainId === undefined || chain.depositChainId === dappChainId) return null;
  if (LOCAL_CHAIN_IDS.has(dappChainId) && chain.preset === "minimal") return null;
  return (
    `The beacon node at ${url} belongs to the chain with id ${chain.depositChainId} (${chain.preset} preset), ` +
    `but this dapp's contracts are on chain ${dappChainId}: its validator statuses would be another network's. ` +
    `Rebuild the dapp with VITE_BEACON_URL set to a beacon node of chain ${dappChainId}.`
  );
}

export const epochMs = (chain: BeaconChain) => chain.secondsPerSlot * chain.slotsPerEpoch * 1000;

/** Milliseconds until the first slot of the next epoch plus a third of a slot, when its balances are final. */
export function msToNextEpoch(chain: BeaconChain, nowMs: number): number {
  const slotMs = chain.secondsPerSlot * 1000;
  const sinceGenesis = nowMs - chain.genesisTime * 1000;
  const epoch = epochMs(chain);
  if (sinceGenesis < 0) return -sinceGenesis + slotMs / 3;
  return epoch - (sinceGenesis % epoch) + slotMs / 3;
}

/** Where an exit stands; null when none was requested and the beacon chain shows none. */
export type ExitStage = "requested" | "exiting" | "exited";

/**
 * The registry records the owner's request; the beacon chain shows the exit once the committee's signed exit is
 * included (`active_exiting`), and `exited` from its exit epoch on. An exit the chain shows is reported even without
 * a request on record (a slashing also ejects the validator).
 */
export function exitStage(exitRequested: boolean, beacon: BeaconValidator | undefined): ExitStage | null {
  if (beacon) {
    if (beacon.status === "active_exiting" || beacon.status === "active_slashed") return "exiting";
    // Past the two above, a slashed validator is exited_slashed or withdrawable.
    if (beacon.phase === "exited" || beacon.phase === "slashed") return "exited";
  }
  return exitRequested ? "requested" : null;
}

/** Balances seen per head epoch, newest last; the page keeps a few epochs of its own refreshes. */
export type BalanceHistory = ReadonlyMap<number, ReadonlyMap<string, bigint>>;
const HISTORY_EPOCHS = 4;

export function recordBalances(
  history: BalanceHistory,
  epoch: number,
  validators: ReadonlyMap<string, BeaconValidator>,
): BalanceHistory {
  // The first reading of an epoch stands for it: balances move at epoch boundaries, and one fixed reading keeps the
  // per-epoch change from shrinking with each refresh inside the epoch.
  if (history.has(epoch)) return history;
  const next = new Map(history);
  next.set(epoch, new Map([...validators].map(([key, v]) => [key, v.balance])));
  const epochs = [...next.keys()].sort((a, b) => a - b);
  for (const old of epochs.slice(0, Math.max(0, epochs.length - HISTORY_EPOCHS))) next.delete(old);
  return next;
}

/**
 * Balance change per epoch between the two newest readings that have the validator: rewards when its attestations
 * are included, penalties when it misses them. null until two epochs have been seen.
 */
export function balanceChange(
  history: BalanceHistory,
  publicKey: string,
): { perEpoch: bigint; fromEpoch: number; toEpoch: number } | null {
  const key = bareKey(publicKey);
  const seen = [...history.entries()]
    .filter(([, balances]) => balances.has(key))
    .map(([epoch, balances]) => ({ epoch, balance: balances.get(key)! }))
    .sort((a, b) => b.epoch - a.epoch);
  if (seen.length < 2) return null;
  const [to, from] = [seen[0]!, seen[1]!];
  return {
    perEpoch: (to.balance - from.balance) / BigInt(to.epoch - from.epoch),
    fromEpoch: from.epoch,
    toEpoch: to.epoch,
  };
}

/** Gwei as ETH with four decimals, rounded down (a balance shown must not exceed the real one). */
export function formatGweiAsEth(gwei: bigint): string {
  const negative = gwei < 0n;
  const abs = negative ? -gwei : gwei;
  const whole = abs / 1_000_000_000n;
  const frac = ((abs % 1_000_000_000n) / 100_000n).toString().padStart(4, "0");
  return `${negative ? "−" : ""}${whole.toLocaleString("en-US")}.${frac} ETH`;
}

/** A signed gwei amount: "+1,234 gwei", "−15,808 gwei", "0 gwei". */
export function formatGweiChange(gwei: bigint): string {
  const sign = gwei > 0n ? "+" : gwei < 0n ? "−" : "";
  return `${sign}${(gwei < 0n ? -gwei : gwei).toLocaleString("en-US")} gwei`;
}
