/**
 * Wires one operator node, once: beacon connection, p2p channels, consensus engine, partial-signature exchange,
 * SigAgg and the attester, proposer and exit workflows, connected one way (duties → consensus → signer → parsigex →
 * sigagg → beacon).
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import type { phase0 } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "viem";
import { NodeMetrics } from "../api/metrics.js";
import { startApi } from "../api/server.js";
import { StatusBook } from "../api/status.js";
import { maxEncodedBytes } from "../consensus/codec.js";
import { Secp256k1Signer, wasmSecp256k1Verifier } from "../consensus/crypto.js";
import { ConsensusEngine } from "../consensus/engine.js";
import type { SafetyStore } from "../consensus/types.js";
import { validatorIndices } from "../duties/attester.js";
import { connectBeacon } from "../duties/beacon.js";
import { AttestationFetcher } from "../duties/fetcher.js";
import { ProposerScheduler } from "../duties/proposer-scheduler.js";
import { AttesterScheduler } from "../duties/scheduler.js";
import { everySlot } from "../duties/slot-clock.js";
import { ValidatorIndexBook } from "../duties/validator-indices.js";
import { type Logger, silentLogger } from "../log.js";
import { P2PNode } from "../p2p/transport.js";
import { MAX_FRAME_BYTES, PartialKind } from "../parsigex/codec.js";
import { shareIndexOf, TransportParSigEx } from "../parsigex/exchange.js";
import { type CommitteeValidator, ThresholdSigAgg } from "../sigagg/threshold-sigagg.js";
import type { ShareSigner } from "../signer/share-signer.js";
import { AttesterWorkflow, type NodeEvent } from "./attester.js";
import { CombinedSignatures } from "./combined.js";
import { ExitWorkflow } from "./exit.js";
import { ProposerWorkflow } from "./proposer.js";
import { SyncCommitteeWorkflow } from "./sync-committee.js";

export class NodeConfigError extends Error {
  override readonly name = "NodeConfigError";
}

export interface OperatorNodeConfig {
  /** Position of this operator in the sorted committee (share index = member + 1). */
  readonly member: number;
  /** 32-byte secp256k1 identity secret: the libp2p key and the consensus vote key. */
  readonly identitySecret: Uint8Array;
  /** 33-byte compressed identity keys of the committee, in member order. */
  readonly committee: readonly Uint8Array[];
  /** 32-byte committee id for consensus instances; defaults to sha256 of the committee's identity keys. */
  readonly committeeId?: Uint8Array;
  readonly signer: ShareSigner;
  readonly validators: readonly CommitteeValidator[];
  readonly threshold: number;
  readonly beaconUrl: string;
  readonly listen: readonly string[];
  /** Known peer addresses by member index; more can be added later with `setPeerAddrs`. */
  readonly peers?: ReadonlyMap<number, readonly string[]>;
  readonly log?: Logger;
  readonly onEvent?: (e: NodeEvent) => void;
  /** Serve /health, /metrics and /status (loopback unless a host is given). */
  readonly api?: { readonly host?: string; readonly port?: number };
  /**
   * Where HotStuff's safety state is written before each vote (the node's SQLite file in production:
   * `ConsensusStateStore`). Without it a node restarted within a slot could vote twice in one instance.
   */
  readonly safetyStore?: SafetyStore;
  /** How /status names this node, e.g. "operator 3"; defaults to its committee position. */
  readonly name?: string;
}

export interface OperatorNode {
  readonly p2p: P2PNode;
  /** Base URL of /health, /metrics and /status when `api` was configured. */
  readonly apiUrl?: string;
  listenAddrs(): string[];
  setPeerAddrs(member: number, addrs: readonly string[]): void;
  /**
   * Exits a committee validator (call it on the owner's ExitRequested event, on every member): consensus on the
   * VoluntaryExit, threshold signature, submission. Resolves with what was submitted.
   */
  requestExit(validatorPubkey: Uint8Array): Promise<phase0.SignedVoluntaryExit>;
  stop(): Promise<void>;
}

/**
 * The largest consensus value: a whole block (gossip's 10 MiB cap covers any block a beacon node may produce).
 * Frames are length-checked against it, not allocated at it.
 */
const CONSENSUS_MAX_VALUE_BYTES = 10 * 1024 * 1024;

