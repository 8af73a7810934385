/**
 * Block proposals against the Beacon API: proposer duties, the RANDAO reveal's signing root, an unsigned block from
 * the beacon node, the block's signing root and its publication. Every SSZ type comes from the fork of the block's
 * slot (`config.getForkTypes`), so the same code serves phase0 and the forks after it.
 *
 * Up to Capella a block is one object (v2 produce, v1 publish). From Deneb the beacon node answers produceBlockV3
 * with either block contents (the block, blobs and KZG proofs) or a builder's blinded block; the committee agrees on
 * the blinded form in both cases (`Proposal`: a few KB, never the blobs), which has the same hash tree root as the
 * full block, so the one threshold signature serves whichever form is published.
 */
import type { BeaconConfig } from "@lodestar/config";
import { DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO, ForkSeq, SLOTS_PER_EPOCH } from "@lodestar/params";
import { beaconBlockToBlinded, computeSigningRoot } from "@lodestar/state-transition";
import { type BeaconBlock, type BlindedBeaconBlock, type SignedBeaconBlock, ssz } from "@lodestar/types";
import type { BeaconChain } from "./beacon.js";
import { BeaconRequestError, getJson, postJson } from "./http.js";

export interface ProposerDuty {
  readonly validatorIndex: number;
  readonly pubkey: Uint8Array;
  readonly slot: number;
}

export class UnsupportedForkError extends Error {
  override readonly name = "UnsupportedForkError";
}

/** One epoch's proposer duties as the beacon node computed them, and the block root they depend on. */
export interface ProposerDuties {
  readonly epoch: number;
  /**
   * The block the epoch's proposer shuffling was decided by (the last block before the epoch's start, as the beacon
   * node saw it). Duties fetched before that block is final may change: the same epoch fetched again with another
   * dependent root replaces them.
   */
  readonly dependentRoot: string;
  /** Ours only. */
  readonly duties: readonly ProposerDuty[];
}

/** The beacon node answered for slots outside the epoch asked for (Lodestar 1.5.1 does for the next epoch). */
export class ProposerDutiesEpochError extends Error {
  override readonly name = "ProposerDutiesEpochError";
}

/**
 * The epoch's proposer duties, of our validators only. A plain GET: the 1.46 client wants response metadata older
 * beacon nodes do not send. Nodes serve the current epoch (some also the next); a refusal is an error to retry.
 *
 * Every duty must be in the epoch asked for: asked for the next epoch, Lodestar 1.5.1 returns the next epoch's
 * proposers on the current epoch's slots (it numbers them from the state's epoch), an answer no slot may be read from.
 */
export async function proposerDuties(
  chain: BeaconChain,
  epoch: number,
  ours: ReadonlySet<number>,
): Promise<ProposerDuties> {
  const body = await getJson<{
    dependent_root: string;
    data: { pubkey: string; validator_index: string; slot: string }[];
  }>(chain, `/eth/v1/validator/duties/proposer/${epoch}`);
  const all = body.data.map((d) => ({
    validatorIndex: Number(d.validator_index),
    pubkey: fromHex(d.pubkey),
    slot: Number(d.slot),
  }));
  const stray = all.find((d) => Math.floor(d.slot / SLOTS_PER_EPOCH) !== epoch);
  if (stray) {
    throw new ProposerDutiesEpochError(
      `beacon node answered proposer duties for epoch ${epoch} with slot ${stray.slot} of another epoch`,
    );
  }
  return { epoch, dependentRoot: body.dependent_root, duties: all.filter((d) => ours.has(d.validatorIndex)) };
}

/** RANDAO reveal: the proposer's signature over the epoch number with the RANDAO domain. Not slashable. */
export function randaoSigningRoot(config: BeaconConfig, slot: number): Uint8Array {
  return computeSigningRoot(ssz.Epoch, Math.floor(slot / SLOTS_PER_EPOCH), config.getDomain(slot, DOMAIN_RANDAO));
}

