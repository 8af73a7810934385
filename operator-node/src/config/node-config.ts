/**
 * The `cohort-node start --config FILE` file: everything a node needs that is not on-chain. Committees, validators
 * and peers' identity keys come from the registry; only where to reach things (and the secrets' files) are here.
 *
 * {
 *   "operatorId": 1,
 *   "keyFile": "operator-1.key.json",          // from `cohort-node init`; relative paths are relative to this file
 *   "passwordFile": "operator-1.password",
 *   "dataDir": "data",                          // SQLite: sync checkpoint, encrypted shares, slashing protection
 *   "execution": { "rpcUrl": "http://127.0.0.1:8545", "registry": "0x…", "miniPools": "0x…", "deployBlock": 0,
 *                  "confirmations": 2 },
 *   "beacon": { "url": "http://127.0.0.1:9596" },
 *   "p2p": { "host": "127.0.0.1", "port": 9100 },
 *   "peers": { "2": "10.0.0.7:9100" },    // optional override of an operator's on-chain endpoints (host:port)
 *   "api": { "host": "127.0.0.1", "port": 9200 }                // optional: /health, /metrics, /status
 * }
 */
import { isAbsolute, join } from "node:path";
import { type Address, isAddress } from "viem";

export class NodeConfigFileError extends Error {
  override readonly name = "NodeConfigFileError";
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface NodeConfigFile {
  readonly operatorId: bigint;
  readonly keyFile: string;
  /** Absent: `start` asks on the terminal. */
  readonly passwordFile?: string;
  readonly dataDir: string;
  readonly execution: {
    readonly rpcUrl: string;
    readonly registry: Address;
    readonly deployBlock: bigint;
    readonly confirmations: number;
    readonly pollMs: number;
    /** The mini-pools contract (Stage 2); without it the node takes no part in mini-pool DKGs. */
    readonly miniPools?: Address;
    /** Epochs between oracle reports (225 = one day on mainnet). */
    readonly reportPeriodEpochs: number;
  };
  readonly beacon: { readonly url: string };
  /** Where the node's one libp2p host listens (publish it in the registry); DKG ceremonies use ports above it (app/operator.ts). */
  readonly p2p: Endpoint;
  readonly peers: ReadonlyMap<bigint, Endpoint>;
  readonly api?: Partial<Endpoint>;
}

/** Parses and checks the file; every error names the field and what a valid value looks like. */
export function parseNodeConfig(text: string, baseDir: string): NodeConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new NodeConfigFileError("the config file is not valid JSON");
  }
  const root = object(raw, "config");
  const execution = object(root.execution, "execution");
  const p2p = object(root.p2p, "p2p");
  const peers = root.peers === undefined ? {} : object(root.peers, "peers");
  const api = root.api === undefined ? undefined : object(root.api, "api");
  const path = (v: unknown, field: string) => {
    const p = string(v, field);
    return isAbsolute(p) ? p : join(baseDir, p);
  };
  const registry = address(execution.registry, "execution.registry");
  const miniPools = execution.miniPools === undefined ? undefined : address(execution.miniPools, "execution.miniPools");
  return {
    operatorId: BigInt(integer(root.operatorId, "operatorId", 1)),
    keyFile: path(root.keyFile, "keyFile"),
    ...(root.passwordFile === undefined ? {} : { passwordFile: path(root.passwordFile, "passwordFile") }),
    dataDir: path(root.dataDir, "dataDir"),
    execution: {
      rpcUrl: url(execution.rpcUrl, "execution.rpcUrl"),
      registry,
      deployBlock: BigInt(integer(execution.deployBlock ?? 0, "execution.deployBlock", 0)),
      confirmations: integer(execution.confirmations ?? 2, "execution.confirmations", 0),
      pollMs: integer(execution.pollMs ?? 2000, "execution.pollMs", 100),
      ...(miniPools ? { miniPools } : {}),
      reportPeriodEpochs: integer(execution.reportPeriodEpochs ?? 225, "execution.reportPeriodEpochs", 1),
    },
    beacon: { url: url(object(root.beacon, "beacon").url, "beacon.url") },
    p2p: endpoint(p2p, "p2p"),
    peers: new Map(
      Object.entries(peers).map(([id, v]) => [BigInt(integer(Number(id), "peers key", 1)), hostPort(v, `peers.${id}`)]),
    ),
    ...(api
      ? {
          api: {
            host: api.host === undefined ? "127.0.0.1" : string(api.host, "api.host"),
            port: integer(api.port ?? 0, "api.port", 0),
          },
        }
      : {}),
  };
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new NodeConfigFileError(`${field} must be an object`);
  return v as Record<string, unknown>;
}

function string(v: unknown, field: string): string {
  if (typeof v !== "string" || v.length === 0) throw new NodeConfigFileError(`${field} must be a non-empty string`);
  return v;
}

function integer(v: unknown, field: string, min: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min)
    throw new NodeConfigFileError(`${field} must be an integer ≥ ${min}`);
  return v;
}

function address(v: unknown, field: string): Address {
  const s = string(v, field);
  if (!isAddress(s)) throw new NodeConfigFileError(`${field} must be a 0x-prefixed address`);
  return s;
}

function url(v: unknown, field: string): string {
  const s = string(v, field);
  if (!/^https?:\/\//.test(s)) throw new NodeConfigFileError(`${field} must be an http(s) URL`);
  return s.replace(/\/+$/, "");
}

function endpoint(v: Record<string, unknown>, field: string): Endpoint {
  return { host: string(v.host ?? "127.0.0.1", `${field}.host`), port: integer(v.port, `${field}.port`, 1) };
}

function hostPort(v: unknown, field: string): Endpoint {
  const m = /^(.+):(\d{1,5})$/.exec(string(v, field));
  if (!m) throw new NodeConfigFileError(`${field} must be "host:port"`);
  return { host: m[1]!, port: integer(Number(m[2]), field, 1) };
}

/** The TCP multiaddr of a configured `host:port` (`p2p` or a `peers` override): /ip4, /ip6 or /dns4 by its form. */
export function tcpMultiaddr({ host, port }: Endpoint): string {
  const proto = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? "ip4" : host.includes(":") ? "ip6" : "dns4";
  return `/${proto}/${host}/tcp/${port}`;
}
