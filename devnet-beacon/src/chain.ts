/**
 * The stand-in beacon chain: a single-node chain whose every block, its own or one published by an external
 * validator client, goes through `@lodestar/state-transition`'s spec `stateTransition` with proposer, operation and
 * state-root verification. Fork choice is trivial (one chain, head = last imported block); justification and
 * finalization come from the state transition alone. It is a stand-in because no real client of these forks runs here.
 */
import { fastAggregateVerify, PublicKey, Signature, verify } from "@chainsafe/blst";
import { BitArray } from "@chainsafe/ssz";
import { type BeaconConfig, type ChainForkConfig, createBeaconConfig } from "@lodestar/config";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  ForkSeq,
  MAX_ATTESTATIONS_ELECTRA,
  MAX_COMMITTEES_PER_SLOT,
  MAX_VOLUNTARY_EXITS,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
  ZERO_HASH,
} from "@lodestar/params";
import {
  beaconBlockToBlinded,
  type CachedBeaconStateAllForks,
  type CachedBeaconStateAltair,
  type CachedBeaconStateExecutions,
  computeDomain,
  computeEpochAtSlot,
  computeSigningRoot,
  computeStartSlotAtEpoch,
  DataAvailabilityStatus,
  ExecutionPayloadStatus,
  getBlockRootAtSlot,
  isAggregatorFromCommitteeLength,
  isSyncCommitteeAggregator,
  isValidVoluntaryExit,
  processSlots,
  signedBlindedBlockToFull,
  stateTransition,
} from "@lodestar/state-transition";
import { processBlock } from "@lodestar/state-transition/block";
import {
  type altair,
  type BeaconBlock,
  type BlindedBeaconBlock,
  type bellatrix,
  type ExecutionPayload,
  type electra,
  type phase0,
  type SignedBeaconBlock,
  type SignedBlindedBeaconBlock,
  ssz,
} from "@lodestar/types";
import { toHex, toRootHex } from "@lodestar/utils";
import { buildPayload } from "./engine-mock.js";
import { AttestationPool, aggregateSignatureBytes, SyncMessagePool } from "./pools.js";

/** What a real client would refuse; the HTTP layer answers it with 400 and this message. */
export class StandInRejection extends Error {
  override readonly name = "StandInRejection";
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface StoredBlock {
  root: Uint8Array;
  rootHex: string;
  signed: SignedBeaconBlock;
  /** Dropped for old blocks to bound memory; head and recent blocks keep theirs. */
  postState: CachedBeaconStateAllForks | undefined;
}

const BLOCKS_RETAINED_SLOTS = 4 * SLOTS_PER_EPOCH;
const STATES_RETAINED_SLOTS = 2 * SLOTS_PER_EPOCH;
const SUBCOMMITTEE_SIZE = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;
const DEFAULT_FEE_RECIPIENT = new Uint8Array(20);

export interface ProducedBlock {
  block: BeaconBlock;
  blinded: BlindedBeaconBlock | undefined;
  payload: ExecutionPayload;
}

function sigOk(pubkey: PublicKey, root: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(root, pubkey, Signature.fromBytes(signature, true));
  } catch {
    return false; // not a G2 point: as invalid as a wrong signature
  }
}

function aggregateOk(pubkeys: PublicKey[], root: Uint8Array, signature: Uint8Array): boolean {
  try {
    return pubkeys.length > 0 && fastAggregateVerify(root, pubkeys, Signature.fromBytes(signature, true));
  } catch {
    return false;
  }
}

export class StandInChain {
  readonly config: BeaconConfig;
  readonly genesisTime: number;
  readonly genesisValidatorsRoot: Uint8Array;
  readonly genesisBlockRoot: Uint8Array;
  readonly attestations = new AttestationPool();
  readonly syncMessages = new SyncMessagePool();
  private readonly blocks = new Map<string, StoredBlock>();
  private readonly canonical = new Map<number, string>();
  private head: StoredBlock;
  private readonly genesis: StoredBlock;
  private readonly exits = new Map<number, phase0.SignedVoluntaryExit>();
  private readonly feeRecipients = new Map<number, Uint8Array>();
  private readonly registrations = new Map<string, bellatrix.ValidatorRegistrationV1>();
  private readonly builderPayloads = new Map<string, ExecutionPayload>();
  private readonly live = new Map<number, Set<number>>();
  /**
   * How long the builder takes to answer a bid (tests make it slow to exercise a validator client's fallback to a
   * local block); the v3 route waits this long before returning a blinded block.
   */
  builderDelayMs = 0;
  private advanced: { rootHex: string; slot: number; state: CachedBeaconStateAllForks } | undefined;

