/**
 * BeaconApiStandIn — a STAND-IN for a beacon node, for benchmarks only. A Lodestar dev chain here cannot hold
 * 1,000 validators (genesis and epoch processing would take the machine), so this small HTTP server answers exactly
 * the Beacon API calls an operator node makes for attester duties, with fixed, self-consistent data:
 *   GET  /eth/v1/config/spec, /eth/v1/beacon/genesis, /eth/v1/beacon/states/head/validators?id=…
 *   POST /eth/v1/validator/duties/attester/{epoch}    every validator attests once per epoch, slot = index mod epoch
 *   GET  /eth/v1/validator/attestation_data            one AttestationData per slot (fixed block root, source, target)
 *   POST /eth/v1/beacon/pool/attestations              records arrival time; signatures are checked later in a batch
 *   GET  /eth/v1/validator/aggregate_attestation       404: no aggregates, so no aggregate-and-proof step is benched
 * It verifies nothing at submission time (cheap, so it does not steal CPU from the nodes it measures);
 * `verifySubmitted` checks every distinct submitted signature against its validator key afterwards.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PublicKey, Signature, verifyMultipleAggregateSignatures } from "@chainsafe/blst";
import { createBeaconConfig, createChainForkConfig } from "@lodestar/config";
import { DOMAIN_BEACON_ATTESTER, PresetName, SLOTS_PER_EPOCH } from "@lodestar/params";
import { computeSigningRoot } from "@lodestar/state-transition";
import { type phase0, ssz } from "@lodestar/types";

export interface StandInOptions {
  readonly validatorPublicKeys: readonly Uint8Array[];
  readonly genesisTime: number;
  readonly secondsPerSlot: number;
  /** Beacon committee size announced in duties; it sets how often a validator is selected to aggregate. */
  readonly committeeLength?: number;
}

export interface Arrival {
  readonly slot: number;
  readonly validatorIndex: number;
  /** ms after the slot's start (host clock) at which the first copy arrived. */
  readonly afterSlotStartMs: number;
}

const GENESIS_FORK_VERSION = "0x00000000";
const GENESIS_VALIDATORS_ROOT = `0x${"42".repeat(32)}`;
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

export class BeaconApiStandIn {
  readonly label = "BeaconApiStandIn (stand-in beacon API, not a beacon node)";
  private server: Server | undefined;
  private readonly byPubkey: Map<string, number>;
  private readonly committeeLength: number;
  private readonly config;
  /** First arrival per (slot, validator) and every distinct (validator, slot, signature) for the final check. */
  private readonly first = new Map<string, Arrival>();
  private readonly signatures = new Map<string, { validatorIndex: number; slot: number; signature: string }>();
  submissions = 0;

  constructor(private readonly o: StandInOptions) {
    this.byPubkey = new Map(o.validatorPublicKeys.map((p, i) => [hex(p), i]));
    this.committeeLength = o.committeeLength ?? 128;
    const chainConfig = createChainForkConfig({
      PRESET_BASE: SLOTS_PER_EPOCH === 8 ? PresetName.minimal : PresetName.mainnet,
      CONFIG_NAME: "cohort-stand-in",
      SECONDS_PER_SLOT: o.secondsPerSlot,
      GENESIS_FORK_VERSION: Buffer.from(GENESIS_FORK_VERSION.slice(2), "hex"),
      ALTAIR_FORK_EPOCH: Number.POSITIVE_INFINITY,
      BELLATRIX_FORK_EPOCH: Number.POSITIVE_INFINITY,
      CAPELLA_FORK_EPOCH: Number.POSITIVE_INFINITY,
      DENEB_FORK_EPOCH: Number.POSITIVE_INFINITY,
      ELECTRA_FORK_EPOCH: Number.POSITIVE_INFINITY,
      FULU_FORK_EPOCH: Number.POSITIVE_INFINITY,
    });
    this.config = createBeaconConfig(chainConfig, Buffer.from(GENESIS_VALIDATORS_ROOT.slice(2), "hex"));
  }

