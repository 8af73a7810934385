/**
 * A plain validator client for tests: interop keys, the stand-in's HTTP API only, and the spec's signing roots
 * (domains from a config built from the node's own /eth/v1/config/spec). `domainOverride` signs with a chosen domain
 * so tests can present what a client on the wrong fork would send.
 */
import type { SecretKey } from "@chainsafe/blst";
import { BitArray } from "@chainsafe/ssz";
import { type BeaconConfig, chainConfigFromJson, createBeaconConfig } from "@lodestar/config";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_RANDAO,
  DOMAIN_SELECTION_PROOF,
  ZERO_HASH,
} from "@lodestar/params";
import { computeDomain, computeEpochAtSlot, computeSigningRoot, interopSecretKey } from "@lodestar/state-transition";
import { type electra, type phase0, ssz } from "@lodestar/types";
import { fromHex, toHex } from "@lodestar/utils";

export interface HttpAnswer {
  status: number;
  body: unknown;
}

export class TestClient {
  private constructor(
    readonly url: string,
    readonly config: BeaconConfig,
  ) {}

  static async connect(url: string): Promise<TestClient> {
    const spec = ((await (await fetch(`${url}/eth/v1/config/spec`)).json()) as { data: Record<string, unknown> }).data;
    const genesis = ((await (await fetch(`${url}/eth/v1/beacon/genesis`)).json()) as { data: Record<string, string> })
      .data;
    const config = createBeaconConfig(chainConfigFromJson(spec), fromHex(genesis["genesis_validators_root"] as string));
    return new TestClient(url, config);
  }

  key(index: number): SecretKey {
    return interopSecretKey(index);
  }

