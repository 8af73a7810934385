/**
 * One operator's node process: chain events → node state → one committee node per operator set we serve.
 *
 * The registry is the source of truth. The chain sync writes it into SQLite; after every sync the plan of committees
 * is recomputed, and a committee whose validator set changed is restarted with the new set (its consensus and
 * slashing state live in the same database, so a restart is safe at any moment). Shares stay HPKE-encrypted at rest
 * (the registry payload is what we store); they are decrypted only into the signer of a running committee node.
 */
import { join } from "node:path";
import { openShare, zeroize } from "@cohort/sdk";
import { type Address, bytesToHex, createPublicClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  type CommitteeSpec,
  committeeFingerprint,
  committeeKey as committeeKeyOf,
  committeePortOffset,
  planCommittees,
  type ServedValidator,
} from "../chain/committees.js";
import { ChainSync, sleep } from "../chain/sync.js";
import type { NodeConfigFile } from "../config/node-config.js";
import { type BeaconChain, connectBeacon } from "../duties/beacon.js";
import type { NodeKeys } from "../keys/key-file.js";
import { type Logger, reasonOf } from "../log.js";
import { MiniPoolService } from "../pool/minipools.js";
import { OracleReporter } from "../pool/oracle.js";
import type { CommitteeValidator } from "../sigagg/threshold-sigagg.js";
import { ShareSigner, type ValidatorShare } from "../signer/share-signer.js";
import { SlashingProtection } from "../signer/slashing-protection.js";
import { ChainState, type ValidatorStatus } from "../store/chain-state.js";
import { ConsensusStateStore } from "../store/consensus-state.js";
import { type Db, openDatabase } from "../store/database.js";
import { MiniPoolStore } from "../store/minipools.js";
import { type OperatorNode, startOperatorNode } from "./node.js";

/**
 * Ports one operator uses above its base port; every member must use the same numbers. Committee hosts take
 * `base + offset`, DKG hosts `base + 50 + offset`, offset in 0..49 derived from the operator set.
 */
export const COMMITTEE_PORT_SPAN = 100;
const HALF_SPAN = COMMITTEE_PORT_SPAN / 2;
/** Per DKG round: generous, since members learn of a mini-pool up to one poll interval apart. */
const DKG_ROUND_MS = 20_000;

export class OperatorIdentityError extends Error {
  override readonly name = "OperatorIdentityError";
}

export interface RunningOperator {
  /** Committees running now, by key ("1-2-3-4"). */
  committees(): ReadonlyMap<string, OperatorNode>;
  /** The first committee's API URL when `api` is configured (one API per process is the next step). */
  apiUrl(): string | undefined;
  stop(): Promise<void>;
}

interface Running {
  readonly fingerprint: string;
  readonly node: OperatorNode;
}