  constructor(
    forkConfig: ChainForkConfig,
    genesisState: CachedBeaconStateAllForks,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.genesisValidatorsRoot = genesisState.genesisValidatorsRoot;
    this.config = createBeaconConfig(forkConfig, this.genesisValidatorsRoot);
    this.genesisTime = genesisState.genesisTime;
    const block = this.config.getForkTypes(0).BeaconBlock.defaultValue();
    block.stateRoot = genesisState.hashTreeRoot();
    const root = this.config.getForkTypes(0).BeaconBlock.hashTreeRoot(block);
    this.genesisBlockRoot = root;
    this.genesis = {
      root,
      rootHex: toRootHex(root),
      signed: { message: block, signature: new Uint8Array(96) },
      postState: genesisState,
    };
    this.head = this.genesis;
    this.blocks.set(this.genesis.rootHex, this.genesis);
    this.canonical.set(0, this.genesis.rootHex);
  }

  currentSlot(): number {
    const ms = this.nowMs() - this.genesisTime * 1000;
    return ms < 0 ? 0 : Math.floor(ms / (this.config.SECONDS_PER_SLOT * 1000));
  }

  headBlock(): { root: Uint8Array; signed: SignedBeaconBlock } {
    return this.head;
  }

  headState(): CachedBeaconStateAllForks {
    return this.head.postState as CachedBeaconStateAllForks;
  }

  /** The head state advanced (empty slots, epoch transitions) to `slot`; cached per head. */
  stateAtSlot(slot: number): CachedBeaconStateAllForks {
    const headState = this.headState();
    if (slot <= headState.slot) return headState;
    const cached = this.advanced;
    if (cached && cached.rootHex === this.head.rootHex && cached.slot === slot) return cached.state;
    const base = cached && cached.rootHex === this.head.rootHex && cached.slot < slot ? cached.state : headState;
    const state = processSlots(base.clone(), slot);
    this.advanced = { rootHex: this.head.rootHex, slot, state };
    return state;
  }

  /** A state whose epoch cache has the shuffling of `epoch` (current, previous or next epoch of the state). */
  shufflingState(epoch: number): CachedBeaconStateAllForks {
    const headEpoch = computeEpochAtSlot(this.headState().slot);
    if (epoch <= headEpoch + 1) {
      if (epoch < headEpoch - 1)
        throw new StandInRejection(`epoch ${epoch} is too far in the past (head epoch ${headEpoch})`);
      return this.headState();
    }
    return this.stateAtSlot(computeStartSlotAtEpoch(epoch - 1));
  }

  blockById(id: string): StoredBlock | undefined {
    if (id === "head") return this.head;
    if (id === "genesis") return this.genesis;
    if (id === "finalized" || id === "justified") {
      const cp =
        id === "finalized" ? this.headState().finalizedCheckpoint : this.headState().currentJustifiedCheckpoint;
      return cp.epoch === 0 ? this.genesis : this.blocks.get(toRootHex(cp.root));
    }
    if (/^0x[0-9a-fA-F]{64}$/.test(id)) return this.blocks.get(id.toLowerCase());
    if (/^\d+$/.test(id)) {
      const hex = this.canonical.get(Number(id));
      return hex === undefined ? undefined : this.blocks.get(hex);
    }
    throw new StandInRejection(
      `invalid block id "${id}": use head, genesis, finalized, justified, a slot or a 0x root`,
    );
  }

  stateById(id: string): CachedBeaconStateAllForks | undefined {
    if (/^0x[0-9a-fA-F]{64}$/.test(id)) {
      for (const b of this.blocks.values())
        if (b.postState && toRootHex(b.postState.hashTreeRoot()) === id) return b.postState;
      return undefined;
    }
    if (/^\d+$/.test(id) && Number(id) > this.head.signed.message.slot) {
      return Number(id) <= this.currentSlot() ? this.stateAtSlot(Number(id)) : undefined;
    }
    return this.blockById(id)?.postState;
  }