export function blockSigningRoot(config: BeaconConfig, block: BeaconBlock): Uint8Array {
  return computeSigningRoot(
    blockTypes(config, block.slot).BeaconBlock,
    block,
    config.getDomain(block.slot, DOMAIN_BEACON_PROPOSER),
  );
}

/** The decided value: the block's SSZ bytes, in the slot's fork. */
export function encodeBlock(config: BeaconConfig, block: BeaconBlock): Uint8Array {
  return blockTypes(config, block.slot).BeaconBlock.serialize(block);
}

/** A peer's proposal for `slot`, or undefined when it is not a well-formed block of that slot's fork. */
export function decodeBlock(config: BeaconConfig, slot: number, bytes: Uint8Array): BeaconBlock | undefined {
  try {
    const block = blockTypes(config, slot).BeaconBlock.deserialize(bytes);
    return block.slot === slot ? block : undefined;
  } catch {
    return undefined; // malformed bytes are an invalid proposal
  }
}

/**
 * The execution payload a block pays through (a full block's payload, a blinded block's payload header: both carry
 * `feeRecipient` and `blockHash`), or undefined for a phase0 or Altair block, which has none.
 */
export function executionPayloadOf(
  block: BeaconBlock | BlindedBeaconBlock,
): { readonly feeRecipient: Uint8Array; readonly blockHash: Uint8Array } | undefined {
  const body = block.body as {
    executionPayload?: { feeRecipient: Uint8Array; blockHash: Uint8Array };
    executionPayloadHeader?: { feeRecipient: Uint8Array; blockHash: Uint8Array };
  };
  return body.executionPayload ?? body.executionPayloadHeader;
}

/**
 * GET /eth/v2/validator/blocks/{slot} (the v2 route carries the fork name, which must be the slot's). Sent by hand:
 * the 1.46 client only speaks v3, which older nodes such as Lodestar 1.5.1 do not serve.
 */
export async function produceBlock(
  chain: BeaconChain,
  slot: number,
  randaoReveal: Uint8Array,
  graffiti: Uint8Array = new Uint8Array(32),
): Promise<BeaconBlock> {
  const types = blockTypes(chain.config, slot);
  const body = await getJson<{ version: string; data: unknown }>(
    chain,
    `/eth/v2/validator/blocks/${slot}?randao_reveal=${toHex(randaoReveal)}&graffiti=${toHex(graffiti)}`,
  );
  const fork = chain.config.getForkName(slot);
  if (body.version !== fork) {
    throw new BeaconRequestError(`beacon node produced a ${body.version} block for a ${fork} slot; check its config`);
  }
  return types.BeaconBlock.fromJson(body.data);
}

export function signedBlock(block: BeaconBlock, signature: Uint8Array): SignedBeaconBlock {
  return { message: block, signature } as SignedBeaconBlock;
}

/** POST /eth/v1/beacon/blocks. Every member publishes; a block the node already has is a success for the caller. */
export async function publishBlock(chain: BeaconChain, signed: SignedBeaconBlock): Promise<void> {
  const types = blockTypes(chain.config, signed.message.slot);
  await postJson(chain, "/eth/v1/beacon/blocks", types.SignedBeaconBlock.toJson(signed));
}

/**
 * Forks up to Capella carry the whole block in one object; from Deneb the beacon node returns block contents with
 * blobs (v3 produce, v2 publish), which this module does not assemble yet.
 */
function blockTypes(config: BeaconConfig, slot: number) {
  if (config.getForkSeq(slot) >= ForkSeq.deneb) {
    throw new UnsupportedForkError(
      `slot ${slot} is in ${config.getForkName(slot)}: blocks with blobs are not supported by this node version; upgrade it`,
    );
  }
  return config.getForkTypes(slot);
}

// ------------------------------------------------------------------ Deneb and later: produceBlockV3