export async function startOperatorNode(cfg: OperatorNodeConfig): Promise<OperatorNode> {
  const log = cfg.log ?? silentLogger;
  checkConfig(cfg);
  const chain = await connectBeacon(cfg.beaconUrl);
  const indices = new ValidatorIndexBook(
    chain,
    cfg.validators.map((v) => v.publicKey),
    log,
  );
  await indices.refresh();

  const p2p = await P2PNode.create({ privateKey: cfg.identitySecret, committee: cfg.committee, listen: cfg.listen });
  if (p2p.self !== cfg.member) {
    await p2p.stop();
    throw new NodeConfigError(`identity key is member ${p2p.self}, not ${cfg.member}; check the committee order`);
  }
  // Both channels exist before any peer address is known, so no early frame finds no handler.
  const consensusCh = await p2p.channel("consensus", {
    maxFrameBytes: maxEncodedBytes(CONSENSUS_MAX_VALUE_BYTES),
  });
  const parsigCh = await p2p.channel("parsig", { maxFrameBytes: MAX_FRAME_BYTES });
  const slotMs = chain.secondsPerSlot * 1000;
  const engine = new ConsensusEngine({
    committee: cfg.committee,
    self: cfg.member,
    signer: new Secp256k1Signer(cfg.identitySecret),
    verifier: wasmSecp256k1Verifier,
    transport: consensusCh,
    clock: () => performance.now(),
    // Several views must fit in the 2/3 slot a duty has left; a view change costs one timeout.
    baseTimeoutMs: Math.max(100, slotMs / 6),
    maxValueBytes: CONSENSUS_MAX_VALUE_BYTES,
    ...(cfg.safetyStore ? { safetyStore: cfg.safetyStore } : {}),
  });
  const parsigex = new TransportParSigEx({
    transport: parsigCh,
    validators: cfg.validators.map((v) => v.publicKey),
    log,
  });
  const sigagg = new ThresholdSigAgg(cfg.validators, cfg.threshold, log);
  parsigex.subscribe((_from, partials) => {
    for (const p of partials) sigagg.add(p);
  });
  const scheduler = new AttesterScheduler(chain, () => indices.list(), log);
  const metrics = new NodeMetrics(() => p2p.connectedMembers());
  const status = new StatusBook(cfg.name ?? `member ${cfg.member}`, () =>
    cfg.validators.map((v) => bytesToHex(v.publicKey)),
  );
  // Healthy while this node and its connected peers could still form a threshold.
  const api = cfg.api
    ? await startApi(metrics, status, { ...cfg.api, healthy: () => p2p.connectedMembers() + 1 >= cfg.threshold })
    : undefined;
  const committeeId = cfg.committeeId ?? sha256(Buffer.concat(cfg.committee.map((k) => Buffer.from(k))));
  const onEvent = (e: NodeEvent) => {
    metrics.record(e);
    status.record(e);
    cfg.onEvent?.(e);
  };
  const combined = new CombinedSignatures(sigagg, [
    PartialKind.randao,
    PartialKind.block,
    PartialKind.voluntaryExit,
    PartialKind.syncMessage,
    PartialKind.syncSelectionProof,
    PartialKind.contributionAndProof,
  ]);
  const shared = {
    chain,
    committeeId,
    shareIndex: shareIndexOf(cfg.member),
    consensus: engine,
    signer: cfg.signer,
    parsigex,
    sigagg,
    combined,
    log,
    onEvent,
  };
  const proposerScheduler = new ProposerScheduler(chain, () => indices.set(), log);
  const proposer = new ProposerWorkflow({ ...shared, dutyAt: (slot) => proposerScheduler.dutyAt(slot) });
  const exits = new ExitWorkflow({
    ...shared,
    indexOf: async (pubkey) => (await validatorIndices(chain, [pubkey])).get(bytesToHex(pubkey).slice(2)),
  });
  const workflow = new AttesterWorkflow({
    chain,
    committeeId,
    shareIndex: shareIndexOf(cfg.member),
    fetcher: new AttestationFetcher(chain),
    dutiesAt: (slot) => scheduler.dutiesAt(slot),
    consensus: engine,
    signer: cfg.signer,
    parsigex,
    sigagg,
    log,
    onEvent,
  });
  const unsubscribe = scheduler.subscribe((duty, deadline) => {
    const horizon = duty.slot - BigInt(2 * SLOTS_PER_EPOCH);
    sigagg.pruneBelow(horizon);
    workflow.pruneBelow(Number(horizon));
    parsigCh.pruneBelow(duty.slot - BigInt(SLOTS_PER_EPOCH));
    // Every earlier slot's deadline (its end) has passed: an undecided duty there is now a missed one.
    metrics.closeSlotsBefore(Number(duty.slot));
    combined.pruneBelow(horizon);
    workflow.onDuty(duty, deadline);
  });
  const unsubscribeProposer = proposerScheduler.subscribe((duty, deadline) => proposer.onDuty(duty, deadline));
  // Inert before Altair: the workflow returns at once on a phase0 slot.
  const sync = new SyncCommitteeWorkflow({ ...shared, indices: () => indices.list() });
  const unsubscribeSync = everySlot(chain, slotMs / 3, (slot, deadline) => sync.onSlot(slot, deadline));
  // Halfway through each epoch's first slot: validators activated since are found before the next epoch's duties load.
  const unsubscribeIndices = everySlot(chain, slotMs / 2, (slot) => {
    if (slot % SLOTS_PER_EPOCH === 0) void indices.refresh();
  });
  for (const [member, addrs] of cfg.peers ?? []) p2p.setPeerAddrs(member, addrs);
  log.info("operator node started", { member: cfg.member, validators: indices.size });

  return {
    p2p,
    ...(api ? { apiUrl: api.url } : {}),
    listenAddrs: () => p2p.listenAddrs(),
    setPeerAddrs: (member, addrs) => p2p.setPeerAddrs(member, addrs),
    requestExit: (pubkey) => exits.requestExit(pubkey),
    async stop() {
      unsubscribe();
      unsubscribeProposer();
      unsubscribeSync();
      unsubscribeIndices();
      combined.stop();
      workflow.stop();
      await engine.stop();
      await p2p.stop();
      await api?.close();
      log.info("operator node stopped", { member: cfg.member });
    },
  };
}

function checkConfig(cfg: OperatorNodeConfig): void {
  const n = cfg.committee.length;
  if (cfg.member < 0 || cfg.member >= n)
    throw new NodeConfigError(`member ${cfg.member} is outside the committee of ${n}`);
  if (cfg.threshold < 1 || cfg.threshold > n)
    throw new NodeConfigError(`threshold ${cfg.threshold} must be in 1..${n}`);
  for (const v of cfg.validators) {
    if (v.sharePublicKeys.length !== n) {
      throw new NodeConfigError("each validator needs one share public key per committee member; check the keyshares");
    }
    if (!cfg.signer.has(v.publicKey)) {
      throw new NodeConfigError("the share signer lacks a share of a committee validator; import its keyshares");
    }
  }
}