  /** Root of the canonical block at or before `slot` (the root a state at a later slot records for it). */
  blockRootAtOrBefore(slot: number): Uint8Array {
    if (slot >= this.head.signed.message.slot) return this.head.root;
    if (slot < 0) return this.genesisBlockRoot;
    return getBlockRootAtSlot(this.headState(), slot);
  }

  // ---------------------------------------------------------------- block production and import

  produceBlock(slot: number, randaoReveal: Uint8Array, graffiti: Uint8Array, blinded: boolean): ProducedBlock {
    if (slot <= this.head.signed.message.slot) {
      throw new StandInRejection(`slot ${slot} is not after the head (slot ${this.head.signed.message.slot})`);
    }
    if (slot > this.currentSlot() + 1) throw new StandInRejection(`slot ${slot} is in the future`);
    const fork = this.config.getForkSeq(slot);
    const preState = this.stateAtSlot(slot).clone();
    const proposerIndex = preState.epochCtx.getBeaconProposer(slot);
    const payload = buildPayload(
      preState as CachedBeaconStateExecutions,
      this.feeRecipientOf(proposerIndex, blinded),
      fork,
    );
    const body: Record<string, unknown> = {
      randaoReveal,
      eth1Data: preState.eth1Data.toValue(),
      graffiti,
      proposerSlashings: [],
      attesterSlashings: [],
      attestations: this.attestationsForBlock(preState, slot),
      deposits: [],
      voluntaryExits: this.exitsForBlock(preState, fork),
      syncAggregate: this.syncAggregateForBlock(preState, slot),
      executionPayload: payload,
      blsToExecutionChanges: [],
      blobKzgCommitments: [],
    };
    if (fork >= ForkSeq.electra) body["executionRequests"] = { deposits: [], withdrawals: [], consolidations: [] };
    const block = {
      slot,
      proposerIndex,
      parentRoot: this.head.root,
      stateRoot: ZERO_HASH,
      body,
    } as unknown as BeaconBlock;
    processBlock(
      fork,
      preState,
      block,
      {
        executionPayloadStatus: ExecutionPayloadStatus.valid,
        dataAvailabilityStatus: DataAvailabilityStatus.Available,
      },
      { verifySignatures: false },
    );
    block.stateRoot = preState.hashTreeRoot();
    if (!blinded) return { block, blinded: undefined, payload };
    this.builderPayloads.set(toRootHex(payload.blockHash), payload);
    // biome-ignore lint/suspicious/noExplicitAny: the slot's fork is post-Bellatrix, which the helper's type demands.
    return { block, blinded: beaconBlockToBlinded(this.config, block as any), payload };
  }

  /** The builder side of the blinded path: the payload behind a header the stand-in built, or a rejection. */
  unblind(signed: SignedBlindedBeaconBlock): SignedBeaconBlock {
    const hash = toRootHex(signed.message.body.executionPayloadHeader.blockHash);
    const payload = this.builderPayloads.get(hash);
    if (!payload) throw new StandInRejection(`the builder holds no payload with block hash ${hash}`);
    return signedBlindedBlockToFull(this.config.getForkName(signed.message.slot), signed, payload);
  }

  /** Runs the spec state transition with every check on; the block becomes the head. */
  importBlock(signed: SignedBeaconBlock): Uint8Array {
    const block = signed.message;
    const types = this.config.getForkTypes(block.slot);
    const root = types.BeaconBlock.hashTreeRoot(block);
    const rootHex = toRootHex(root);
    if (this.blocks.has(rootHex)) return root;
    if (block.slot > this.currentSlot()) throw new StandInRejection(`block slot ${block.slot} is in the future`);
    if (toRootHex(block.parentRoot) !== this.head.rootHex) {
      throw new StandInRejection(
        `block's parent ${toRootHex(block.parentRoot)} is not the head ${this.head.rootHex} (the stand-in keeps one chain)`,
      );
    }
    const body = block.body as { blobKzgCommitments?: unknown[] };
    if ((body.blobKzgCommitments?.length ?? 0) > 0) {
      throw new StandInRejection("the stand-in cannot verify KZG proofs: blocks with blobs are refused");
    }
    let post: CachedBeaconStateAllForks;
    try {
      post = stateTransition(this.headState(), signed, {
        executionPayloadStatus: ExecutionPayloadStatus.valid,
        dataAvailabilityStatus: DataAvailabilityStatus.Available,
        verifyProposer: true,
        verifySignatures: true,
        verifyStateRoot: true,
      });
    } catch (e) {
      throw new StandInRejection(`state transition refused the block at slot ${block.slot}: ${(e as Error).message}`);
    }
    const stored: StoredBlock = { root, rootHex, signed, postState: post };
    this.blocks.set(rootHex, stored);
    this.canonical.set(block.slot, rootHex);
    this.head = stored;
    this.markLive(computeEpochAtSlot(block.slot), block.proposerIndex);
    this.prune(block.slot);
    return root;
  }

