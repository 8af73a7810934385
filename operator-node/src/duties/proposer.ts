/**
 * Block proposals against the Beacon API: proposer duties, the RANDAO reveal's signing root, an unsigned block from
 * the beacon node, the block's signing root and its publication. Every SSZ type comes from the fork of the block's
 * slot (`config.getForkTypes`), so the same code serves phase0 and the forks after it.
 */
import type { BeaconConfig } from "@lodestar/config";
import { DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO, ForkSeq, SLOTS_PER_EPOCH } from "@lodestar/params";
import { computeSigningRoot } from "@lodestar/state-transition";
import { type BeaconBlock, type SignedBeaconBlock, ssz } from "@lodestar/types";
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

const toHex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
const fromHex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/^0x/, ""), "hex"));
