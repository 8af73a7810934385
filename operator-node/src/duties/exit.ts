/**
 * Voluntary exits against the Beacon API: the message, its signing root and its submission. From Deneb on, exits
 * are signed with the Capella fork's domain whatever the current fork (EIP-7044), which `getDomainForVoluntaryExit`
 * applies given the slot the signature is made in.
 */
import type { BeaconConfig } from "@lodestar/config";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { computeSigningRoot } from "@lodestar/state-transition";
import { type phase0, ssz } from "@lodestar/types";
import type { BeaconChain } from "./beacon.js";
import { postJson } from "./http.js";

export function voluntaryExitSigningRoot(config: BeaconConfig, exit: phase0.VoluntaryExit, atSlot: number): Uint8Array {
  return computeSigningRoot(
    ssz.phase0.VoluntaryExit,
    exit,
    config.getDomainForVoluntaryExit(atSlot, exit.epoch * SLOTS_PER_EPOCH),
  );
}

export function encodeExit(exit: phase0.VoluntaryExit): Uint8Array {
  return ssz.phase0.VoluntaryExit.serialize(exit);
}

export function decodeExit(bytes: Uint8Array): phase0.VoluntaryExit | undefined {
  try {
    return ssz.phase0.VoluntaryExit.deserialize(bytes);
  } catch {
    return undefined; // malformed bytes are an invalid proposal
  }
}

/**
 * Validity of a proposed exit: our validator, and an epoch the chain accepts now (not in the future) that is at
 * most one epoch old, so a member a moment behind at an epoch boundary still agrees.
 */
export function isAcceptableExit(
  exit: phase0.VoluntaryExit | undefined,
  validatorIndex: number,
  currentEpoch: number,
): boolean {
  return (
    exit !== undefined &&
    exit.validatorIndex === validatorIndex &&
    exit.epoch <= currentEpoch &&
    exit.epoch >= currentEpoch - 1
  );
}

/** POST /eth/v1/beacon/pool/voluntary_exits. */
export async function submitVoluntaryExit(chain: BeaconChain, signed: phase0.SignedVoluntaryExit): Promise<void> {
  await postJson(chain, "/eth/v1/beacon/pool/voluntary_exits", ssz.phase0.SignedVoluntaryExit.toJson(signed));
}
