/**
 * `cohort-node check`: everything `start` will depend on, tested before it is depended on, one line each. A check
 * that cannot run because an earlier one failed says so instead of failing on its own, so the first ✗ is the one to
 * fix. Nothing here writes to the node's data dir: the chain is replayed into an in-memory database with the node's
 * own sync (chain/sync.ts), so the committees found are the ones `start` would run.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cohortRegistryAbi } from "@cohort/sdk";
import { ACTIVE_PRESET, SLOTS_PER_EPOCH } from "@lodestar/params";
import Database from "better-sqlite3";
import { bytesToHex, createPublicClient, type Hex, http, keccak256, type PublicClient } from "viem";
import { committeeKey } from "../chain/committees.js";
import { chainSyncOf } from "../chain/sync.js";
import { type NodeConfigFile, tcpMultiaddr } from "../config/node-config.js";
import type { NodeKeys } from "../keys/key-file.js";
import { reasonOf } from "../log.js";
import { ChainState } from "../store/chain-state.js";
import { openDatabase } from "../store/database.js";
import { measureClockOffset } from "./clock.js";
import { publicNetwork } from "./networks.js";
import { createPeerProber } from "./peers.js";

export interface CheckLine {
  readonly ok: boolean;
  /** Short name of what was checked: "beacon node", "peer 2 (Borealis Nodes)". */
  readonly subject: string;
  /** What was found, or what is wrong. */
  readonly detail: string;
  /** On failure: what the operator should do. */
  readonly fix?: string;
}

export interface PreflightOptions {
  /** Genesis validators root the operator expects (config `beacon.genesisValidatorsRoot`), if declared. */
  readonly genesisValidatorsRoot?: Hex;
  /** Skew above which the clock check fails. */
  readonly maxClockSkewMs?: number;
  readonly peerTimeoutMs?: number;
}

const MAX_CLOCK_SKEW_MS = 500;
const SERVING = new Set(["active", "exit_requested"]);

/** Runs every check, calling `report` as each line is known; resolves true when all passed. */
export async function runPreflight(
  cfg: NodeConfigFile,
  keys: NodeKeys,
  report: (line: CheckLine) => void,
  opts: PreflightOptions = {},
): Promise<boolean> {
  let allOk = true;
  const line = (l: CheckLine) => {
    if (!l.ok) allOk = false;
    report(l);
  };
  const pass = (subject: string, detail: string) => line({ ok: true, subject, detail });
  const fail = (subject: string, detail: string, fix: string) => line({ ok: false, subject, detail, fix });

  // ── execution RPC and registry ──
  const client = createPublicClient({ transport: http(cfg.execution.rpcUrl, { timeout: 10_000, retryCount: 0 }) });
  let chainId: number | undefined;
  try {
    chainId = await client.getChainId();
    const head = await client.getBlockNumber({ cacheTime: 0 });
    pass("execution RPC", `${cfg.execution.rpcUrl} answers: chain id ${chainId}, head block ${head}`);
  } catch (error) {
    fail(
      "execution RPC",
      `cannot reach ${cfg.execution.rpcUrl} (${reasonOf(error)})`,
      "start the execution client with its HTTP JSON-RPC enabled, or fix execution.rpcUrl",
    );
  }
  const registryOk = chainId !== undefined && (await checkRegistry(client, cfg, chainId, pass, fail));
  const registered = registryOk && (await checkKeys(client, cfg, keys, pass, fail));

  // ── beacon node ──
  const beacon = await checkBeacon(cfg.beacon.url, chainId, opts.genesisValidatorsRoot, pass, fail);
  if (beacon) {
    try {
      const { offsetMs, uncertaintyMs } = await measureClockOffset(`${cfg.beacon.url}/eth/v1/node/version`);
      const max = opts.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS;
      const what = `${Math.abs(offsetMs)} ms ${offsetMs > 0 ? "behind" : "ahead of"} the beacon node's (± ${uncertaintyMs} ms)`;
      if (Math.abs(offsetMs) - uncertaintyMs > max) {
        fail(
          "system clock",
          what,
          `sync this machine's clock (chrony or systemd-timesyncd with NTP); duties are timed to the slot and ${max} ms is the most this check allows`,
        );
      } else if (uncertaintyMs > max) {
        pass(
          "system clock",
          `${what}: the beacon node answers too slowly to bound the skew to ${max} ms; no skew shown`,
        );
      } else pass("system clock", what);
    } catch (error) {
      fail("system clock", `cannot compare with the beacon node (${reasonOf(error)})`, "check that beacon.url answers");
    }
  }

  // ── data dir pinned by an earlier start ──
  if (chainId !== undefined && beacon)
    await checkDataDir(client, cfg, chainId, beacon.genesisValidatorsRoot, pass, fail);

  // ── committees and peers ──
  if (!registered) {
    fail("peers", "not checked: the registry or the key file check failed", "fix the lines above first");
  } else {
    await checkPeers(client, cfg, keys, BigInt(chainId!), line, opts.peerTimeoutMs);
  }
  return allOk;
}