  private prune(slot: number): void {
    for (const [hex, b] of this.blocks) {
      if (b === this.genesis || b === this.head) continue;
      const s = b.signed.message.slot;
      if (s + BLOCKS_RETAINED_SLOTS < slot) {
        this.blocks.delete(hex);
        this.canonical.delete(s);
      } else if (s + STATES_RETAINED_SLOTS < slot) b.postState = undefined;
    }
    this.attestations.prune(slot);
    this.syncMessages.prune(slot);
    for (const epoch of this.live.keys()) if (epoch + 4 < computeEpochAtSlot(slot)) this.live.delete(epoch);
    if (this.builderPayloads.size > BLOCKS_RETAINED_SLOTS) {
      const oldest = this.builderPayloads.keys().next().value as string;
      this.builderPayloads.delete(oldest);
    }
  }

  private feeRecipientOf(index: number, viaBuilder: boolean): Uint8Array {
    if (viaBuilder) {
      const pubkey = toHex(this.headState().validators.getReadonly(index).pubkey);
      const reg = this.registrations.get(pubkey);
      if (reg) return reg.feeRecipient;
    }
    return this.feeRecipients.get(index) ?? DEFAULT_FEE_RECIPIENT;
  }

  /** Pool aggregates valid in `state`, one on-chain aggregate per attestation data (EIP-7549 committee_bits). */
  private attestationsForBlock(state: CachedBeaconStateAllForks, slot: number): electra.Attestation[] {
    const currentEpoch = computeEpochAtSlot(slot);
    const byData = new Map<string, ReturnType<AttestationPool["all"]>>();
    for (const item of this.attestations.all()) {
      const d = item.entry.data;
      const targetEpoch = d.target.epoch;
      if (d.slot + 1 > slot || (targetEpoch !== currentEpoch && targetEpoch !== currentEpoch - 1)) continue;
      const source =
        targetEpoch === currentEpoch ? state.currentJustifiedCheckpoint : state.previousJustifiedCheckpoint;
      if (!ssz.phase0.Checkpoint.equals(source.toValue(), d.source)) continue;
      const group = byData.get(item.dataRoot) ?? [];
      group.push(item);
      byData.set(item.dataRoot, group);
    }
    const out: electra.Attestation[] = [];
    const groups = [...byData.values()].sort((a, b) => (b[0]?.entry.data.slot ?? 0) - (a[0]?.entry.data.slot ?? 0));
    for (const group of groups.slice(0, MAX_ATTESTATIONS_ELECTRA)) {
      group.sort((a, b) => a.entry.committeeIndex - b.entry.committeeIndex);
      const data = (group[0] as (typeof group)[0]).entry.data;
      const committeeBits = BitArray.fromBitLen(MAX_COMMITTEES_PER_SLOT);
      const bits: boolean[] = [];
      for (const { entry } of group) {
        committeeBits.set(entry.committeeIndex, true);
        for (let i = 0; i < entry.bits.bitLen; i++) bits.push(entry.bits.get(i));
      }
      out.push({
        aggregationBits: BitArray.fromBoolArray(bits),
        data,
        signature: aggregateSignatureBytes(group.map((g) => g.entry.signature)),
        committeeBits,
      });
    }
    return out;
  }

