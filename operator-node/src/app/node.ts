/**
 * The operator's node, wired once: one libp2p host (the registered identity key), one beacon client, one scheduler
 * per duty type over every validator the operator serves, one API; and the committees (app/committee.ts)
 * multiplexed over them. Data flows one way: duties → consensus → signer → parsigex → sigagg → beacon node.
 *
 * The validator set changes in place: `plan()` stages the committees and validators the chain says we serve, and
 * they take effect at the next epoch boundary (at once for the first plan), so a registration elsewhere in a
 * committee never interrupts its other validators' duties.
 */
import { consensusCommitteeId } from "@cohort/sdk/committee/ids";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import type { phase0 } from "@lodestar/types";
import { bytesToHex } from "viem";
import { NodeMetrics } from "../api/metrics.js";
import { startApi } from "../api/server.js";
import { StatusBook } from "../api/status.js";
import { maxEncodedBytes } from "../consensus/codec.js";
import type { SafetyStore } from "../consensus/types.js";
import { DKG_MAX_FRAME_BYTES } from "../dkg/codec.js";
import { inboxOf } from "../dkg/inbox.js";
import { connectBeacon } from "../duties/beacon.js";
import { CONTENTS_MAX_FRAME_BYTES } from "../duties/block-contents.js";
import { type BuilderParams, checkBuilderParams } from "../duties/builder.js";
import { ProposerScheduler } from "../duties/proposer-scheduler.js";
import { AttesterScheduler } from "../duties/scheduler.js";
import { everySlot } from "../duties/slot-clock.js";
import { ValidatorIndexBook } from "../duties/validator-indices.js";
import { type Logger, reasonOf, silentLogger } from "../log.js";
import { P2PHost } from "../p2p/host.js";
import { MAX_FRAME_BYTES } from "../parsigex/codec.js";
import type { CommitteeValidator } from "../sigagg/threshold-sigagg.js";
import type { ShareSigner } from "../signer/share-signer.js";
import type { Transport } from "../workflow.js";
import type { NodeEvent } from "./attester.js";
import { CONSENSUS_MAX_VALUE_BYTES, Committee, type SharedServices } from "./committee.js";
import { type FeeRecipient, FeeRecipients } from "./fee-recipients.js";

export { CommitteeConfigError as NodeConfigError } from "./committee.js";

export interface NodeConfig {
  /** 32-byte secp256k1 identity secret: the libp2p key and the consensus vote key. */
  readonly identitySecret: Uint8Array;
  readonly beaconUrl: string;
  readonly listen: readonly string[];
  /** May this identity key connect? (A registered operator we share a committee with.) Read on every connection. */
  readonly admit: (identityKey: Uint8Array) => boolean;
  readonly log?: Logger;
  readonly onEvent?: (e: NodeEvent) => void;
  /** Serve /health, /metrics and /status (loopback unless a host is given). */
  readonly api?: { readonly host?: string; readonly port?: number };
  /**
   * Where HotStuff's safety state is written before each vote (the node's SQLite file in production:
   * `ConsensusStateStore`). Without it a node restarted within a slot could vote twice in one instance.
   */
  readonly safetyStore?: SafetyStore;
  /** How /status names this node, e.g. "operator 3". */
  readonly name?: string;
  /** Builder registrations (MEV-boost) with these settings; every member of a committee must configure the same. */
  readonly builder?: BuilderParams;
  /** How logs name a peer by its identity key (hex), e.g. "operator 4"; the key itself otherwise. */
  readonly peerName?: (identityKeyHex: string) => string | undefined;
  /** TEST ONLY, never from a configuration file (app/proposer.ts): this member's own proposals pay this address. */
  readonly rewriteFeeRecipientForTest?: Uint8Array;
}

/** One committee as the plan wants it: members, our position, and the validators with their shares. */
export interface CommitteePlanEntry {
  /** Sorted operator ids, "1-2-3-4": how logs, metrics and /status name the committee. */
  readonly label: string;
  /** Identity keys of the members in member order. */
  readonly members: readonly Uint8Array[];
  readonly member: number;
  readonly threshold: number;
  readonly validators: readonly CommitteeValidator[];
}