  async start(): Promise<string> {
    // Operator nodes look up all their validators in one GET (…?id=0x…&id=0x…): ~100 KB of URL for 1,000 keys,
    // above Node's 16 KB default header limit.
    this.server = createServer({ maxHeaderSize: 4 * 2 ** 20 }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => reply(res, 500, { message: String(e) }));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  slotStartMs(slot: number): number {
    return (this.o.genesisTime + slot * this.o.secondsPerSlot) * 1000;
  }

  arrivals(fromSlot: number, toSlot: number): Arrival[] {
    return [...this.first.values()].filter((a) => a.slot >= fromSlot && a.slot < toSlot);
  }

  /** Checks every distinct submitted signature in one blst batch; returns how many there were. */
  verifySubmitted(): { distinct: number; allValid: boolean } {
    const sets = [...this.signatures.values()].map((s) => ({
      msg: computeSigningRoot(
        ssz.phase0.AttestationData,
        this.dataAt(s.slot, this.dutyOf(s.validatorIndex).committeeIndex),
        this.config.getDomain(s.slot, DOMAIN_BEACON_ATTESTER),
      ),
      pk: PublicKey.fromBytes(this.o.validatorPublicKeys[s.validatorIndex]!),
      sig: Signature.fromBytes(Buffer.from(s.signature.slice(2), "hex"), true),
    }));
    return { distinct: sets.length, allValid: sets.length === 0 || verifyMultipleAggregateSignatures(sets) };
  }

  private dutyOf(validatorIndex: number) {
    const perSlot = Math.ceil(this.o.validatorPublicKeys.length / SLOTS_PER_EPOCH);
    const inSlot = Math.floor(validatorIndex / SLOTS_PER_EPOCH);
    return {
      slotInEpoch: validatorIndex % SLOTS_PER_EPOCH,
      committeeIndex: Math.floor(inSlot / this.committeeLength),
      validatorCommitteeIndex: inSlot % this.committeeLength,
      committeesAtSlot: Math.ceil(perSlot / this.committeeLength),
    };
  }

  private dataAt(slot: number, index: number): phase0.AttestationData {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const root = (tag: number, n: number) => {
      const r = new Uint8Array(32);
      r[0] = tag;
      new DataView(r.buffer).setUint32(28, n);
      return r;
    };
    return {
      slot,
      index,
      beaconBlockRoot: root(1, slot),
      source: { epoch: Math.max(0, epoch - 1), root: root(2, Math.max(0, epoch - 1)) },
      target: { epoch, root: root(2, epoch) },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const path = url.pathname;
    if (req.method === "GET" && path === "/eth/v1/config/spec") {
      return reply(res, 200, {
        data: {
          PRESET_BASE: SLOTS_PER_EPOCH === 8 ? "minimal" : "mainnet",
          CONFIG_NAME: "cohort-stand-in",
          SLOTS_PER_EPOCH: String(SLOTS_PER_EPOCH),
          SECONDS_PER_SLOT: String(this.o.secondsPerSlot),
          GENESIS_FORK_VERSION,
        },
      });
    }
    if (req.method === "GET" && path === "/eth/v1/beacon/genesis") {
      return reply(res, 200, {
        data: {
          genesis_time: String(this.o.genesisTime),
          genesis_validators_root: GENESIS_VALIDATORS_ROOT,
          genesis_fork_version: GENESIS_FORK_VERSION,
        },
      });
    }
    if (req.method === "GET" && path === "/eth/v1/beacon/states/head/validators") {
      const data = url.searchParams.getAll("id").flatMap((id) => {
        const index = this.byPubkey.get(id.toLowerCase());
        return index === undefined
          ? []
          : [{ index: String(index), balance: "32000000000", status: "active_ongoing", validator: { pubkey: id } }];
      });
      return reply(res, 200, { execution_optimistic: false, finalized: false, data });
    }
    const duties = /^\/eth\/v1\/validator\/duties\/attester\/(\d+)$/.exec(path);
    if (req.method === "POST" && duties) {
      const epoch = Number(duties[1]);
      const indices = (JSON.parse(await body(req)) as string[]).map(Number);
      const data = indices
        .filter((i) => i >= 0 && i < this.o.validatorPublicKeys.length)
        .map((i) => {
          const d = this.dutyOf(i);
          return {
            pubkey: hex(this.o.validatorPublicKeys[i]!),
            validator_index: String(i),
            committee_index: String(d.committeeIndex),
            committee_length: String(this.committeeLength),
            committees_at_slot: String(d.committeesAtSlot),
            validator_committee_index: String(d.validatorCommitteeIndex),
            slot: String(epoch * SLOTS_PER_EPOCH + d.slotInEpoch),
          };
        });
      return reply(res, 200, { execution_optimistic: false, dependent_root: `0x${"00".repeat(32)}`, data });
    }
    if (req.method === "GET" && path === "/eth/v1/validator/attestation_data") {
      const slot = Number(url.searchParams.get("slot"));
      const index = Number(url.searchParams.get("committee_index"));
      return reply(res, 200, { data: ssz.phase0.AttestationData.toJson(this.dataAt(slot, index)) });
    }
    if (req.method === "POST" && path === "/eth/v1/beacon/pool/attestations") {
      const now = Date.now();
      const atts = (JSON.parse(await body(req)) as unknown[]).map((j) => ssz.phase0.Attestation.fromJson(j));
      for (const a of atts) {
        this.submissions++;
        const slot = a.data.slot;
        const bit = a.aggregationBits.getTrueBitIndexes()[0] ?? -1;
        const inSlot = a.data.index * this.committeeLength + bit;
        const validatorIndex = inSlot * SLOTS_PER_EPOCH + (slot % SLOTS_PER_EPOCH);
        const k = `${slot}/${validatorIndex}`;
        if (!this.first.has(k))
          this.first.set(k, { slot, validatorIndex, afterSlotStartMs: now - this.slotStartMs(slot) });
        const signature = hex(a.signature);
        this.signatures.set(`${k}/${signature}`, { validatorIndex, slot, signature });
      }
      return reply(res, 200, {});
    }
    if (path === "/eth/v1/validator/aggregate_attestation") return reply(res, 404, { message: "stand-in: none" });
    if (req.method === "POST" && path === "/eth/v1/validator/aggregate_and_proofs") return reply(res, 200, {});
    return reply(res, 404, { message: `stand-in does not serve ${req.method} ${path}` });
  }
}

function reply(res: ServerResponse, status: number, json: unknown): void {
  const text = JSON.stringify(json);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