type Pass = (subject: string, detail: string) => void;
type Fail = (subject: string, detail: string, fix: string) => void;

async function checkRegistry(client: PublicClient, cfg: NodeConfigFile, chainId: number, pass: Pass, fail: Fail) {
  const registry = cfg.execution.registry;
  const fix = "set execution.registry to the registry address `npm run deploy` printed for this chain";
  try {
    const code = await client.getCode({ address: registry });
    if (!code || code === "0x") {
      fail("registry", `no contract at ${registry} on chain ${chainId}`, fix);
      return false;
    }
    const operators = await client.readContract({
      address: registry,
      abi: cohortRegistryAbi,
      functionName: "operatorCount",
    });
    await client.readContract({ address: registry, abi: cohortRegistryAbi, functionName: "token" });
    const deployBlock = cfg.execution.deployBlock;
    if (deployBlock > 0n) {
      // Code already there a block before deployBlock means the sync would start after the deployment and miss events.
      const before = await client.getCode({ address: registry, blockNumber: deployBlock - 1n }).catch(() => undefined);
      if (before && before !== "0x") {
        fail(
          "registry",
          `execution.deployBlock ${deployBlock} is after the registry's deployment: the node would miss earlier events`,
          "set execution.deployBlock to the deploy block `npm run deploy` printed (or lower)",
        );
        return false;
      }
    }
    pass("registry", `Cohort registry at ${registry}: ${operators} operator(s) registered`);
    return true;
  } catch (error) {
    fail("registry", `the contract at ${registry} does not answer the registry's views (${reasonOf(error)})`, fix);
    return false;
  }
}