export async function runOperator(cfg: NodeConfigFile, keys: NodeKeys, log: Logger): Promise<RunningOperator> {
  const db = openDatabase(join(cfg.dataDir, "node.db"));
  const state = new ChainState(db);
  const client = createPublicClient({ transport: http(cfg.execution.rpcUrl) });
  const chainId = BigInt(await client.getChainId());
  const sync = new ChainSync(state, {
    client,
    registry: cfg.execution.registry,
    chainId,
    operatorId: cfg.operatorId,
    encryptionSecret: keys.encryptionSecret,
    confirmations: cfg.execution.confirmations,
    deployBlock: cfg.execution.deployBlock,
    log,
  });
  const protection = new SlashingProtection(db);
  const safetyStore = new ConsensusStateStore(db);
  const exits = new Set<string>();
  const beacon = cfg.execution.miniPools ? await connectBeacon(cfg.beacon.url) : undefined;
  const miniPools = beacon ? miniPoolService(cfg, keys, beacon, { client, chainId, db, state, log }) : undefined;
  const oracle = beacon
    ? new OracleReporter({
        client,
        rpcUrl: cfg.execution.rpcUrl,
        miniPools: cfg.execution.miniPools!,
        operatorId: cfg.operatorId,
        account: identityAccount(keys),
        beacon,
        periodEpochs: cfg.execution.reportPeriodEpochs,
        log,
      })
    : undefined;
  const served = () => [
    ...registryValidators(state, { chainId, registry: cfg.execution.registry, ...cfg, keys }),
    ...(miniPools?.servedValidators() ?? []),
  ];
  const running = new Map<string, Running>();
  const abort = new AbortController();
  let stopped = false;

  const reconcile = async () => {
    checkIdentity(state, cfg.operatorId, keys.identityPublicKey);
    const plan = planCommittees(served(), (id) => state.operator(id), cfg.operatorId);
    for (const s of plan.skipped) log.warn("cannot run a committee", s);
    const wanted = new Map(plan.committees.map((c) => [c.key, c]));
    for (const [key, r] of running) {
      const next = wanted.get(key);
      if (next && committeeFingerprint(next) === r.fingerprint) continue;
      running.delete(key);
      await r.node.stop();
      log.info("committee stopped", { committee: key, reason: next ? "validator set changed" : "no validators left" });
    }
    let failed = 0;
    for (const [key, spec] of wanted) {
      if (running.has(key) || stopped) continue;
      try {
        const withApi = ![...running.values()].some((r) => r.node.apiUrl);
        const node = await startCommittee(spec, { cfg, keys, chainId, protection, safetyStore, log, withApi });
        running.set(key, { fingerprint: committeeFingerprint(spec), node });
        log.info("committee started", { committee: key, member: spec.member, validators: spec.validators.length });
      } catch (error) {
        failed++;
        log.error("could not start a committee; retrying", { committee: key, reason: reasonOf(error) });
      }
    }
    requestExits();
    return failed;
  };

  // An owner's exit request: every member of the committee runs the exit duty once per process; the beacon node
  // dedups submissions, so a restart re-requesting it is harmless.
  const requestExits = () => {
    for (const v of state.validators()) {
      const key = Buffer.from(v.publicKey).toString("hex");
      if (v.status !== "exit_requested" || v.shareIndex === null || exits.has(key)) continue;
      const node = running.get(committeeKeyOf(v.operatorIds))?.node;
      if (!node) continue;
      exits.add(key);
      node.requestExit(v.publicKey).then(
        () => log.info("voluntary exit submitted", { validator: `0x${key}` }),
        (e: unknown) => {
          exits.delete(key); // retried after the next chain event
          log.warn("voluntary exit failed", { validator: `0x${key}`, reason: reasonOf(e) });
        },
      );
    }
  };

  // The first round runs before we return, so a wrong key file or registry fails `start` at once.
  await sync.syncToHead();
  await miniPools?.poll();
  let retry = (await reconcile()) > 0;
  const loop = (async () => {
    let backoff = cfg.execution.pollMs;
    while (!abort.signal.aborted) {
      await sleep(backoff, abort.signal);
      if (abort.signal.aborted) break;
      try {
        const registryChanged = (await sync.syncToHead()) > 0;
        const miniPoolsChanged = (await miniPools?.poll()) ?? false;
        if (registryChanged || miniPoolsChanged || retry) retry = (await reconcile()) > 0;
        await oracle?.tick().catch((e: unknown) => log.warn("oracle report failed; retrying", { reason: reasonOf(e) }));
        backoff = cfg.execution.pollMs;
      } catch (error) {
        backoff = Math.min(backoff * 2, 60_000);
        log.warn("chain sync failed; retrying", { reason: reasonOf(error), retryInMs: backoff });
      }
    }
  })();

  return {
    committees: () => new Map([...running].map(([k, r]) => [k, r.node])),
    apiUrl: () => [...running.values()].find((r) => r.node.apiUrl)?.node.apiUrl,
    async stop() {
      stopped = true;
      abort.abort();
      await loop;
      await miniPools?.stop();
      for (const r of running.values()) await r.node.stop();
      running.clear();
      db.close();
    },
  };
}

interface CommitteeContext {
  readonly cfg: NodeConfigFile;
  readonly keys: NodeKeys;
  readonly chainId: bigint;
  readonly protection: SlashingProtection;
  readonly safetyStore: ConsensusStateStore;
  readonly log: Logger;
  readonly withApi: boolean;
}

