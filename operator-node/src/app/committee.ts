/**
 * One committee inside the operator's node: its consensus engine, partial-signature exchange, SigAgg and duty
 * workflows, over the node's shared host, beacon client and schedulers. Committees are cheap: adding one opens no
 * port and no beacon connection; its validator set changes in place (`setValidators`), never by a restart.
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { Secp256k1Signer, wasmSecp256k1Verifier } from "../consensus/crypto.js";
import { ConsensusEngine } from "../consensus/engine.js";
import { DUTY_VIEW_TIMEOUT_MS } from "../consensus/timeouts.js";
import type { SafetyStore } from "../consensus/types.js";
import type { AttesterDuty } from "../duties/attester.js";
import { type BeaconChain, slotAt } from "../duties/beacon.js";
import { BlockContentsExchange } from "../duties/block-contents.js";
import type { BuilderParams } from "../duties/builder.js";
import { AttestationFetcher } from "../duties/fetcher.js";
import type { ProposerDuty } from "../duties/proposer.js";
import { type Logger, withFields } from "../log.js";
import type { HostChannel } from "../p2p/host.js";
import { PartialKind } from "../parsigex/codec.js";
import { shareIndexOf, TransportParSigEx } from "../parsigex/exchange.js";
import { type CommitteeValidator, ThresholdSigAgg } from "../sigagg/threshold-sigagg.js";
import type { ShareSigner } from "../signer/share-signer.js";
import type { Deadline, Duty } from "../workflow.js";
import { AttesterWorkflow, type NodeEvent } from "./attester.js";
import { BuilderRegistrations } from "./builder.js";
import { CombinedSignatures } from "./combined.js";
import { ExitWorkflow } from "./exit.js";
import { ProposerWorkflow } from "./proposer.js";
import { SyncCommitteeWorkflow } from "./sync-committee.js";

/**
 * The largest consensus value: a whole block (gossip's 10 MiB cap covers any block a beacon node may produce).
 * Frames are length-checked against it, not allocated at it.
 */
export const CONSENSUS_MAX_VALUE_BYTES = 10 * 1024 * 1024;

export class CommitteeConfigError extends Error {
  override readonly name = "CommitteeConfigError";
}

export interface CommitteeConfig {
  /** How logs, metrics and /status name the committee: its sorted operator ids, "1-2-3-4". */
  readonly label: string;
  /** 32-byte id on every frame and in every consensus instance (sha256 of the members' identity keys). */
  readonly committeeId: Uint8Array;
  /** 33-byte compressed identity keys of the members, in member order. */
  readonly members: readonly Uint8Array[];
  /** Our position in `members`; our share index is member + 1. */
  readonly member: number;
  readonly threshold: number;
  readonly signer: ShareSigner;
  readonly validators: readonly CommitteeValidator[];
}

/** What every committee of the node shares: one beacon client, one host, one clock, one index book. */
export interface SharedServices {
  readonly chain: BeaconChain;
  readonly channels: {
    readonly consensus: HostChannel;
    readonly parsig: HostChannel;
    /** Decided local blocks' full contents (Deneb on); without it only the member that built a block publishes it. */
    readonly contents?: HostChannel;
  };
  readonly identitySecret: Uint8Array;
  readonly safetyStore?: SafetyStore;
  readonly attesterDutiesAt: (slot: number) => AttesterDuty[];
  readonly proposerDutyAt: (slot: number) => ProposerDuty | undefined;
  readonly indexOf: (pubkey: Uint8Array) => number | undefined;
  readonly log: Logger;
  readonly onEvent: (e: NodeEvent) => void;
  /** The builder settings now (MEV-boost); undefined: no builder registrations, every block local. */
  readonly builder?: () => BuilderParams | undefined;
  /** Where a validator's blocks must pay now (app/fee-recipients.ts); undefined: none known. */
  readonly feeRecipientOf?: (pubkey: Uint8Array) => Uint8Array | undefined;
  /** TEST ONLY (app/proposer.ts ProposerDeps): this member's own block proposals pay this address instead. */
  readonly rewriteFeeRecipientForTest?: Uint8Array;
}

export class Committee {
  readonly label: string;
  private validators = new Map<string, CommitteeValidator>();
  private readonly engine: ConsensusEngine;
  private readonly parsigex: TransportParSigEx;
  private readonly sigagg: ThresholdSigAgg;
  private readonly combined: CombinedSignatures;
  private readonly attester: AttesterWorkflow;
  private readonly proposer: ProposerWorkflow;
  private readonly sync: SyncCommitteeWorkflow;
  private readonly exits: ExitWorkflow;
  private readonly builder: BuilderRegistrations;
  private readonly closeChannels: () => void;