async function checkKeys(client: PublicClient, cfg: NodeConfigFile, keys: NodeKeys, pass: Pass, fail: Fail) {
  const registry = cfg.execution.registry;
  const identity = bytesToHex(keys.identityPublicKey);
  const owner = await client
    .readContract({
      address: registry,
      abi: cohortRegistryAbi,
      functionName: "operatorIdByIdentityKey",
      args: [keccak256(keys.identityPublicKey)],
    })
    .catch(() => 0n);
  const subject = `key file (operator ${cfg.operatorId})`;
  let operator: Awaited<ReturnType<typeof readOperator>>;
  try {
    operator = await readOperator(client, cfg);
  } catch {
    fail(
      subject,
      `operator ${cfg.operatorId} is not registered in ${registry}${owner ? `; this key file's identity is operator ${owner}'s` : ""}`,
      owner
        ? `set operatorId to ${owner}`
        : "register the operator (README: operator guide) with `cohort-node keys --owner …` output, then set operatorId",
    );
    return false;
  }
  if (operator.identityKey.toLowerCase() !== identity.toLowerCase()) {
    fail(
      subject,
      `operator ${cfg.operatorId}'s registered identity key is ${operator.identityKey}, the key file's is ${identity}`,
      owner
        ? `set operatorId to ${owner}, this key file's operator`
        : "use the key file this operator was registered with",
    );
    return false;
  }
  if (operator.encryptionKey.toLowerCase() !== bytesToHex(keys.encryptionPublicKey)) {
    fail(
      subject,
      `the registered encryption key ${operator.encryptionKey} is not the key file's: shares sent to it cannot be opened`,
      "use the key file this operator was registered with",
    );
    return false;
  }
  if (!operator.active) {
    fail(
      subject,
      `operator ${cfg.operatorId} was removed from the registry`,
      "register again (a removed id is never reused)",
    );
    return false;
  }
  const endpoints = await client.readContract({
    address: registry,
    abi: cohortRegistryAbi,
    functionName: "operatorEndpoints",
    args: [cfg.operatorId],
  });
  if (endpoints.length === 0) {
    fail(
      subject,
      `operator ${cfg.operatorId} has published no endpoint: peers cannot reach this node`,
      `publish where p2p listens: setOperatorEndpoints(${cfg.operatorId}, ["/ip4/<public ip>/tcp/${cfg.p2p.port}"])`,
    );
    return false;
  }
  pass(
    subject,
    `opens with the password; identity ${identity} is operator ${cfg.operatorId} "${operator.name}", endpoints ${endpoints.join(", ")}`,
  );
  return true;
}

function readOperator(client: PublicClient, cfg: NodeConfigFile) {
  return client.readContract({
    address: cfg.execution.registry,
    abi: cohortRegistryAbi,
    functionName: "getOperator",
    args: [cfg.operatorId],
  });
}

interface BeaconFacts {
  readonly genesisValidatorsRoot: Hex;
}