export interface OperatorNode {
  readonly host: P2PHost;
  /** Base URL of /health, /metrics and /status when `api` was configured. */
  readonly apiUrl?: string;
  listenAddrs(): string[];
  /** Where the operator with this identity key listens (from the registry, or the configuration's override). */
  setPeerAddrs(identityKey: Uint8Array, addrs: readonly string[]): void;
  /**
   * Stages what the chain says we serve. The first plan applies at once (and returns the committees that could
   * not start, with why); later ones at the next epoch boundary, where failures are logged. `signer` must already
   * hold the share of every planned validator (shares of dropped ones are removed then).
   */
  plan(entries: readonly CommitteePlanEntry[]): PlanFailure[];
  /** The committees running now, by label. */
  committees(): ReadonlyMap<string, Committee>;
  /**
   * The DKG channel of one operator set (identity keys in member order) on the node's host: every ceremony of that
   * set runs over it, told apart by the ceremony id in each frame. Opened on first use, kept while the node runs.
   */
  dkgChannel(members: readonly Uint8Array[]): Transport;
  /**
   * Exits a validator we serve (call it on the owner's ExitRequested event, on every member): consensus on the
   * VoluntaryExit, threshold signature, submission. Resolves with what was submitted.
   */
  requestExit(validatorPubkey: Uint8Array): Promise<phase0.SignedVoluntaryExit>;
  /** New builder settings (or none): registrations are re-signed with them from the next slot. */
  setBuilder(params: BuilderParams | undefined): void;
  /**
   * Where each validator's blocks must pay, staged like a plan: it takes effect with the first plan, later at the
   * next epoch boundary. A validator left out has none (its blocks are not checked, nor registered with builders).
   */
  setFeeRecipients(list: readonly FeeRecipient[]): void;
  stop(): Promise<void>;
}

export interface PlanFailure {
  readonly label: string;
  readonly error: unknown;
}

export class UnservedValidatorError extends Error {
  override readonly name = "UnservedValidatorError";
}