  constructor(
    private readonly cfg: CommitteeConfig,
    private readonly s: SharedServices,
  ) {
    checkConfig(cfg);
    this.label = cfg.label;
    const log = withFields(s.log, { committee: cfg.label });
    const consensusCh = s.channels.consensus.attach(cfg.committeeId, cfg.members);
    const parsigCh = s.channels.parsig.attach(cfg.committeeId, cfg.members);
    const contentsCh = s.channels.contents?.attach(cfg.committeeId, cfg.members);
    this.closeChannels = () => {
      consensusCh.close();
      parsigCh.close();
      contentsCh?.close();
    };
    if (consensusCh.self !== cfg.member) {
      this.closeChannels();
      throw new CommitteeConfigError(
        `identity key is member ${consensusCh.self}, not ${cfg.member}; check the committee order`,
      );
    }
    const slotMs = s.chain.secondsPerSlot * 1000;
    this.engine = new ConsensusEngine({
      committee: cfg.members,
      self: cfg.member,
      signer: new Secp256k1Signer(s.identitySecret),
      verifier: wasmSecp256k1Verifier,
      transport: consensusCh,
      clock: () => performance.now(),
      // Several views must fit in the 2/3 slot a duty has left; a view change costs one timeout. Per duty kind the
      // timeouts sized for 150 ms between operators (consensus/timeouts.ts), never more than a sixth of a slot, so
      // short devnet slots keep room for view changes.
      baseTimeoutMs: Math.max(100, slotMs / 6),
      viewTimeoutMs: Object.fromEntries(
        Object.entries(DUTY_VIEW_TIMEOUT_MS).map(([kind, ms]) => [kind, Math.min(ms, Math.max(100, slotMs / 6))]),
      ),
      maxValueBytes: CONSENSUS_MAX_VALUE_BYTES,
      // Early messages are kept only for slots a duty of ours can still be in: a member cannot fill memory with
      // far-future instances. Exits are keyed by validator index, not slot, and are started locally before peers'.
      acceptSlot: (slot) => inDutyWindow(s.chain, slot, SLOTS_PER_EPOCH),
      ...(s.safetyStore ? { safetyStore: s.safetyStore } : {}),
    });
    this.parsigex = new TransportParSigEx({ transport: parsigCh, validators: [], log });
    this.sigagg = new ThresholdSigAgg([], cfg.threshold, log);
    // SigAgg keeps state only for slots a duty can still be in (exits sign at their epoch's first slot, in the
    // past), so a member sending partials for far-future slots cannot grow it.
    this.parsigex.subscribe((_from, partials) => {
      for (const p of partials) if (inDutyWindow(s.chain, p.duty.slot, 2 * SLOTS_PER_EPOCH)) this.sigagg.add(p);
    });
    this.combined = new CombinedSignatures(this.sigagg, [
      PartialKind.randao,
      PartialKind.block,
      PartialKind.voluntaryExit,
      PartialKind.syncMessage,
      PartialKind.syncSelectionProof,
      PartialKind.contributionAndProof,
      PartialKind.validatorRegistration,
    ]);
    const shared = {
      chain: s.chain,
      committeeId: cfg.committeeId,
      shareIndex: shareIndexOf(cfg.member),
      consensus: this.engine,
      signer: cfg.signer,
      parsigex: this.parsigex,
      sigagg: this.sigagg,
      combined: this.combined,
      log,
      onEvent: s.onEvent,
    };
    this.builder = new BuilderRegistrations({
      ...shared,
      params: () => s.builder?.(),
      feeRecipientOf: (pubkey) => s.feeRecipientOf?.(pubkey),
      validators: () =>
        [...this.validators.values()].flatMap((v) => (s.indexOf(v.publicKey) === undefined ? [] : [v.publicKey])),
    });
    this.proposer = new ProposerWorkflow({
      ...shared,
      viaBuilder: (pubkey) => this.builder.registered(pubkey),
      ...(s.feeRecipientOf ? { feeRecipientOf: s.feeRecipientOf } : {}),
      ...(s.rewriteFeeRecipientForTest ? { rewriteFeeRecipientForTest: s.rewriteFeeRecipientForTest } : {}),
      ...(contentsCh ? { contents: new BlockContentsExchange(contentsCh, s.chain.config) } : {}),
      dutyAt: (slot) => {
        const d = s.proposerDutyAt(slot);
        return d && this.serves(d.pubkey) ? d : undefined;
      },
    });
    this.exits = new ExitWorkflow({ ...shared, indexOf: async (pubkey) => s.indexOf(pubkey) });
    this.attester = new AttesterWorkflow({
      ...shared,
      fetcher: new AttestationFetcher(s.chain),
      dutiesAt: (slot) => this.attesterDutiesAt(slot),
    });
    this.sync = new SyncCommitteeWorkflow({
      ...shared,
      indices: () => [...this.validators.values()].flatMap((v) => s.indexOf(v.publicKey) ?? []),
    });
    this.setValidators(cfg.validators);
  }