/** Full block contents as the beacon node built them: what a local block is published with. */
export interface BlockContents {
  readonly block: BeaconBlock;
  readonly kzgProofs: Uint8Array[];
  readonly blobs: Uint8Array[];
}

/** One member's answer from produceBlockV3, in the shape consensus runs on. */
export interface Produced {
  /** The block's payload comes from a builder (publish blinded; the relay reveals the payload). */
  readonly builder: boolean;
  readonly blinded: BlindedBeaconBlock;
  /** Only for a local block, and only on the member whose beacon node built it. */
  readonly contents?: BlockContents;
}

/** The decided value of a Deneb+ proposal: which path, and the blinded block every member signs. */
export interface Proposal {
  readonly builder: boolean;
  readonly blinded: BlindedBeaconBlock;
}

/** Whether the slot's block goes through produceBlockV3 and block contents (Deneb on). */
export function usesBlockContents(config: BeaconConfig, slot: number): boolean {
  return config.getForkSeq(slot) >= ForkSeq.deneb;
}

// biome-ignore lint/suspicious/noExplicitAny: fork-indexed SSZ types; each caller picks the fork of its slot.
type AnyType = any;
function contentTypes(config: BeaconConfig, slot: number): Record<string, AnyType> {
  if (!usesBlockContents(config, slot)) {
    throw new UnsupportedForkError(`slot ${slot} is in ${config.getForkName(slot)}: no block contents before Deneb`);
  }
  return (ssz as unknown as Record<string, Record<string, AnyType>>)[config.getForkName(slot)]!;
}

/**
 * GET /eth/v3/validator/blocks/{slot}. `builderBoostFactor` 0 asks for a local block only; undefined lets the beacon
 * node pick (a builder's bid when it has one). Aborted after `timeoutMs` (a BeaconRequestError, like a refusal).
 */