export async function startNode(cfg: NodeConfig, signer: ShareSigner): Promise<OperatorNode> {
  const log = cfg.log ?? silentLogger;
  if (cfg.builder) checkBuilderParams(cfg.builder);
  let builder = cfg.builder;
  const chain = await connectBeacon(cfg.beaconUrl);
  const indices = new ValidatorIndexBook(chain, [], log);
  const host = await P2PHost.create({
    privateKey: cfg.identitySecret,
    listen: cfg.listen,
    admit: cfg.admit,
    onUnreachable: (key, addrs, reason) =>
      log.warn("cannot reach a peer; retrying with backoff", {
        peer: cfg.peerName?.(key) ?? key,
        addresses: addrs.join(" ") || "none known",
        reason,
      }),
  });
  // Every channel exists before any peer address is known, so no early frame finds no handler.
  // Members join a committee at the same epoch boundary but not the same millisecond, and learn of a DKG ceremony up
  // to one chain poll apart: each channel holds a bounded number of a peer's frames for a committee not attached yet.
  const early = { earlyFramesPerPeer: 128, earlyFrameMs: 30_000 };
  const channels = {
    consensus: await host.channel("consensus", {
      maxFrameBytes: maxEncodedBytes(CONSENSUS_MAX_VALUE_BYTES),
      ...early,
    }),
    parsig: await host.channel("parsig", { maxFrameBytes: MAX_FRAME_BYTES, ...early }),
    contents: await host.channel("contents", { maxFrameBytes: CONTENTS_MAX_FRAME_BYTES, maxQueueFrames: 8 }),
  };
  const dkg = await host.channel("dkg", { maxFrameBytes: DKG_MAX_FRAME_BYTES, maxQueueFrames: 256, ...early });
  const dkgChannels = new Map<string, Transport>();
  const running = new Map<string, Committee>();
  let staged: readonly CommitteePlanEntry[] | undefined;

  const metrics = new NodeMetrics(() => host.connectedPeers().size);
  const status = new StatusBook(cfg.name ?? "operator", () =>
    [...running.values()].flatMap((c) => c.publicKeys().map((k) => bytesToHex(k))),
  );
  // Healthy while every committee could still form a threshold with the peers connected now.
  const healthy = () => {
    const peers = host.connectedPeers();
    return [...running.values()].every((c) => c.reachable(peers));
  };
  const api = cfg.api ? await startApi(metrics, status, { ...cfg.api, healthy }) : undefined;
  const onEvent = (e: NodeEvent) => {
    metrics.record(e);
    status.record(e);
    cfg.onEvent?.(e);
  };

  const attesters = new AttesterScheduler(
    chain,
    () => indices.list(),
    log,
    () => indices.version,
  );
  const proposers = new ProposerScheduler(chain, () => indices.set(), log);
  const feeRecipients = new FeeRecipients({
    chain,
    served: () => [...running.values()].flatMap((c) => c.publicKeys()),
    indexOf: (pubkey) => indices.indexOf(pubkey),
    indicesVersion: () => indices.version,
    log,
  });
  const services: SharedServices = {
    chain,
    channels,
    identitySecret: cfg.identitySecret,
    ...(cfg.safetyStore ? { safetyStore: cfg.safetyStore } : {}),
    attesterDutiesAt: (slot) => attesters.dutiesAt(slot),
    proposerDutyAt: (slot) => proposers.dutyAt(slot),
    indexOf: (pubkey) => indices.indexOf(pubkey),
    log,
    onEvent,
    builder: () => builder,
    feeRecipientOf: (pubkey) => feeRecipients.of(pubkey),
    ...(cfg.rewriteFeeRecipientForTest ? { rewriteFeeRecipientForTest: cfg.rewriteFeeRecipientForTest } : {}),
  };

  /** Makes the running committees what the staged plan says, without touching a committee that did not change. */
  const apply = (): PlanFailure[] => {
    const failures: PlanFailure[] = [];
    feeRecipients.apply();
    if (!staged) return failures;
    const wanted = new Map(staged.map((e) => [e.label, e]));
    staged = undefined;
    // Validators that left stop getting duties from here on (their duties of the epoch that just ended are done).
    indices.setPubkeys([...wanted.values()].flatMap((e) => e.validators.map((v) => v.publicKey)));
    const keep = new Set<string>();
    for (const e of wanted.values()) for (const v of e.validators) keep.add(bytesToHex(v.publicKey));
    for (const [label, c] of running) {
      if (wanted.has(label)) continue;
      running.delete(label);
      void c.stop();
      log.info("committee left", { committee: label });
    }
    for (const [label, e] of wanted) {
      try {
        const c = running.get(label);
        if (c) {
          const before = c.size;
          c.setValidators(e.validators);
          if (c.size !== before) log.info("committee validators changed", { committee: label, validators: c.size });
          continue;
        }
        const committee = new Committee(
          { ...e, committeeId: consensusCommitteeId(e.members), signer, validators: e.validators },
          services,
        );
        running.set(label, committee);
        log.info("committee joined", { committee: label, member: e.member, validators: e.validators.length });
      } catch (error) {
        failures.push({ label, error });
        log.error("cannot run a committee", { committee: label, reason: reasonOf(error) });
      }
    }
    for (const pubkey of signer.validators()) if (!keep.has(bytesToHex(pubkey))) signer.remove(pubkey);
    return failures;
  };

  const unsubscribeAttesters = attesters.subscribe((duty, deadline) => {
    metrics.closeSlotsBefore(Number(duty.slot));
    for (const c of running.values()) c.onAttesterDuty(duty, deadline);
  });
  const unsubscribeProposers = proposers.subscribe((duty, deadline) => {
    const pd = proposers.dutyAt(Number(duty.slot));
    const owner = pd ? [...running.values()].find((c) => c.serves(pd.pubkey)) : undefined;
    owner?.onProposerDuty(duty, deadline);
  });
  const slotMs = chain.secondsPerSlot * 1000;
  // Inert before Altair: the workflow returns at once on a phase0 slot.
  const unsubscribeSync = everySlot(chain, slotMs / 3, (slot, deadline) => {
    for (const c of running.values()) c.onSyncSlot(slot, deadline);
  });
  // At each epoch's first slot a staged plan takes effect, before the epoch's first duty fires (at 1/3 of the slot);
  // then the beacon node learns the epoch's fee recipients, before it builds the epoch's first block.
  const unsubscribeBoundary = everySlot(chain, 0, (slot) => {
    if (slot % SLOTS_PER_EPOCH === 0) apply();
    void feeRecipients.onSlot(slot);
  });
  // Halfway through each epoch's first slot: validators activated since are found before the next epoch's duties load.
  const unsubscribeIndices = everySlot(chain, slotMs / 2, (slot) => {
    if (slot % SLOTS_PER_EPOCH === 0) void indices.refresh();
  });
  log.info("operator node started", { listen: host.listenAddrs().join(" ") });

  const committeeOf = (pubkey: Uint8Array) => {
    const c = [...running.values()].find((x) => x.serves(pubkey));
    if (!c) throw new UnservedValidatorError(`this node does not serve validator ${bytesToHex(pubkey)}`);
    return c;
  };

  return {
    host,
    ...(api ? { apiUrl: api.url } : {}),
    listenAddrs: () => host.listenAddrs(),
    setPeerAddrs: (key, addrs) => host.setPeerAddrs(key, addrs),
    plan(entries) {
      const first = running.size === 0 && staged === undefined;
      staged = entries;
      // Duties of the next epoch must be requested with every validator it will have: join the lookups now.
      indices.addPubkeys(entries.flatMap((e) => e.validators.map((v) => v.publicKey)));
      void indices.refresh();
      return first ? apply() : [];
    },
    committees: () => running,
    dkgChannel(members) {
      const id = consensusCommitteeId(members);
      const key = bytesToHex(id);
      let ch = dkgChannels.get(key);
      if (!ch) {
        ch = dkg.attach(id, members);
        // The inbox takes the frames at once (held ones included); ceremonies of this operator set share it.
        inboxOf(ch);
        dkgChannels.set(key, ch);
      }
      return ch;
    },
    requestExit: (pubkey) => committeeOf(pubkey).requestExit(pubkey),
    setBuilder(params) {
      if (params) checkBuilderParams(params);
      builder = params;
    },
    setFeeRecipients: (list) => feeRecipients.stage(list),
    async stop() {
      unsubscribeAttesters();
      unsubscribeProposers();
      unsubscribeSync();
      unsubscribeBoundary();
      unsubscribeIndices();
      for (const c of running.values()) await c.stop();
      running.clear();
      await host.stop();
      await api?.close();
      log.info("operator node stopped", {});
    },
  };
}

