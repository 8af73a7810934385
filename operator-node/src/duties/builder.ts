/**
 * The builder API's validator registration (ValidatorRegistrationV1): its signing root, the committee's consensus
 * value (the registrations of one epoch, as a list) and its validity predicate, and submission to the beacon node,
 * which forwards registrations to its relays.
 */
import { ListCompositeType } from "@chainsafe/ssz";
import type { BeaconConfig } from "@lodestar/config";
import { DOMAIN_APPLICATION_BUILDER, SLOTS_PER_EPOCH, ZERO_HASH } from "@lodestar/params";
import { computeDomain, computeSigningRoot } from "@lodestar/state-transition";
import { type bellatrix, ssz } from "@lodestar/types";
import type { BeaconChain } from "./beacon.js";
import { postJson } from "./http.js";

/**
 * The consensus duty kind of a registration round. consensus/types.ts names the duty kinds of the beacon spec; this
 * one is the builder API's and lives beside it, after the last of those (exit, 6).
 */
export const BUILDER_REGISTRATION_DUTY_KIND = 7;

/**
 * What the committee registers its validators with: agreed by every member's configuration, or not at all. Each
 * registration's fee recipient is its validator's own (the one its blocks must pay), not a setting of the committee.
 */
export interface BuilderParams {
  readonly gasLimit: number;
}

export class BuilderParamsError extends Error {
  override readonly name = "BuilderParamsError";
}

export function checkBuilderParams(p: BuilderParams): void {
  if (!Number.isSafeInteger(p.gasLimit) || p.gasLimit <= 0) {
    throw new BuilderParamsError(`gas limit must be a positive integer, got ${p.gasLimit}`);
  }
}

/**
 * Signed with DOMAIN_APPLICATION_BUILDER over the genesis fork version and a zero genesis validators root, in every
 * fork (builder-specs): a registration is not tied to a chain's forks.
 */
export function registrationSigningRoot(config: BeaconConfig, message: bellatrix.ValidatorRegistrationV1): Uint8Array {
  const domain = computeDomain(DOMAIN_APPLICATION_BUILDER, config.GENESIS_FORK_VERSION, ZERO_HASH);
  return computeSigningRoot(ssz.bellatrix.ValidatorRegistrationV1, message, domain);
}

/** A committee registers at most this many validators in one round. */
const MAX_REGISTRATIONS = 4096;
const registrationList = new ListCompositeType(ssz.bellatrix.ValidatorRegistrationV1, MAX_REGISTRATIONS);

export function encodeRegistrations(list: bellatrix.ValidatorRegistrationV1[]): Uint8Array {
  return registrationList.serialize(list);
}

export function decodeRegistrations(bytes: Uint8Array): bellatrix.ValidatorRegistrationV1[] | undefined {
  try {
    return registrationList.deserialize(bytes);
  } catch {
    return undefined; // malformed bytes are an invalid proposal
  }
}

/**
 * Registrations of a round agreed at `epoch`: stamped with the epoch's start time, so every member proposes alike;
 * each with its validator's fee recipient.
 */
export function registrationsFor(
  chain: BeaconChain,
  epoch: number,
  validators: readonly { readonly pubkey: Uint8Array; readonly feeRecipient: Uint8Array }[],
  params: BuilderParams,
): bellatrix.ValidatorRegistrationV1[] {
  const timestamp = chain.genesisTime + epoch * SLOTS_PER_EPOCH * chain.secondsPerSlot;
  return validators.map(({ pubkey, feeRecipient }) => ({ feeRecipient, gasLimit: params.gasLimit, timestamp, pubkey }));
}

/**
 * Validity of a proposed round: non-empty, each entry for one of our validators at most once, with exactly that
 * validator's fee recipient and our gas limit (a member that knows another fee recipient or is configured otherwise
 * refuses: the committee agrees on them or registers nothing) and the round's timestamp.
 */
export function isAcceptableRegistrations(
  list: bellatrix.ValidatorRegistrationV1[] | undefined,
  /** Our validators (hex public key) and their fee recipients. */
  ours: ReadonlyMap<string, Uint8Array>,
  params: BuilderParams,
  timestamp: number,
): boolean {
  if (!list || list.length === 0) return false;
  const seen = new Set<string>();
  for (const r of list) {
    const key = hex(r.pubkey);
    const feeRecipient = ours.get(key);
    if (!feeRecipient || seen.has(key)) return false;
    seen.add(key);
    if (!equal(r.feeRecipient, feeRecipient) || r.gasLimit !== params.gasLimit || r.timestamp !== timestamp) {
      return false;
    }
  }
  return true;
}

/** POST /eth/v1/validator/register_validator. */
export async function submitRegistrations(
  chain: BeaconChain,
  signed: bellatrix.SignedValidatorRegistrationV1[],
): Promise<void> {
  if (signed.length === 0) return;
  await postJson(
    chain,
    "/eth/v1/validator/register_validator",
    signed.map((s) => ssz.bellatrix.SignedValidatorRegistrationV1.toJson(s)),
  );
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
