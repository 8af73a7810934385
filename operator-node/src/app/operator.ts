/**
 * One operator's node process: chain events → node state → the one node (app/node.ts) that serves every committee
 * the operator sits in, over one libp2p host, one beacon client and one API.
 *
 * The registry is the source of truth. The chain sync writes it into SQLite; after every sync the plan of committees
 * is recomputed and handed to the node, which applies it at the next epoch boundary without restarting anything.
 * Peers are found from the registry (each operator publishes the multiaddrs of its node); the configuration's
 * `peers` only override. Shares stay HPKE-encrypted at rest (the registry payload is what we store); they are
 * decrypted only into the signer, once per validator, when it first joins the plan.
 */
import { join } from "node:path";
import { openShare, zeroize } from "@cohort/sdk";
import { multiaddr as parseMultiaddr } from "@multiformats/multiaddr";
import { type Address, bytesToHex, createPublicClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  type CommitteeSpec,
  committeeKey as committeeKeyOf,
  planCommittees,
  type ServedValidator,
} from "../chain/committees.js";
import { feeRecipientsOf, miniPoolsPool } from "../chain/fee-recipients.js";
import { chainSyncOf, sleep } from "../chain/sync.js";
import { type NodeConfigFile, tcpMultiaddr } from "../config/node-config.js";
import { type BeaconChain, connectBeacon } from "../duties/beacon.js";
import { HandoverGate } from "../duties/handover.js";
import type { NodeKeys } from "../keys/key-file.js";
import { type Logger, reasonOf } from "../log.js";
import { MiniPoolService } from "../pool/minipools.js";
import { OracleReporter } from "../pool/oracle.js";
import type { CommitteeValidator } from "../sigagg/threshold-sigagg.js";
import { ShareSigner } from "../signer/share-signer.js";
import { SlashingProtection } from "../signer/slashing-protection.js";
import { ChainState, type OperatorRecord, type ValidatorStatus } from "../store/chain-state.js";
import { ConsensusStateStore } from "../store/consensus-state.js";
import { bindToNetwork, type Db, openDatabase } from "../store/database.js";
import { MiniPoolStore } from "../store/minipools.js";
import type { Transport } from "../workflow.js";
import type { Committee } from "./committee.js";
import { type CommitteePlanEntry, type NodeConfig, type OperatorNode, startNode } from "./node.js";

/** Per DKG round: generous, since members learn of a mini-pool up to one poll interval apart. */
const DKG_ROUND_MS = 20_000;

export class OperatorIdentityError extends Error {
  override readonly name = "OperatorIdentityError";
}

export interface RunningOperator {
  /** Committees running now, by label ("1-2-3-4"). */
  committees(): ReadonlyMap<string, Committee>;
  /** The node's API URL when `api` is configured. */
  apiUrl(): string | undefined;
  readonly node: OperatorNode;
  stop(): Promise<void>;
}