  private exitsForBlock(state: CachedBeaconStateAllForks, fork: ForkSeq): phase0.SignedVoluntaryExit[] {
    const out: phase0.SignedVoluntaryExit[] = [];
    for (const [index, exit] of this.exits) {
      if (out.length >= MAX_VOLUNTARY_EXITS) break;
      if (isValidVoluntaryExit(fork, state, exit, true)) out.push(exit);
      else this.exits.delete(index);
    }
    return out;
  }

  private syncAggregateForBlock(state: CachedBeaconStateAllForks, slot: number): altair.SyncAggregate {
    const committee = (state as CachedBeaconStateAltair).epochCtx.currentSyncCommitteeIndexed.validatorIndices;
    const prevSlot = slot - 1;
    const root = this.head.root;
    const bits = BitArray.fromBitLen(SYNC_COMMITTEE_SIZE);
    const sigs: Uint8Array[] = [];
    const messages = this.syncMessages.signatures(prevSlot, root);
    for (let sub = 0; sub < SYNC_COMMITTEE_SUBNET_COUNT; sub++) {
      const contribution = this.syncMessages.contribution(prevSlot, root, sub);
      if (contribution) {
        for (const i of contribution.bits.getTrueBitIndexes()) bits.set(sub * SUBCOMMITTEE_SIZE + i, true);
        sigs.push(contribution.signature);
      }
      for (let i = 0; i < SUBCOMMITTEE_SIZE; i++) {
        const position = sub * SUBCOMMITTEE_SIZE + i;
        const sig = messages.get(committee[position] as number);
        if (sig && !bits.get(position)) {
          bits.set(position, true);
          sigs.push(sig);
        }
      }
    }
    const infinity = new Uint8Array(96);
    infinity[0] = 0xc0;
    return { syncCommitteeBits: bits, syncCommitteeSignature: sigs.length ? aggregateSignatureBytes(sigs) : infinity };
  }

  // ---------------------------------------------------------------- attestations

  produceAttestationData(slot: number, committeeIndex: number): phase0.AttestationData {
    const current = this.currentSlot();
    if (slot > current + 1 || slot + SLOTS_PER_EPOCH < current) {
      throw new StandInRejection(`attestation data for slot ${slot} is not available at slot ${current}`);
    }
    const state = this.stateAtSlot(slot);
    const epoch = computeEpochAtSlot(slot);
    const count = state.epochCtx.getCommitteeCountPerSlot(epoch);
    if (committeeIndex >= count) {
      throw new StandInRejection(`committee index ${committeeIndex} is out of range: slot ${slot} has ${count}`);
    }
    return {
      slot,
      index: this.config.getForkSeq(slot) >= ForkSeq.electra ? 0 : committeeIndex,
      beaconBlockRoot: this.blockRootAtOrBefore(slot),
      source: state.currentJustifiedCheckpoint.toValue(),
      target: { epoch, root: this.blockRootAtOrBefore(computeStartSlotAtEpoch(epoch)) },
    };
  }

  private checkAttestationData(data: phase0.AttestationData, committeeIndex: number): Uint32Array {
    const current = this.currentSlot();
    if (data.slot > current) throw new StandInRejection(`attestation slot ${data.slot} is in the future`);
    if (data.slot + 2 * SLOTS_PER_EPOCH < current)
      throw new StandInRejection(`attestation slot ${data.slot} is too old`);
    if (this.config.getForkSeq(data.slot) >= ForkSeq.electra && data.index !== 0) {
      throw new StandInRejection(`attestation data index must be 0 from Electra on (EIP-7549), got ${data.index}`);
    }
    if (data.target.epoch !== computeEpochAtSlot(data.slot)) {
      throw new StandInRejection(`target epoch ${data.target.epoch} is not the epoch of slot ${data.slot}`);
    }
    if (!this.blocks.has(toRootHex(data.beaconBlockRoot))) {
      throw new StandInRejection(`unknown beacon_block_root ${toRootHex(data.beaconBlockRoot)}`);
    }
    const state = this.shufflingState(data.target.epoch);
    const count = state.epochCtx.getCommitteeCountPerSlot(data.target.epoch);
    if (committeeIndex >= count) {
      throw new StandInRejection(`committee index ${committeeIndex} is out of range: slot ${data.slot} has ${count}`);
    }
    return state.epochCtx.getBeaconCommittee(data.slot, committeeIndex);
  }

