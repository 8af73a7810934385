/**
 * Sync committee duties (Altair and later): the signing roots of sync committee messages, selection proofs and
 * contribution-and-proofs, the aggregator selection, the assembly of what is published, and the Beacon API calls.
 * Pure functions over @lodestar/types' altair SSZ types and @lodestar/config's domains, so they are checked by unit
 * tests even where the chain is still phase0.
 */
import type { BeaconConfig } from "@lodestar/config";
import {
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  ForkSeq,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
  TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE,
} from "@lodestar/params";
import { computeSigningRoot } from "@lodestar/state-transition";
import { type altair, ssz } from "@lodestar/types";
import { isSelectedAggregator } from "./aggregation.js";
import type { BeaconChain } from "./beacon.js";
import { getJson, postJson } from "./http.js";

/** Validators of one sync subcommittee (the committee split into SYNC_COMMITTEE_SUBNET_COUNT subnets). */
export const SUBCOMMITTEE_SIZE = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;

export interface SyncDuty {
  readonly validatorIndex: number;
  readonly pubkey: Uint8Array;
  /** Positions of the validator in the sync committee (it may hold more than one). */
  readonly validatorSyncCommitteeIndices: readonly number[];
}

/** Sync committees exist from Altair on; on phase0 every sync duty is inert. */
export function hasSyncCommittee(config: BeaconConfig, slot: number): boolean {
  return config.getForkSeq(slot) >= ForkSeq.altair;
}

/** A sync committee message signs the head block root with DOMAIN_SYNC_COMMITTEE. */
export function syncMessageSigningRoot(config: BeaconConfig, slot: number, beaconBlockRoot: Uint8Array): Uint8Array {
  return computeSigningRoot(ssz.Root, beaconBlockRoot, config.getDomain(slot, DOMAIN_SYNC_COMMITTEE));
}

export function syncSelectionProofSigningRoot(
  config: BeaconConfig,
  slot: number,
  subcommitteeIndex: number,
): Uint8Array {
  return computeSigningRoot(
    ssz.altair.SyncAggregatorSelectionData,
    { slot, subcommitteeIndex },
    config.getDomain(slot, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF),
  );
}

export function contributionAndProofSigningRoot(
  config: BeaconConfig,
  message: altair.ContributionAndProof,
): Uint8Array {
  return computeSigningRoot(
    ssz.altair.ContributionAndProof,
    message,
    config.getDomain(message.contribution.slot, DOMAIN_CONTRIBUTION_AND_PROOF),
  );
}

/**
 * The spec's `is_sync_committee_aggregator`. The subcommittee size comes from the process-wide preset; a caller may
 * name another preset's size (the minimal preset's 8 makes every proof an aggregator, mainnet's 128 one in eight).
 */
export function isSyncCommitteeAggregator(selectionProof: Uint8Array, subcommitteeSize = SUBCOMMITTEE_SIZE): boolean {
  return isSelectedAggregator(selectionProof, subcommitteeSize, TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE);
}

/** The subcommittees a validator serves in, each once. */
export function subcommitteesOf(duty: SyncDuty): number[] {
  return [...new Set(duty.validatorSyncCommitteeIndices.map((i) => Math.floor(i / SUBCOMMITTEE_SIZE)))].sort(
    (a, b) => a - b,
  );
}

export function syncCommitteeMessage(
  slot: number,
  beaconBlockRoot: Uint8Array,
  validatorIndex: number,
  signature: Uint8Array,
): altair.SyncCommitteeMessage {
  return { slot, beaconBlockRoot, validatorIndex, signature };
}

export function contributionAndProof(
  aggregatorIndex: number,
  contribution: altair.SyncCommitteeContribution,
  selectionProof: Uint8Array,
): altair.ContributionAndProof {
  return { aggregatorIndex, contribution, selectionProof };
}