  async get(path: string): Promise<HttpAnswer> {
    const res = await fetch(this.url + path);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async post(path: string, body: unknown, version?: string): Promise<HttpAnswer> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (version) headers["Eth-Consensus-Version"] = version;
    const res = await fetch(this.url + path, { method: "POST", headers, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async attesterDuties(epoch: number, indices: number[]) {
    const r = await this.post(`/eth/v1/validator/duties/attester/${epoch}`, indices.map(String));
    return (r.body as { data: Record<string, string>[] }).data.map((d) => ({
      validatorIndex: Number(d["validator_index"]),
      slot: Number(d["slot"]),
      committeeIndex: Number(d["committee_index"]),
      committeeLength: Number(d["committee_length"]),
      committeesAtSlot: Number(d["committees_at_slot"]),
      validatorCommitteeIndex: Number(d["validator_committee_index"]),
    }));
  }

  async proposerOf(slot: number): Promise<number> {
    const r = await this.get(`/eth/v1/validator/duties/proposer/${computeEpochAtSlot(slot)}`);
    const duty = (r.body as { data: Record<string, string>[] }).data.find((d) => Number(d["slot"]) === slot);
    return Number(duty?.["validator_index"]);
  }

  async attestationData(slot: number, committeeIndex: number): Promise<phase0.AttestationData> {
    const r = await this.get(`/eth/v1/validator/attestation_data?slot=${slot}&committee_index=${committeeIndex}`);
    return ssz.phase0.AttestationData.fromJson((r.body as { data: unknown }).data);
  }

  attesterDomain(slot: number): Uint8Array {
    return this.config.getDomain(slot, DOMAIN_BEACON_ATTESTER);
  }

  singleAttestation(
    validatorIndex: number,
    committeeIndex: number,
    data: phase0.AttestationData,
    opts: { domain?: Uint8Array; signer?: number } = {},
  ): electra.SingleAttestation {
    const root = computeSigningRoot(ssz.phase0.AttestationData, data, opts.domain ?? this.attesterDomain(data.slot));
    return {
      committeeIndex,
      attesterIndex: validatorIndex,
      data,
      signature: this.key(opts.signer ?? validatorIndex)
        .sign(root)
        .toBytes(),
    };
  }

  submitAttestations(atts: electra.SingleAttestation[]): Promise<HttpAnswer> {
    const version = this.config.getForkName(atts[0]?.data.slot ?? 0);
    return this.post(
      "/eth/v2/beacon/pool/attestations",
      atts.map((a) => ssz.electra.SingleAttestation.toJson(a)),
      version,
    );
  }

  /** Attests for every duty of `indices` at `slot`; returns the HTTP answer of the pool. */
  async attest(slot: number, indices: number[]): Promise<HttpAnswer | undefined> {
    const duties = (await this.attesterDuties(computeEpochAtSlot(slot), indices)).filter((d) => d.slot === slot);
    if (duties.length === 0) return undefined;
    const atts: electra.SingleAttestation[] = [];
    for (const d of duties) {
      const data = await this.attestationData(slot, d.committeeIndex);
      atts.push(this.singleAttestation(d.validatorIndex, d.committeeIndex, data));
    }
    return this.submitAttestations(atts);
  }

  signedAggregate(
    aggregator: number,
    aggregate: electra.Attestation,
    opts: { committeeBits?: BitArray } = {},
  ): electra.SignedAggregateAndProof {
    const slot = aggregate.data.slot;
    const sk = this.key(aggregator);
    const selectionProof = sk
      .sign(computeSigningRoot(ssz.Slot, slot, this.config.getDomain(slot, DOMAIN_SELECTION_PROOF)))
      .toBytes();
    const message = {
      aggregatorIndex: aggregator,
      aggregate: { ...aggregate, committeeBits: opts.committeeBits ?? aggregate.committeeBits },
      selectionProof,
    };
    const root = computeSigningRoot(
      ssz.electra.AggregateAndProof,
      message,
      this.config.getDomain(slot, DOMAIN_AGGREGATE_AND_PROOF),
    );
    return { message, signature: sk.sign(root).toBytes() };
  }

  submitAggregates(items: electra.SignedAggregateAndProof[]): Promise<HttpAnswer> {
    const version = this.config.getForkName(items[0]?.message.aggregate.data.slot ?? 0);
    return this.post(
      "/eth/v2/validator/aggregate_and_proofs",
      items.map((a) => ssz.electra.SignedAggregateAndProof.toJson(a)),
      version,
    );
  }

  async register(index: number, feeRecipient: Uint8Array, timestamp: number, domain?: Uint8Array): Promise<HttpAnswer> {
    const message = {
      feeRecipient,
      gasLimit: 30_000_000,
      timestamp,
      pubkey: this.key(index).toPublicKey().toBytes(),
    };
    const d = domain ?? computeDomain(DOMAIN_APPLICATION_BUILDER, this.config.GENESIS_FORK_VERSION, ZERO_HASH);
    const signature = this.key(index)
      .sign(computeSigningRoot(ssz.bellatrix.ValidatorRegistrationV1, message, d))
      .toBytes();
    return this.post("/eth/v1/validator/register_validator", [
      ssz.bellatrix.SignedValidatorRegistrationV1.toJson({ message, signature }),
    ]);
  }

  /** produceBlockV3, sign, publish through the route that matches what came back. */
  async propose(
    slot: number,
    proposer: number,
    opts: { builderBoostFactor?: string; proposerDomain?: Uint8Array } = {},
  ): Promise<{ blinded: boolean; publish: HttpAnswer; block: unknown }> {
    const sk = this.key(proposer);
    const randao = sk
      .sign(computeSigningRoot(ssz.Epoch, computeEpochAtSlot(slot), this.config.getDomain(slot, DOMAIN_RANDAO)))
      .toBytes();
    const boost = opts.builderBoostFactor === undefined ? "" : `&builder_boost_factor=${opts.builderBoostFactor}`;
    const produced = await this.get(`/eth/v3/validator/blocks/${slot}?randao_reveal=${toHex(randao)}${boost}`);
    if (produced.status !== 200) throw new Error(`produceBlockV3 failed: ${JSON.stringify(produced.body)}`);
    const body = produced.body as { version: string; execution_payload_blinded: boolean; data: unknown };
    const types = (
      ssz as unknown as Record<
        string,
        Record<
          string,
          { fromJson(j: unknown): unknown; toJson(v: unknown): unknown; hashTreeRoot(v: unknown): Uint8Array }
        >
      >
    )[body.version];
    if (!types) throw new Error(`unknown fork ${body.version}`);
    const domain = opts.proposerDomain ?? this.config.getDomain(slot, DOMAIN_BEACON_PROPOSER);
    if (body.execution_payload_blinded) {
      const block = types["BlindedBeaconBlock"]!.fromJson(body.data);
      const signature = sk.sign(computeSigningRoot(types["BlindedBeaconBlock"] as never, block, domain)).toBytes();
      const publish = await this.post(
        "/eth/v2/beacon/blinded_blocks",
        types["SignedBlindedBeaconBlock"]!.toJson({ message: block, signature }),
        body.version,
      );
      return { blinded: true, publish, block };
    }
    const contents = types["BlockContents"]!.fromJson(body.data) as {
      block: unknown;
      kzgProofs: unknown[];
      blobs: unknown[];
    };
    const signature = sk.sign(computeSigningRoot(types["BeaconBlock"] as never, contents.block, domain)).toBytes();
    const publish = await this.post(
      "/eth/v2/beacon/blocks",
      types["SignedBlockContents"]!.toJson({
        signedBlock: { message: contents.block, signature },
        kzgProofs: contents.kzgProofs,
        blobs: contents.blobs,
      }),
      body.version,
    );
    return { blinded: false, publish, block: contents.block };
  }
}

export function singleBit(length: number, index: number): BitArray {
  return BitArray.fromSingleBit(length, index);
}