  private attestationSigningRoot(data: phase0.AttestationData): Uint8Array {
    return computeSigningRoot(
      ssz.phase0.AttestationData,
      data,
      this.config.getDomain(this.currentSlot(), DOMAIN_BEACON_ATTESTER, data.slot),
    );
  }

  private pubkey(index: number): PublicKey {
    const pk = this.headState().epochCtx.pubkeyCache.get(index);
    if (!pk) throw new StandInRejection(`unknown validator index ${index}`);
    return pk;
  }

  /** The v2 pool's Electra `SingleAttestation`: gossip validation of a real client, then into the pool. */
  submitSingleAttestation(att: electra.SingleAttestation): void {
    const committee = this.checkAttestationData(att.data, att.committeeIndex);
    const position = committee.indexOf(att.attesterIndex);
    if (position < 0) {
      throw new StandInRejection(
        `validator ${att.attesterIndex} is not in committee ${att.committeeIndex} of slot ${att.data.slot}`,
      );
    }
    if (!sigOk(this.pubkey(att.attesterIndex), this.attestationSigningRoot(att.data), att.signature)) {
      throw new StandInRejection(`invalid signature on the attestation of validator ${att.attesterIndex}`);
    }
    this.attestations.add(ssz.phase0.AttestationData.hashTreeRoot(att.data), {
      data: att.data,
      committeeIndex: att.committeeIndex,
      bits: BitArray.fromSingleBit(committee.length, position),
      signature: att.signature,
    });
    this.markLive(att.data.target.epoch, att.attesterIndex);
  }

  /** The best pooled aggregate, in Electra form (committee_bits with the one committee). */
  aggregateAttestation(dataRoot: Uint8Array, slot: number, committeeIndex: number): electra.Attestation | undefined {
    const best = this.attestations.best(dataRoot, committeeIndex);
    if (!best || best.data.slot !== slot) return undefined;
    return {
      aggregationBits: best.bits,
      data: best.data,
      signature: best.signature,
      committeeBits: BitArray.fromSingleBit(MAX_COMMITTEES_PER_SLOT, committeeIndex),
    };
  }

  /** Electra `SignedAggregateAndProof`, checked as the gossip rules of the aggregate topic do. */
  submitAggregateAndProof(signed: electra.SignedAggregateAndProof): void {
    const { aggregatorIndex, aggregate, selectionProof } = signed.message;
    const committees = aggregate.committeeBits.getTrueBitIndexes();
    if (committees.length !== 1) {
      throw new StandInRejection(
        `aggregate committee_bits must have exactly one bit set, got ${committees.length} (${committees.join(",")})`,
      );
    }
    const committeeIndex = committees[0] as number;
    const committee = this.checkAttestationData(aggregate.data, committeeIndex);
    if (aggregate.aggregationBits.bitLen !== committee.length) {
      throw new StandInRejection(
        `aggregation_bits has length ${aggregate.aggregationBits.bitLen}, committee ${committeeIndex} has ${committee.length}`,
      );
    }
    const attesters = aggregate.aggregationBits.getTrueBitIndexes().map((i) => committee[i] as number);
    if (attesters.length === 0) throw new StandInRejection("aggregate has no participant");
    if (!committee.includes(aggregatorIndex)) {
      throw new StandInRejection(`aggregator ${aggregatorIndex} is not in committee ${committeeIndex}`);
    }
    if (!isAggregatorFromCommitteeLength(committee.length, selectionProof)) {
      throw new StandInRejection(`validator ${aggregatorIndex} is not an aggregator for this slot`);
    }
    const slot = aggregate.data.slot;
    const selectionRoot = computeSigningRoot(
      ssz.Slot,
      slot,
      this.config.getDomain(this.currentSlot(), DOMAIN_SELECTION_PROOF, slot),
    );
    if (!sigOk(this.pubkey(aggregatorIndex), selectionRoot, selectionProof)) {
      throw new StandInRejection("invalid selection proof signature");
    }
    const proofRoot = computeSigningRoot(
      ssz.electra.AggregateAndProof,
      signed.message,
      this.config.getDomain(this.currentSlot(), DOMAIN_AGGREGATE_AND_PROOF, slot),
    );
    if (!sigOk(this.pubkey(aggregatorIndex), proofRoot, signed.signature)) {
      throw new StandInRejection("invalid aggregate-and-proof signature");
    }
    const pubkeys = attesters.map((i) => this.pubkey(i));
    if (!aggregateOk(pubkeys, this.attestationSigningRoot(aggregate.data), aggregate.signature)) {
      throw new StandInRejection("invalid aggregate signature");
    }
    this.attestations.add(ssz.phase0.AttestationData.hashTreeRoot(aggregate.data), {
      data: aggregate.data,
      committeeIndex,
      bits: aggregate.aggregationBits,
      signature: aggregate.signature,
    });
    this.markLive(aggregate.data.target.epoch, aggregatorIndex);
  }