/**
 * Validity of a proposed contribution-and-proof: for our aggregator at this slot and subcommittee, over the block
 * root the committee decided, with its own validator's bits set when the committee published its message (a leader
 * may not drop our own signature from our aggregate; when our message failed, no honest beacon node has it, and
 * demanding the bit would only fail the contribution of everyone else's messages too). The selection proof's
 * signature is checked by the caller (it needs the validator key).
 */
export function isAcceptableContribution(
  cap: altair.ContributionAndProof,
  expected: {
    slot: number;
    beaconBlockRoot: Uint8Array;
    duty: SyncDuty;
    subcommitteeIndex: number;
    /** Whether our own sync committee message for this slot was published. */
    published: boolean;
  },
  subcommitteeSize = SUBCOMMITTEE_SIZE,
): boolean {
  const c = cap.contribution;
  if (
    cap.aggregatorIndex !== expected.duty.validatorIndex ||
    !isSyncCommitteeAggregator(cap.selectionProof, subcommitteeSize)
  ) {
    return false;
  }
  if (c.slot !== expected.slot || c.subcommitteeIndex !== expected.subcommitteeIndex) return false;
  if (!Buffer.from(c.beaconBlockRoot).equals(Buffer.from(expected.beaconBlockRoot))) return false;
  if (!expected.published) return true;
  return expected.duty.validatorSyncCommitteeIndices
    .filter((i) => Math.floor(i / subcommitteeSize) === expected.subcommitteeIndex)
    .every((i) => c.aggregationBits.get(i % subcommitteeSize));
}

export async function syncCommitteeDuties(chain: BeaconChain, epoch: number, indices: number[]): Promise<SyncDuty[]> {
  if (indices.length === 0) return [];
  const res = await fetch(`${chain.url}/eth/v1/validator/duties/sync/${epoch}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(indices.map(String)),
  });
  if (!res.ok) throw new Error(`beacon node refused sync committee duties: HTTP ${res.status}`);
  const body = (await res.json()) as {
    data: { pubkey: string; validator_index: string; validator_sync_committee_indices: string[] }[];
  };
  return body.data.map((d) => ({
    validatorIndex: Number(d.validator_index),
    pubkey: Uint8Array.from(Buffer.from(d.pubkey.replace(/^0x/, ""), "hex")),
    validatorSyncCommitteeIndices: d.validator_sync_committee_indices.map(Number),
  }));
}

export async function headBlockRoot(chain: BeaconChain): Promise<Uint8Array> {
  const body = await getJson<{ data: { root: string } }>(chain, "/eth/v1/beacon/blocks/head/root");
  return Uint8Array.from(Buffer.from(body.data.root.replace(/^0x/, ""), "hex"));
}

export async function submitSyncCommitteeMessages(
  chain: BeaconChain,
  messages: altair.SyncCommitteeMessage[],
): Promise<void> {
  await postJson(
    chain,
    "/eth/v1/beacon/pool/sync_committees",
    messages.map((m) => ssz.altair.SyncCommitteeMessage.toJson(m)),
  );
}

export async function syncCommitteeContribution(
  chain: BeaconChain,
  slot: number,
  subcommitteeIndex: number,
  beaconBlockRoot: Uint8Array,
): Promise<altair.SyncCommitteeContribution | undefined> {
  const root = `0x${Buffer.from(beaconBlockRoot).toString("hex")}`;
  const res = await fetch(
    `${chain.url}/eth/v1/validator/sync_committee_contribution?slot=${slot}&subcommittee_index=${subcommitteeIndex}&beacon_block_root=${root}`,
  );
  if (!res.ok) return undefined; // no messages seen for this subcommittee: nothing to aggregate
  return ssz.altair.SyncCommitteeContribution.fromJson(((await res.json()) as { data: unknown }).data);
}

export async function submitContributionAndProofs(
  chain: BeaconChain,
  signed: altair.SignedContributionAndProof[],
): Promise<void> {
  await postJson(
    chain,
    "/eth/v1/validator/contribution_and_proofs",
    signed.map((s) => ssz.altair.SignedContributionAndProof.toJson(s)),
  );
}