/** `test`: hooks for tests only (NodeConfig's TEST ONLY fields); no configuration file reaches them. */
export async function runOperator(
  cfg: NodeConfigFile,
  keys: NodeKeys,
  log: Logger,
  test: Pick<NodeConfig, "rewriteFeeRecipientForTest"> = {},
): Promise<RunningOperator> {
  const db = openDatabase(join(cfg.dataDir, "node.db"));
  const state = new ChainState(db);
  const client = createPublicClient({ transport: http(cfg.execution.rpcUrl) });
  const chainId = BigInt(await client.getChainId());
  const beacon = await connectBeacon(cfg.beacon.url);
  try {
    bindToNetwork(
      db,
      {
        "network.chain_id": String(chainId),
        "network.registry": cfg.execution.registry,
        // Same chain id and registry address on a new dev chain (anvil's addresses are deterministic): the block hash differs.
        "network.deploy_block_hash": (await client.getBlock({ blockNumber: cfg.execution.deployBlock })).hash,
        genesis_validators_root: bytesToHex(beacon.genesisValidatorsRoot),
      },
      cfg.dataDir,
    );
  } catch (error) {
    db.close();
    throw error;
  }
  const sync = chainSyncOf(state, cfg, { client, chainId, encryptionSecret: keys.encryptionSecret, log });
  const protection = new SlashingProtection(db);
  const signer = new ShareSigner(protection, []);
  const exits = new Set<string>();
  // Ceremonies run over the node's host, which starts after the first sync: bound late.
  let node: OperatorNode | undefined;
  const dkgChannel = (committee: readonly Uint8Array[]) => {
    if (!node) throw new Error("the node's host is not up yet; the ceremony is retried on the next poll");
    return node.dkgChannel(committee);
  };
  const miniPools = cfg.execution.miniPools
    ? miniPoolService(cfg, keys, beacon, { client, chainId, db, state, log, dkgChannel })
    : undefined;
  // Mini-pool validators pay the pool contract (chain/fee-recipients.ts).
  const pool = cfg.execution.miniPools ? await miniPoolsPool(client, cfg.execution.miniPools) : undefined;
  const oracle = cfg.execution.miniPools
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

  // The first sync runs before the node starts, so a wrong key file or registry fails `start` at once.
  await sync.syncToHead();
  checkIdentity(state, cfg.operatorId, keys.identityPublicKey);
  // Only operators registered on-chain may connect: a stranger is refused once noise has proven its key.
  const admitted = new Set<string>();
  node = await startNode(
    {
      identitySecret: keys.identitySecret,
      beaconUrl: cfg.beacon.url,
      listen: [tcpMultiaddr(cfg.p2p)],
      admit: (key) => admitted.has(bytesToHex(key)),
      log,
      ...(cfg.api ? { api: cfg.api } : {}),
      safetyStore: new ConsensusStateStore(db),
      name: `operator ${cfg.operatorId}`,
      peerName: (key) => {
        const op = state.operators().find((o) => Buffer.from(o.identityKey).toString("hex") === key);
        return op ? `operator ${op.id}` : undefined;
      },
      ...test,
    },
    signer,
  );
  const peers = new PeerBook(node, cfg, log);
  await miniPools?.poll();
  const abort = new AbortController();

  const handover = new HandoverGate({
    chain: beacon,
    blockTime: async (blockNumber) => Number((await client.getBlock({ blockNumber })).timestamp),
    cleared: (publicKey, epoch) => state.setHandoverEpoch(publicKey, epoch),
    log,
  });
  const reconcile = async (): Promise<number> => {
    checkIdentity(state, cfg.operatorId, keys.identityPublicKey);
    const operators = state.operators();
    admitted.clear();
    for (const o of operators) if (o.active && o.id !== cfg.operatorId) admitted.add(bytesToHex(o.identityKey));
    peers.update(operators);
    const moves = state
      .validators()
      .flatMap((v) =>
        v.movedInBlock !== null && v.handoverEpoch === null && v.shareIndex !== null && SERVING.includes(v.status)
          ? [{ publicKey: v.publicKey, movedInBlock: v.movedInBlock }]
          : [],
      );
    const held = await handover.held(moves);
    const servable = served().filter((v) => !held.has(bytesToHex(v.publicKey)));
    const miniPoolKeys = new Set((miniPools?.servedValidators() ?? []).map((v) => bytesToHex(v.publicKey)));
    node.setFeeRecipients(
      feeRecipientsOf({ registry: state, ...(pool ? { miniPools: { pool, keys: miniPoolKeys } } : {}) }, servable),
    );
    const plan = planCommittees(servable, (id) => state.operator(id), cfg.operatorId);
    for (const s of plan.skipped) log.warn("cannot run a committee", s);
    const { entries, failed } = await openPlan(plan.committees, signer, log);
    for (const f of node.plan(entries))
      log.error("cannot run a committee", { committee: f.label, reason: reasonOf(f.error) });
    requestExits();
    // Held moves are asked about again on every poll until they may start.
    return failed + held.size;
  };

  // An owner's exit request: every member of the committee runs the exit duty once per process; the beacon node
  // dedups submissions, so a restart re-requesting it is harmless.
  const requestExits = () => {
    for (const v of state.validators()) {
      const key = Buffer.from(v.publicKey).toString("hex");
      if (v.status !== "exit_requested" || v.shareIndex === null || exits.has(key)) continue;
      const committee = node.committees().get(committeeKeyOf(v.operatorIds));
      if (!committee?.serves(v.publicKey)) continue;
      exits.add(key);
      node.requestExit(v.publicKey).then(
        () => log.info("voluntary exit submitted", { validator: `0x${key}` }),
        (e: unknown) => {
          exits.delete(key); // retried after the next chain event
          log.warn("voluntary exit failed", { validator: `0x${key}`, reason: reasonOf(e) });
        },
      );
    }
    // A mini-pool's exit (ExitRequested on the mini-pools contract) runs the same duty.
    miniPools?.requestExits(
      (publicKey) => node!.requestExit(publicKey),
      (e) => node!.committees().get(committeeKeyOf(e.operatorIds))?.serves(e.publicKey) ?? false,
    );
  };

  let retry: boolean;
  try {
    retry = (await reconcile()) > 0;
  } catch (error) {
    await node.stop();
    db.close();
    throw error;
  }
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
    node,
    committees: () => node.committees(),
    apiUrl: () => node.apiUrl,
    async stop() {
      abort.abort();
      await loop;
      await miniPools?.stop();
      await node.stop();
      db.close();
    },
  };
}