async function checkBeacon(
  url: string,
  chainId: number | undefined,
  expectedRoot: Hex | undefined,
  pass: Pass,
  fail: Fail,
): Promise<BeaconFacts | undefined> {
  const get = async (path: string) => {
    const res = await fetch(url + path, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return ((await res.json()) as { data: Record<string, unknown> }).data;
  };
  let version: string;
  let spec: Record<string, unknown>;
  let genesis: Record<string, unknown>;
  try {
    version = String((await get("/eth/v1/node/version"))["version"]);
    spec = await get("/eth/v1/config/spec");
    genesis = await get("/eth/v1/beacon/genesis");
  } catch (error) {
    fail(
      "beacon node",
      `cannot reach ${url} (${reasonOf(error)})`,
      "start the beacon node with its REST API on (Lodestar --rest, Lighthouse --http, Teku --rest-api-enabled), or fix beacon.url",
    );
    return undefined;
  }
  pass("beacon node", `${url} answers (${version})`);

  try {
    const s = await get("/eth/v1/node/syncing");
    const behind = `head slot ${s["head_slot"]}, ${s["sync_distance"]} slot(s) behind`;
    if (s["is_syncing"] === true)
      fail("beacon sync", `syncing: ${behind}`, "wait until the beacon node has synced, then run check again");
    else if (s["el_offline"] === true)
      fail(
        "beacon sync",
        "the beacon node's execution client is offline",
        "start or fix the beacon node's execution client",
      );
    else if (s["is_optimistic"] === true)
      fail(
        "beacon sync",
        `optimistic (${behind}): its execution client is still syncing`,
        "wait until the execution client has synced",
      );
    else pass("beacon sync", `synced, ${behind}`);
  } catch (error) {
    fail(
      "beacon sync",
      `cannot read the sync status (${reasonOf(error)})`,
      "check that beacon.url is a beacon node's REST API",
    );
  }

  const root = String(genesis["genesis_validators_root"]).toLowerCase() as Hex;
  const problems: string[] = [];
  const fixes: string[] = [];
  if (Number(spec["SLOTS_PER_EPOCH"]) !== SLOTS_PER_EPOCH) {
    problems.push(
      `it runs the ${spec["PRESET_BASE"]} preset (${spec["SLOTS_PER_EPOCH"]} slots an epoch), this process ${ACTIVE_PRESET}`,
    );
    fixes.push(`run the node with LODESTAR_PRESET=${spec["PRESET_BASE"]}, as start will need`);
  }
  if (expectedRoot && expectedRoot.toLowerCase() !== root) {
    problems.push(
      `its genesis validators root is ${root}, beacon.genesisValidatorsRoot says ${expectedRoot.toLowerCase()}`,
    );
    fixes.push("point beacon.url at a beacon node of the configured chain");
  }
  const network = chainId === undefined ? undefined : publicNetwork(chainId);
  if (network && network.genesisValidatorsRoot !== root) {
    problems.push(
      `the execution RPC is ${network.name} (chain id ${chainId}) but the beacon node's genesis validators root ${root} is not ${network.name}'s`,
    );
    fixes.push(`point beacon.url at a ${network.name} beacon node (or execution.rpcUrl at the beacon node's chain)`);
  }
  if (problems.length > 0) {
    fail("beacon chain", problems.join("; "), fixes.join("; "));
    return undefined;
  }
  const pinned = expectedRoot ? "as configured" : network ? `${network.name}'s` : "not pinned by the config";
  pass(
    "beacon chain",
    `genesis validators root ${root} (${pinned}), ${spec["PRESET_BASE"]} preset, ${spec["SECONDS_PER_SLOT"]} s slots`,
  );
  return { genesisValidatorsRoot: root };
}

/** The values `start` pinned the data dir to (store/database.ts bindToNetwork), compared read-only. */
async function checkDataDir(
  client: PublicClient,
  cfg: NodeConfigFile,
  chainId: number,
  genesisValidatorsRoot: Hex,
  pass: Pass,
  fail: Fail,
): Promise<void> {
  const file = join(cfg.dataDir, "node.db");
  if (!existsSync(file)) {
    pass("data dir", `${cfg.dataDir} has no database yet: start pins it to this network`);
    return;
  }
  let pins: Map<string, string>;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      pins = new Map(
        (db.prepare("SELECT key, value FROM meta").all() as { key: string; value: string }[]).map((r) => [
          r.key,
          r.value,
        ]),
      );
    } finally {
      db.close();
    }
  } catch (error) {
    fail(
      "data dir",
      `cannot read ${file} (${reasonOf(error)})`,
      "check the file's permissions, or point dataDir at an empty folder",
    );
    return;
  }
  const deployHash = await client
    .getBlock({ blockNumber: cfg.execution.deployBlock })
    .then((b) => b.hash)
    .catch(() => undefined);
  const expected: Record<string, string | undefined> = {
    "network.chain_id": String(chainId),
    "network.registry": cfg.execution.registry,
    "network.deploy_block_hash": deployHash,
    genesis_validators_root: genesisValidatorsRoot,
  };
  const mismatches = Object.entries(expected).flatMap(([key, value]) => {
    const stored = pins.get(key);
    return stored !== undefined && value !== undefined && stored !== value.toLowerCase()
      ? [`${key} ${stored}, now ${value.toLowerCase()}`]
      : [];
  });
  if (mismatches.length > 0) {
    fail(
      "data dir",
      `${cfg.dataDir} belongs to another network (${mismatches.join("; ")})`,
      "point dataDir at an empty folder for this network, or fix execution.rpcUrl, execution.registry or beacon.url",
    );
  } else pass("data dir", `${cfg.dataDir} ${pins.size > 0 ? "is pinned to this network" : "is not pinned yet"}`);
}