export async function produceBlockV3(
  chain: BeaconChain,
  slot: number,
  randaoReveal: Uint8Array,
  opts: { graffiti?: Uint8Array; builderBoostFactor?: number; timeoutMs: number },
): Promise<Produced> {
  const types = contentTypes(chain.config, slot);
  const query = new URLSearchParams({
    randao_reveal: toHex(randaoReveal),
    graffiti: toHex(opts.graffiti ?? new Uint8Array(32)),
  });
  if (opts.builderBoostFactor !== undefined) query.set("builder_boost_factor", String(opts.builderBoostFactor));
  const path = `/eth/v3/validator/blocks/${slot}?${query}`;
  let res: Response;
  try {
    res = await fetch(chain.url + path, {
      headers: { accept: "application/octet-stream;q=1,application/json;q=0.9" },
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (e) {
    if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
      throw new BeaconRequestError(`produceBlockV3 for slot ${slot} took over ${opts.timeoutMs} ms`);
    }
    throw e;
  }
  if (!res.ok) {
    throw new BeaconRequestError(`beacon node refused GET /eth/v3/validator/blocks/${slot}: HTTP ${res.status}`);
  }
  const fork = chain.config.getForkName(slot);
  const version = res.headers.get("eth-consensus-version");
  let blinded = res.headers.get("eth-execution-payload-blinded") === "true";
  let data: unknown;
  if (res.headers.get("content-type")?.startsWith("application/octet-stream")) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    data = (blinded ? types["BlindedBeaconBlock"] : types["BlockContents"]).deserialize(bytes);
  } else {
    const body = (await res.json()) as { version: string; execution_payload_blinded: boolean; data: unknown };
    blinded = body.execution_payload_blinded;
    data = (blinded ? types["BlindedBeaconBlock"] : types["BlockContents"]).fromJson(body.data);
    if (body.version !== fork) {
      throw new BeaconRequestError(`beacon node produced a ${body.version} block for a ${fork} slot; check its config`);
    }
  }
  if (version !== null && version !== fork) {
    throw new BeaconRequestError(`beacon node produced a ${version} block for a ${fork} slot; check its config`);
  }
  if (blinded) return { builder: true, blinded: data as BlindedBeaconBlock };
  const contents = data as BlockContents;
  // biome-ignore lint/suspicious/noExplicitAny: a Deneb+ block, which the helper's fork-narrowed type demands.
  return { builder: false, blinded: beaconBlockToBlinded(chain.config, contents.block as any), contents };
}

/** The decided value: a path byte (1 builder, 0 local) and the blinded block's SSZ, in the slot's fork. */
export function encodeProposal(config: BeaconConfig, p: Proposal): Uint8Array {
  const bytes = contentTypes(config, p.blinded.slot)["BlindedBeaconBlock"].serialize(p.blinded) as Uint8Array;
  const out = new Uint8Array(1 + bytes.length);
  out[0] = p.builder ? 1 : 0;
  out.set(bytes, 1);
  return out;
}

/** A peer's proposal for `slot`, or undefined when it is not a well-formed blinded block of that slot's fork. */
export function decodeProposal(config: BeaconConfig, slot: number, bytes: Uint8Array): Proposal | undefined {
  if (bytes.length < 1 || bytes[0]! > 1) return undefined;
  try {
    const blinded = contentTypes(config, slot)["BlindedBeaconBlock"].deserialize(
      bytes.subarray(1),
    ) as BlindedBeaconBlock;
    return blinded.slot === slot ? { builder: bytes[0] === 1, blinded } : undefined;
  } catch {
    return undefined; // malformed bytes are an invalid proposal
  }
}

/** Same root as the full block's (the payload header's root is the payload's): one signature serves both forms. */
export function blindedBlockSigningRoot(config: BeaconConfig, blinded: BlindedBeaconBlock): Uint8Array {
  return computeSigningRoot(
    contentTypes(config, blinded.slot)["BlindedBeaconBlock"],
    blinded,
    config.getDomain(blinded.slot, DOMAIN_BEACON_PROPOSER),
  );
}

export function blindedBlockRoot(config: BeaconConfig, blinded: BlindedBeaconBlock): Uint8Array {
  return contentTypes(config, blinded.slot)["BlindedBeaconBlock"].hashTreeRoot(blinded) as Uint8Array;
}

/** POST /eth/v2/beacon/blocks with the signed block, its blobs and KZG proofs (SSZ: blobs are 128 KiB each). */
export async function publishBlockContents(
  chain: BeaconChain,
  contents: BlockContents,
  signature: Uint8Array,
): Promise<void> {
  const slot = contents.block.slot;
  const type = contentTypes(chain.config, slot)["SignedBlockContents"];
  const body = type.serialize({
    signedBlock: { message: contents.block, signature },
    kzgProofs: contents.kzgProofs,
    blobs: contents.blobs,
  }) as Uint8Array;
  await postSsz(chain, "/eth/v2/beacon/blocks", body, chain.config.getForkName(slot));
}

/** POST /eth/v2/beacon/blinded_blocks: the beacon node gets the payload from the builder and publishes. */
export async function publishBlindedBlock(
  chain: BeaconChain,
  blinded: BlindedBeaconBlock,
  signature: Uint8Array,
): Promise<void> {
  const type = contentTypes(chain.config, blinded.slot)["SignedBlindedBeaconBlock"];
  const body = type.serialize({ message: blinded, signature }) as Uint8Array;
  await postSsz(chain, "/eth/v2/beacon/blinded_blocks", body, chain.config.getForkName(blinded.slot));
}

async function postSsz(chain: BeaconChain, path: string, body: Uint8Array, fork: string): Promise<void> {
  const res = await fetch(chain.url + path, {
    method: "POST",
    headers: { "content-type": "application/octet-stream", "Eth-Consensus-Version": fork },
    body,
  });
  if (!res.ok) {
    throw new BeaconRequestError(
      `beacon node refused POST ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`,
    );
  }
}

const toHex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
const fromHex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/^0x/, ""), "hex"));