/**
 * Opens the shares of validators that join the plan (once each: the signer keeps them) and turns the plan into the
 * node's entries. A share that no longer opens leaves its validator out, logged, and is retried at the next sync.
 */
async function openPlan(
  committees: readonly CommitteeSpec[],
  signer: ShareSigner,
  log: Logger,
): Promise<{ entries: CommitteePlanEntry[]; failed: number }> {
  const entries: CommitteePlanEntry[] = [];
  let failed = 0;
  for (const spec of committees) {
    const validators: CommitteeValidator[] = [];
    let threshold = 0;
    for (const v of spec.validators) {
      let opened: Awaited<ReturnType<ServedValidator["open"]>>;
      try {
        opened = await v.open();
      } catch (error) {
        failed++;
        log.error("cannot open a validator's share; retrying", {
          committee: spec.key,
          validator: bytesToHex(v.publicKey),
          reason: reasonOf(error),
        });
        continue;
      }
      try {
        // Already held: drop the fresh copy. Otherwise the signer takes (and zeroizes) it.
        if (!signer.has(v.publicKey)) signer.add([{ validatorPublicKey: v.publicKey, secret: opened.secret }]);
      } finally {
        zeroize(opened.secret);
      }
      validators.push({ publicKey: v.publicKey, sharePublicKeys: opened.sharePublicKeys });
      threshold = opened.threshold;
    }
    if (validators.length === 0) continue;
    entries.push({ label: spec.key, members: spec.identityKeys, member: spec.member, threshold, validators });
  }
  return { entries, failed };
}

/**
 * Where each operator's node listens: the configuration's `peers` override, else the multiaddrs it published in
 * the registry. A change is handed to the host, which redials; an address that does not parse is logged with the
 * operator id once per change and skipped.
 */
class PeerBook {
  private readonly seen = new Map<bigint, string>();

  constructor(
    private readonly node: OperatorNode,
    private readonly cfg: NodeConfigFile,
    private readonly log: Logger,
  ) {}

  update(operators: readonly OperatorRecord[]): void {
    for (const o of operators) {
      if (o.id === this.cfg.operatorId) continue;
      const override = this.cfg.peers.get(o.id);
      const published = override ? [tcpMultiaddr(override)] : o.endpoints;
      const fingerprint = JSON.stringify(published);
      const previous = this.seen.get(o.id);
      if (previous === fingerprint) continue;
      this.seen.set(o.id, fingerprint);
      const usable = published.filter((a) => this.usable(o.id, a));
      // The first sighting is the start; a change later is an operator moving its node, and peers redial at once.
      if (previous !== undefined && usable.length > 0) {
        this.log.info("an operator's node moved; redialing it", { operator: o.id, addresses: usable.join(" ") });
      }
      if (usable.length === 0 && o.active) {
        this.log.warn("no usable address for an operator's node; it cannot be reached until it publishes one", {
          operator: o.id,
        });
      }
      this.node.setPeerAddrs(o.identityKey, usable);
    }
  }

  private usable(operatorId: bigint, addr: string): boolean {
    try {
      const ma = parseMultiaddr(addr);
      const protos = ma.getComponents().map((c) => c.name);
      if (!["ip4", "ip6", "dns4", "dns6", "dns"].includes(protos[0] ?? "") || protos[1] !== "tcp") {
        throw new Error("expected /ip4|ip6|dns4|dns6/<host>/tcp/<port>");
      }
      return true;
    } catch (error) {
      this.log.warn("ignored an operator's published address", {
        operator: operatorId,
        address: addr,
        reason: reasonOf(error),
      });
      return false;
    }
  }
}

/** The identity key is an Ethereum key too: nodes send mini-pool and oracle transactions from its address. */
function identityAccount(keys: NodeKeys) {
  return privateKeyToAccount(bytesToHex(keys.identitySecret));
}

function miniPoolService(
  cfg: NodeConfigFile,
  keys: NodeKeys,
  beacon: BeaconChain,
  ctx: {
    client: PublicClient;
    chainId: bigint;
    db: Db;
    state: ChainState;
    log: Logger;
    dkgChannel: (committee: readonly Uint8Array[]) => Transport;
  },
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
    dkgChannel: ctx.dkgChannel,
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