async function checkPeers(
  client: PublicClient,
  cfg: NodeConfigFile,
  keys: NodeKeys,
  chainId: bigint,
  line: (l: CheckLine) => void,
  timeoutMs = 5000,
): Promise<void> {
  const db = openDatabase(":memory:");
  const state = new ChainState(db);
  try {
    await chainSyncOf(state, cfg, { client, chainId, encryptionSecret: keys.encryptionSecret }).syncToHead();
  } catch (error) {
    db.close();
    line({
      ok: false,
      subject: "peers",
      detail: `cannot replay the registry's events (${reasonOf(error)})`,
      fix: "check that execution.rpcUrl serves eth_getLogs from execution.deployBlock",
    });
    return;
  }
  const mine = state.validators().filter((v) => v.operatorIds.includes(cfg.operatorId));
  const refused = mine.filter((v) => v.status === "refused");
  for (const v of refused) {
    line({
      ok: false,
      subject: `validator ${bytesToHex(v.publicKey).slice(0, 18)}…`,
      detail: `its registration names us but is refused: ${v.refusal}`,
      fix: "ask its owner to re-register it with shares encrypted to this operator's encryption key",
    });
  }
  const committees = new Map<string, bigint[]>();
  for (const v of mine)
    if (SERVING.has(v.status) && v.shareIndex !== null) committees.set(committeeKey(v.operatorIds), v.operatorIds);
  const operators = new Map(state.operators().map((o) => [o.id, o]));
  db.close();
  if (committees.size === 0) {
    line({
      ok: true,
      subject: "peers",
      detail: `operator ${cfg.operatorId} sits in no committee yet: no peer to reach`,
    });
    return;
  }
  const peerIds = [...new Set([...committees.values()].flat())]
    .filter((id) => id !== cfg.operatorId)
    .sort((a, b) => (a < b ? -1 : 1));
  line({
    ok: true,
    subject: "committees",
    detail: `${[...committees.keys()].join(", ")} (${mine.filter((v) => SERVING.has(v.status)).length} validator(s)); reaching ${peerIds.length} peer(s)`,
  });
  const prober = await createPeerProber(keys.identitySecret);
  try {
    // Probed together, reported in id order.
    const lines = await Promise.all(
      peerIds.map(async (id): Promise<CheckLine> => {
        const o = operators.get(id);
        const subject = `peer ${id}${o ? ` (${o.name})` : ""}`;
        if (!o?.active) {
          return {
            ok: false,
            subject,
            detail: "not an active operator in the registry",
            fix: "its committee cannot reach quorum without it; tell the validators' owners",
          };
        }
        const override = cfg.peers.get(id);
        const addresses = override ? [tcpMultiaddr(override)] : o.endpoints;
        if (addresses.length === 0) {
          return {
            ok: false,
            subject,
            detail: "has published no endpoint",
            fix: `ask operator ${id} to publish theirs (setOperatorEndpoints), or set peers.${id} to "host:port" in the config`,
          };
        }
        const results = await Promise.all(
          addresses.map(async (a) => ({ a, r: await prober.probe(o.identityKey, a, timeoutMs) })),
        );
        const reached = results.find((x) => x.r.ok);
        const source = override ? "config peers override" : "on-chain endpoint";
        if (reached?.r.ok) {
          return {
            ok: true,
            subject,
            detail: `${reached.a} (${source}): TCP, noise handshake, admitted in ${reached.r.ms} ms`,
          };
        }
        const why = results.map(({ a, r }) => (r.ok ? "" : `${a}: ${r.step} failed (${r.reason})`)).join("; ");
        const steps = new Set(results.map(({ r }) => (r.ok ? "" : r.step)));
        return { ok: false, subject, detail: why, fix: peerFix(id, steps) };
      }),
    );
    for (const l of lines) line(l);
  } finally {
    await prober.stop();
  }
}

function peerFix(id: bigint, steps: Set<string>): string {
  if (steps.has("tcp") || steps.has("address"))
    return `nothing answers there: ask operator ${id} whether their node runs and its port is open, or override with peers.${id}`;
  if (steps.has("handshake"))
    return `the node there is not operator ${id}'s registered identity: ask them to fix their endpoint, or fix peers.${id}`;
  return `operator ${id}'s node refused us: its chain sync may be behind, or it knows another registry; ask them to run cohort-node check`;
}
