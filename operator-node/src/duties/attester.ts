import { BitArray } from "@chainsafe/ssz";
import { DOMAIN_AGGREGATE_AND_PROOF, DOMAIN_BEACON_ATTESTER, DOMAIN_SELECTION_PROOF, ForkSeq } from "@lodestar/params";
import { computeSigningRoot } from "@lodestar/state-transition";
import { type electra, type phase0, ssz } from "@lodestar/types";
import type { BeaconChain } from "./beacon.js";
import { postJson as postWithHeaders } from "./http.js";

/** An aggregate and its proof in either shape: phase0 (committee in data.index) or Electra (committee_bits). */
export type AnyAggregateAndProof = phase0.AggregateAndProof | electra.AggregateAndProof;
export type AnyAttestation = phase0.Attestation | electra.Attestation;

/**
 * Electra (EIP-7549) moved the committee index out of AttestationData into the attestation's committee bits and made
 * the pool and aggregate routes v2 with a consensus-version header; whether a slot is past it decides every shape.
 */
export function isElectra(chain: BeaconChain, slot: number): boolean {
  return chain.config.getForkSeq(slot) >= ForkSeq.electra;
}

export type AttesterDuty = {
  validatorIndex: number;
  pubkey: Uint8Array;
  slot: number;
  committeeIndex: number;
  committeeLength: number;
  validatorCommitteeIndex: number;
};

/**
 * Validator indices for public keys; keys the chain does not know yet (pending deposits) are left out. A plain GET:
 * the 1.46 client insists on response metadata (`finalized`) that older beacon nodes do not send.
 */
/** Pubkeys per lookup: 100 × ~103 URL bytes stays far below the 16 KB header limit of common HTTP servers. */
const INDEX_LOOKUP_CHUNK = 100;