  // ---------------------------------------------------------------- sync committee

  /** Sync committee of the period of `epoch`, from the head state (current or next period only). */
  syncCommittee(epoch: number): Uint32Array {
    const state = this.headState() as CachedBeaconStateAltair;
    const period = (e: number) => Math.floor(e / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    const headPeriod = period(computeEpochAtSlot(state.slot));
    if (period(epoch) === headPeriod) return state.epochCtx.currentSyncCommitteeIndexed.validatorIndices;
    if (period(epoch) === headPeriod + 1) return state.epochCtx.nextSyncCommitteeIndexed.validatorIndices;
    throw new StandInRejection(`epoch ${epoch} is not in the current or next sync committee period`);
  }

  submitSyncMessage(msg: altair.SyncCommitteeMessage): void {
    const current = this.currentSlot();
    if (msg.slot > current || msg.slot + 2 < current) {
      throw new StandInRejection(`sync committee message slot ${msg.slot} is not current (slot ${current})`);
    }
    if (!this.syncCommittee(computeEpochAtSlot(msg.slot)).includes(msg.validatorIndex)) {
      throw new StandInRejection(`validator ${msg.validatorIndex} is not in the sync committee`);
    }
    const root = computeSigningRoot(
      ssz.Root,
      msg.beaconBlockRoot,
      this.config.getDomain(current, DOMAIN_SYNC_COMMITTEE, msg.slot),
    );
    if (!sigOk(this.pubkey(msg.validatorIndex), root, msg.signature)) {
      throw new StandInRejection(`invalid signature on the sync committee message of validator ${msg.validatorIndex}`);
    }
    this.syncMessages.add(msg.slot, msg.beaconBlockRoot, msg.validatorIndex, msg.signature);
    this.markLive(computeEpochAtSlot(msg.slot), msg.validatorIndex);
  }

  produceContribution(slot: number, subcommitteeIndex: number, root: Uint8Array): altair.SyncCommitteeContribution {
    if (subcommitteeIndex >= SYNC_COMMITTEE_SUBNET_COUNT) {
      throw new StandInRejection(`subcommittee index ${subcommitteeIndex} is out of range`);
    }
    const committee = this.syncCommittee(computeEpochAtSlot(slot));
    const messages = this.syncMessages.signatures(slot, root);
    const bits = BitArray.fromBitLen(SUBCOMMITTEE_SIZE);
    const sigs: Uint8Array[] = [];
    for (let i = 0; i < SUBCOMMITTEE_SIZE; i++) {
      const sig = messages.get(committee[subcommitteeIndex * SUBCOMMITTEE_SIZE + i] as number);
      if (sig) {
        bits.set(i, true);
        sigs.push(sig);
      }
    }
    if (sigs.length === 0) throw new StandInRejection("no sync committee message for this slot and root", 404);
    return {
      slot,
      beaconBlockRoot: root,
      subcommitteeIndex,
      aggregationBits: bits,
      signature: aggregateSignatureBytes(sigs),
    };
  }

  submitContributionAndProof(signed: altair.SignedContributionAndProof): void {
    const { aggregatorIndex, contribution, selectionProof } = signed.message;
    const current = this.currentSlot();
    const committee = this.syncCommittee(computeEpochAtSlot(contribution.slot));
    const sub = contribution.subcommitteeIndex;
    if (sub >= SYNC_COMMITTEE_SUBNET_COUNT) throw new StandInRejection(`subcommittee index ${sub} is out of range`);
    const members = committee.slice(sub * SUBCOMMITTEE_SIZE, (sub + 1) * SUBCOMMITTEE_SIZE);
    if (!members.includes(aggregatorIndex)) {
      throw new StandInRejection(`aggregator ${aggregatorIndex} is not in sync subcommittee ${sub}`);
    }
    if (!isSyncCommitteeAggregator(selectionProof)) {
      throw new StandInRejection(`validator ${aggregatorIndex} is not a sync committee aggregator`);
    }
    const pk = this.pubkey(aggregatorIndex);
    const selectionRoot = computeSigningRoot(
      ssz.altair.SyncAggregatorSelectionData,
      { slot: contribution.slot, subcommitteeIndex: sub },
      this.config.getDomain(current, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, contribution.slot),
    );
    if (!sigOk(pk, selectionRoot, selectionProof)) throw new StandInRejection("invalid sync selection proof");
    const proofRoot = computeSigningRoot(
      ssz.altair.ContributionAndProof,
      signed.message,
      this.config.getDomain(current, DOMAIN_CONTRIBUTION_AND_PROOF, contribution.slot),
    );
    if (!sigOk(pk, proofRoot, signed.signature)) throw new StandInRejection("invalid contribution-and-proof signature");
    const participants = contribution.aggregationBits.getTrueBitIndexes().map((i) => this.pubkey(members[i] as number));
    const messageRoot = computeSigningRoot(
      ssz.Root,
      contribution.beaconBlockRoot,
      this.config.getDomain(current, DOMAIN_SYNC_COMMITTEE, contribution.slot),
    );
    if (!aggregateOk(participants, messageRoot, contribution.signature)) {
      throw new StandInRejection("invalid contribution signature");
    }
    this.syncMessages.addContribution(
      contribution.slot,
      contribution.beaconBlockRoot,
      sub,
      contribution.aggregationBits,
      contribution.signature,
    );
  }

  // ---------------------------------------------------------------- proposer preparation, builder, exits, liveness

  prepareProposer(index: number, feeRecipient: Uint8Array): void {
    this.feeRecipients.set(index, feeRecipient);
  }

  /** Builder registrations are signed with DOMAIN_APPLICATION_BUILDER over the genesis fork version, any fork. */
  registerValidator(signed: bellatrix.SignedValidatorRegistrationV1): void {
    const { pubkey, timestamp } = signed.message;
    if (this.headState().epochCtx.pubkeyCache.getIndex(pubkey) === null) {
      throw new StandInRejection(`validator ${toHex(pubkey)} is unknown to the chain`);
    }
    if (timestamp > Math.floor(this.nowMs() / 1000) + 10) {
      throw new StandInRejection(`registration timestamp ${timestamp} is in the future`);
    }
    const domain = computeDomain(DOMAIN_APPLICATION_BUILDER, this.config.GENESIS_FORK_VERSION, ZERO_HASH);
    const root = computeSigningRoot(ssz.bellatrix.ValidatorRegistrationV1, signed.message, domain);
    let pk: PublicKey;
    try {
      pk = PublicKey.fromBytes(pubkey, true);
    } catch {
      throw new StandInRejection("registration pubkey is not a valid BLS public key");
    }
    if (!sigOk(pk, root, signed.signature)) throw new StandInRejection("invalid validator registration signature");
    this.registrations.set(toHex(pubkey), signed.message);
  }

  registration(pubkey: Uint8Array): bellatrix.ValidatorRegistrationV1 | undefined {
    return this.registrations.get(toHex(pubkey));
  }

  submitVoluntaryExit(exit: phase0.SignedVoluntaryExit): void {
    const state = this.stateAtSlot(this.currentSlot());
    if (!isValidVoluntaryExit(this.config.getForkSeq(state.slot), state, exit, true)) {
      throw new StandInRejection(
        `voluntary exit of validator ${exit.message.validatorIndex} is invalid (signature, epoch, activity or status)`,
      );
    }
    this.exits.set(exit.message.validatorIndex, exit);
  }

  private markLive(epoch: number, index: number): void {
    const set = this.live.get(epoch) ?? new Set<number>();
    this.live.set(epoch, set);
    set.add(index);
  }

  isLive(epoch: number, index: number): boolean {
    return this.live.get(epoch)?.has(index) ?? false;
  }
}