  /** The committee's validators from now on; the signer must already hold (or have dropped) their shares. */
  setValidators(validators: readonly CommitteeValidator[]): void {
    checkValidators(this.cfg, validators);
    this.validators = new Map(validators.map((v) => [hex(v.publicKey), v]));
    this.sigagg.setValidators(validators);
    this.parsigex.setValidators(validators.map((v) => v.publicKey));
  }

  get size(): number {
    return this.validators.size;
  }

  /** Could we and the members connected now (identity keys, hex) still form a threshold? */
  reachable(connected: ReadonlySet<string>): boolean {
    const up = this.cfg.members.filter((k, i) => i === this.cfg.member || connected.has(hex(k))).length;
    return up >= this.cfg.threshold;
  }

  publicKeys(): Uint8Array[] {
    return [...this.validators.values()].map((v) => v.publicKey);
  }

  serves(pubkey: Uint8Array): boolean {
    return this.validators.has(hex(pubkey));
  }

  attesterDutiesAt(slot: number): AttesterDuty[] {
    return this.s.attesterDutiesAt(slot).filter((d) => this.serves(d.pubkey));
  }

  /** An attester duty of the node: this committee joins only if one of its validators attests in the slot. */
  onAttesterDuty(duty: Duty, deadline: Deadline): void {
    const horizon = duty.slot - BigInt(2 * SLOTS_PER_EPOCH);
    this.sigagg.pruneBelow(horizon);
    this.attester.pruneBelow(Number(horizon));
    this.combined.pruneBelow(horizon);
    if (this.attesterDutiesAt(Number(duty.slot)).length > 0) this.attester.onDuty(duty, deadline);
  }

  onProposerDuty(duty: Duty, deadline: Deadline): void {
    this.proposer.onDuty(duty, deadline);
  }

  onSyncSlot(slot: number, deadline: Deadline): void {
    if (this.validators.size === 0) return;
    this.sync.onSlot(slot, deadline);
    this.builder.onSlot(slot);
  }

  requestExit(validatorPubkey: Uint8Array) {
    return this.exits.requestExit(validatorPubkey);
  }

  async stop(): Promise<void> {
    this.combined.stop();
    this.attester.stop();
    await this.engine.stop();
    this.closeChannels();
  }
}

function checkConfig(cfg: CommitteeConfig): void {
  const n = cfg.members.length;
  if (cfg.member < 0 || cfg.member >= n) {
    throw new CommitteeConfigError(`member ${cfg.member} is outside the committee of ${n}`);
  }
  if (cfg.threshold < 1 || cfg.threshold > n) {
    throw new CommitteeConfigError(`threshold ${cfg.threshold} must be in 1..${n}`);
  }
}

function checkValidators(cfg: CommitteeConfig, validators: readonly CommitteeValidator[]): void {
  for (const v of validators) {
    if (v.sharePublicKeys.length !== cfg.members.length) {
      throw new CommitteeConfigError(
        "each validator needs one share public key per committee member; check the keyshares",
      );
    }
    if (!cfg.signer.has(v.publicKey)) {
      throw new CommitteeConfigError("the share signer lacks a share of a committee validator; import its keyshares");
    }
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Is `slot` between `pastSlots` before the current slot and two slots after it (clock skew between members)? */
function inDutyWindow(chain: BeaconChain, slot: bigint, pastSlots: number): boolean {
  const now = BigInt(Math.max(0, slotAt(chain, Date.now())));
  return slot >= now - BigInt(pastSlots) && slot <= now + 2n;
}