/**
 * A node that serves one committee: the shape the single-committee tests and tools use. Everything of `NodeConfig`
 * but who may connect (the committee's members) and how peers are named.
 */
export interface OperatorNodeConfig extends Omit<NodeConfig, "admit" | "peerName"> {
  /** Position of this operator in the sorted committee (share index = member + 1). */
  readonly member: number;
  /** 33-byte compressed identity keys of the committee, in member order. */
  readonly committee: readonly Uint8Array[];
  readonly signer: ShareSigner;
  readonly validators: readonly CommitteeValidator[];
  readonly threshold: number;
  /** Known peer addresses by member index; more can be added later with `setPeerAddrs`. */
  readonly peers?: ReadonlyMap<number, readonly string[]>;
  /** Where the validators' blocks must pay (`OperatorNode.setFeeRecipients`); none: unchecked. */
  readonly feeRecipients?: readonly FeeRecipient[];
}

export interface SingleCommitteeNode {
  readonly apiUrl?: string;
  readonly p2p: { connectedMembers(): number };
  listenAddrs(): string[];
  setPeerAddrs(member: number, addrs: readonly string[]): void;
  requestExit(validatorPubkey: Uint8Array): Promise<phase0.SignedVoluntaryExit>;
  setBuilder(params: BuilderParams | undefined): void;
  /** New fee recipients, from the next epoch boundary. */
  setFeeRecipients(list: readonly FeeRecipient[]): void;
  stop(): Promise<void>;
}

export async function startOperatorNode(cfg: OperatorNodeConfig): Promise<SingleCommitteeNode> {
  const members = new Set(cfg.committee.map((k) => Buffer.from(k).toString("hex")));
  const node = await startNode({ ...cfg, admit: (key) => members.has(Buffer.from(key).toString("hex")) }, cfg.signer);
  try {
    if (cfg.feeRecipients) node.setFeeRecipients(cfg.feeRecipients);
  } catch (error) {
    await node.stop();
    throw error;
  }
  const [failure] = node.plan([
    {
      label: "committee",
      members: cfg.committee,
      member: cfg.member,
      threshold: cfg.threshold,
      validators: cfg.validators,
    },
  ]);
  if (failure) {
    await node.stop();
    throw failure.error;
  }
  const setPeerAddrs = (member: number, addrs: readonly string[]) => node.setPeerAddrs(cfg.committee[member]!, addrs);
  for (const [member, addrs] of cfg.peers ?? []) setPeerAddrs(member, addrs);
  const hexKeys = cfg.committee.map((k) => Buffer.from(k).toString("hex"));
  return {
    ...(node.apiUrl ? { apiUrl: node.apiUrl } : {}),
    p2p: {
      connectedMembers: () => {
        const peers = node.host.connectedPeers();
        return hexKeys.filter((k, i) => i !== cfg.member && peers.has(k)).length;
      },
    },
    listenAddrs: () => node.listenAddrs(),
    setPeerAddrs,
    requestExit: (pubkey) => node.requestExit(pubkey),
    setBuilder: (params) => node.setBuilder(params),
    setFeeRecipients: (list) => node.setFeeRecipients(list),
    stop: () => node.stop(),
  };
}