export async function validatorIndices(chain: BeaconChain, pubkeys: Uint8Array[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (let i = 0; i < pubkeys.length; i += INDEX_LOOKUP_CHUNK) {
    const query = pubkeys
      .slice(i, i + INDEX_LOOKUP_CHUNK)
      .map((p) => `id=0x${Buffer.from(p).toString("hex")}`)
      .join("&");
    const res = await fetch(`${chain.url}/eth/v1/beacon/states/head/validators?${query}`);
    if (!res.ok) throw new Error(`beacon node refused the validators query: HTTP ${res.status}`);
    const body = (await res.json()) as { data: { index: string; validator: { pubkey: string } }[] };
    for (const v of body.data) found.set(v.validator.pubkey.replace(/^0x/, ""), Number(v.index));
  }
  return found;
}

export async function attesterDuties(chain: BeaconChain, epoch: number, indices: number[]): Promise<AttesterDuty[]> {
  if (indices.length === 0) return [];
  const res = await chain.api.validator.getAttesterDuties({ epoch, indices });
  return res.value().map((d) => ({
    validatorIndex: d.validatorIndex,
    pubkey: d.pubkey,
    slot: d.slot,
    committeeIndex: d.committeeIndex,
    committeeLength: d.committeeLength,
    validatorCommitteeIndex: d.validatorCommitteeIndex,
  }));
}

export async function attestationData(
  chain: BeaconChain,
  slot: number,
  committeeIndex: number,
): Promise<phase0.AttestationData> {
  return (await chain.api.validator.produceAttestationData({ slot, committeeIndex })).value();
}

export function attestationSigningRoot(chain: BeaconChain, data: phase0.AttestationData): Uint8Array {
  return computeSigningRoot(
    ssz.phase0.AttestationData,
    data,
    chain.config.getDomain(data.slot, DOMAIN_BEACON_ATTESTER),
  );
}

export function selectionProofSigningRoot(chain: BeaconChain, slot: number): Uint8Array {
  return computeSigningRoot(ssz.Slot, slot, chain.config.getDomain(slot, DOMAIN_SELECTION_PROOF));
}

/** The AggregateAndProof type of the aggregate's slot: Electra's carries committee_bits, so its root differs. */
export function aggregateAndProofSigningRoot(chain: BeaconChain, message: AnyAggregateAndProof): Uint8Array {
  const slot = message.aggregate.data.slot;
  const domain = chain.config.getDomain(slot, DOMAIN_AGGREGATE_AND_PROOF);
  if (isElectra(chain, slot)) {
    return computeSigningRoot(ssz.electra.AggregateAndProof, message as electra.AggregateAndProof, domain);
  }
  return computeSigningRoot(ssz.phase0.AggregateAndProof, message as phase0.AggregateAndProof, domain);
}

export function singleAttestation(
  duty: AttesterDuty,
  data: phase0.AttestationData,
  signature: Uint8Array,
): phase0.Attestation {
  return {
    aggregationBits: BitArray.fromSingleBit(duty.committeeLength, duty.validatorCommitteeIndex),
    data,
    signature,
  };
}

/** Electra's unaggregated attestation: the attester and its committee by index, no bitfield (EIP-7549). */
export function electraSingleAttestation(
  duty: AttesterDuty,
  data: phase0.AttestationData,
  signature: Uint8Array,
): electra.SingleAttestation {
  return { committeeIndex: duty.committeeIndex, attesterIndex: duty.validatorIndex, data, signature };
}

/** POST /eth/v2/beacon/pool/attestations with the slot's fork in Eth-Consensus-Version (Electra on). */
export async function submitSingleAttestations(
  chain: BeaconChain,
  attestations: electra.SingleAttestation[],
): Promise<void> {
  const first = attestations[0];
  if (!first) return;
  await postWithHeaders(
    chain,
    "/eth/v2/beacon/pool/attestations",
    attestations.map((a) => ssz.electra.SingleAttestation.toJson(a)),
    { "Eth-Consensus-Version": chain.config.getForkName(first.data.slot) },
  );
}

/**
 * POST /eth/v1/beacon/pool/attestations. Sent as JSON by hand because @lodestar/api 1.46 only offers the v2 route,
 * which phase0-era nodes answer 404; the SSZ JSON itself comes from @lodestar/types.
 */
export async function submitAttestations(chain: BeaconChain, attestations: phase0.Attestation[]): Promise<void> {
  await postJson(
    chain,
    "/eth/v1/beacon/pool/attestations",
    attestations.map((a) => ssz.phase0.Attestation.toJson(a)),
  );
}

/**
 * The beacon node's best aggregate for the data; from Electra, of one committee (v2 route, `committee_index`), since
 * the data no longer names it. Undefined when the node has none.
 */
export async function aggregateAttestation(
  chain: BeaconChain,
  data: phase0.AttestationData,
  committeeIndex: number,
): Promise<AnyAttestation | undefined> {
  const root = `0x${Buffer.from(ssz.phase0.AttestationData.hashTreeRoot(data)).toString("hex")}`;
  if (isElectra(chain, data.slot)) {
    const res = await fetch(
      `${chain.url}/eth/v2/validator/aggregate_attestation?attestation_data_root=${root}&slot=${data.slot}&committee_index=${committeeIndex}`,
    );
    if (!res.ok) return undefined;
    const att = ssz.electra.Attestation.fromJson(((await res.json()) as { data: unknown }).data);
    // One committee's aggregate, or it is not what the aggregate topic accepts from us.
    const bits = att.committeeBits.getTrueBitIndexes();
    return bits.length === 1 && bits[0] === committeeIndex ? att : undefined;
  }
  const res = await fetch(
    `${chain.url}/eth/v1/validator/aggregate_attestation?attestation_data_root=${root}&slot=${data.slot}`,
  );
  if (!res.ok) return undefined;
  return ssz.phase0.Attestation.fromJson(((await res.json()) as { data: unknown }).data);
}

export async function submitAggregateAndProofs(
  chain: BeaconChain,
  signed: { message: AnyAggregateAndProof; signature: Uint8Array }[],
): Promise<void> {
  const first = signed[0];
  if (!first) return;
  const slot = first.message.aggregate.data.slot;
  if (isElectra(chain, slot)) {
    await postWithHeaders(
      chain,
      "/eth/v2/validator/aggregate_and_proofs",
      signed.map((s) => ssz.electra.SignedAggregateAndProof.toJson(s as electra.SignedAggregateAndProof)),
      { "Eth-Consensus-Version": chain.config.getForkName(slot) },
    );
    return;
  }
  await postJson(
    chain,
    "/eth/v1/validator/aggregate_and_proofs",
    signed.map((s) => ssz.phase0.SignedAggregateAndProof.toJson(s as phase0.SignedAggregateAndProof)),
  );
}

async function postJson(chain: BeaconChain, path: string, body: unknown): Promise<void> {
  const res = await fetch(chain.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`beacon node refused ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
}