async function startCommittee(spec: CommitteeSpec, ctx: CommitteeContext): Promise<OperatorNode> {
  const { cfg, keys, log } = ctx;
  const shares: ValidatorShare[] = [];
  const validators: CommitteeValidator[] = [];
  let threshold = 0;
  let signer: ShareSigner;
  try {
    for (const v of spec.validators) {
      const opened = await v.open();
      shares.push({ validatorPublicKey: v.publicKey, secret: opened.secret });
      validators.push({ publicKey: v.publicKey, sharePublicKeys: opened.sharePublicKeys });
      threshold = opened.threshold;
    }
    signer = new ShareSigner(ctx.protection, shares);
  } finally {
    // ShareSigner zeroizes what it loads; this also covers the shares opened before a later one failed to open.
    for (const s of shares) zeroize(s.secret);
  }
  const { listen, peers } = network(cfg, spec.operatorIds, committeePortOffset(spec.operatorIds, HALF_SPAN));
  return startOperatorNode({
    member: spec.member,
    identitySecret: keys.identitySecret,
    committee: spec.identityKeys,
    signer,
    validators,
    threshold,
    beaconUrl: cfg.beacon.url,
    listen,
    peers,
    log,
    ...(ctx.withApi && cfg.api ? { api: cfg.api } : {}),
    safetyStore: ctx.safetyStore,
    name: `operator ${cfg.operatorId}`,
  });
}

/** The identity key is an Ethereum key too: nodes send mini-pool and oracle transactions from its address. */
function identityAccount(keys: NodeKeys) {
  return privateKeyToAccount(bytesToHex(keys.identitySecret));
}

function miniPoolService(
  cfg: NodeConfigFile,
  keys: NodeKeys,
  beacon: BeaconChain,
  ctx: { client: PublicClient; chainId: bigint; db: Db; state: ChainState; log: Logger },
): MiniPoolService {
  return new MiniPoolService(new MiniPoolStore(ctx.db), {
    client: ctx.client,
    rpcUrl: cfg.execution.rpcUrl,
    miniPools: cfg.execution.miniPools!,
    chainId: ctx.chainId,
    operatorId: cfg.operatorId,
    account: identityAccount(keys),
    identitySecret: keys.identitySecret,
    encryptionSecret: keys.encryptionSecret,
    encryptionPublicKey: keys.encryptionPublicKey,
    confirmations: cfg.execution.confirmations,
    deployBlock: cfg.execution.deployBlock,
    identityKeyOf: (id) => ctx.state.operator(id)?.identityKey,
    dkgNetwork: (ids) => network(cfg, ids, HALF_SPAN + committeePortOffset(ids, HALF_SPAN)),
    forkVersion: beacon.config.GENESIS_FORK_VERSION,
    deadlineMs: DKG_ROUND_MS,
    log: ctx.log,
  });
}

/** Statuses whose duties still run: an exit request keeps the validator attesting until the exit is processed. */
const SERVING: readonly ValidatorStatus[] = ["active", "exit_requested"];

/** Validators registered by stakers, from the registry's events. */
function registryValidators(
  state: ChainState,
  ctx: { chainId: bigint; registry: Address; operatorId: bigint; keys: NodeKeys },
): ServedValidator[] {
  return state
    .validators()
    .filter((v) => v.shareIndex !== null)
    .map((v) => ({
      publicKey: v.publicKey,
      operatorIds: v.operatorIds,
      serving: SERVING.includes(v.status),
      // Re-verified on every start: a share that no longer opens is refused here as it was at sync time.
      open: () =>
        openShare({ ...v, chainId: ctx.chainId, registry: ctx.registry }, ctx.operatorId, ctx.keys.encryptionSecret),
    }));
}

/** A key file that is not the one registered for `operatorId` would make every peer refuse us: fail loudly instead. */
function checkIdentity(state: ChainState, operatorId: bigint, identityPublicKey: Uint8Array): void {
  const record = state.operator(operatorId);
  if (!record) return; // not synced that far yet; peers authenticate us by the registered key anyway
  if (Buffer.compare(Buffer.from(record.identityKey), Buffer.from(identityPublicKey)) !== 0) {
    throw new OperatorIdentityError(
      `the key file's identity key is not the one registered for operator ${operatorId}; check operatorId and keyFile`,
    );
  }
}

/** Our listen address and the peers' addresses for one operator set, `offset` above every base port. */
function network(cfg: NodeConfigFile, operatorIds: readonly bigint[], offset: number) {
  const peers = new Map<number, string[]>();
  operatorIds.forEach((id, member) => {
    const peer = cfg.peers.get(id);
    if (peer && id !== cfg.operatorId) peers.set(member, [multiaddr(peer.host, peer.port + offset)]);
  });
  return { listen: [multiaddr(cfg.p2p.host, cfg.p2p.port + offset)], peers };
}

function multiaddr(host: string, port: number): string {
  const proto = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? "ip4" : host.includes(":") ? "ip6" : "dns4";
  return `/${proto}/${host}/tcp/${port}`;
}
