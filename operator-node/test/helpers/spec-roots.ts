/**
 * The consensus spec's signing-root formulas written out by hand (sha256 over 32-byte chunks), so tests compare the
 * node's Lodestar-based roots with an independent computation rather than with the same library calls.
 */
import { createBeaconConfig, createChainForkConfig } from "@lodestar/config";
import { minimalChainConfig } from "@lodestar/config/configs";
import { sha256 } from "@noble/hashes/sha2.js";
import type { BeaconChain } from "../../src/duties/beacon.js";

export const GENESIS_VALIDATORS_ROOT = sha256(new TextEncoder().encode("cohort test genesis"));
export const PHASE0_VERSION = Uint8Array.from([0, 0, 0, 1]);
export const ALTAIR_VERSION = Uint8Array.from([1, 0, 0, 1]);

/** A minimal-preset config with Altair from `altairEpoch` (phase0 throughout when Infinity). */
export function testConfig(altairEpoch: number) {
  return createBeaconConfig(
    createChainForkConfig({
      ...minimalChainConfig,
      GENESIS_FORK_VERSION: PHASE0_VERSION,
      ALTAIR_FORK_VERSION: ALTAIR_VERSION,
      ALTAIR_FORK_EPOCH: altairEpoch,
      BELLATRIX_FORK_EPOCH: Number.POSITIVE_INFINITY,
      CAPELLA_FORK_EPOCH: Number.POSITIVE_INFINITY,
      DENEB_FORK_EPOCH: Number.POSITIVE_INFINITY,
      ELECTRA_FORK_EPOCH: Number.POSITIVE_INFINITY,
      FULU_FORK_EPOCH: Number.POSITIVE_INFINITY,
      GLOAS_FORK_EPOCH: Number.POSITIVE_INFINITY,
    }),
    GENESIS_VALIDATORS_ROOT,
  );
}

export type ForkName = "ALTAIR" | "BELLATRIX" | "CAPELLA" | "DENEB" | "ELECTRA" | "FULU" | "GLOAS";

/** A minimal-preset config with the given fork epochs; a fork not named never comes. */
export function forkScheduleConfig(
  epochs: Partial<Record<ForkName, number>>,
  genesisValidatorsRoot: Uint8Array = GENESIS_VALIDATORS_ROOT,
) {
  const at = (fork: ForkName) => epochs[fork] ?? Number.POSITIVE_INFINITY;
  return createBeaconConfig(
    createChainForkConfig({
      ...minimalChainConfig,
      ALTAIR_FORK_EPOCH: at("ALTAIR"),
      BELLATRIX_FORK_EPOCH: at("BELLATRIX"),
      CAPELLA_FORK_EPOCH: at("CAPELLA"),
      DENEB_FORK_EPOCH: at("DENEB"),
      ELECTRA_FORK_EPOCH: at("ELECTRA"),
      FULU_FORK_EPOCH: at("FULU"),
      GLOAS_FORK_EPOCH: at("GLOAS"),
    }),
    genesisValidatorsRoot,
  );
}

/** A BeaconChain around a config, for pure functions that take one; `url` must not be contacted. */
export function testChain(altairEpoch: number, url = "http://127.0.0.1:9"): BeaconChain {
  const config = testConfig(altairEpoch);
  return {
    url,
    api: undefined as never,
    config,
    genesisTime: Math.floor(Date.now() / 1000),
    genesisValidatorsRoot: GENESIS_VALIDATORS_ROOT,
    secondsPerSlot: 2,
  };
}

export const chunk = (bytes: Uint8Array): Uint8Array => {
  const out = new Uint8Array(32);
  out.set(bytes);
  return out;
};
export const uint64 = (n: number): Uint8Array => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return chunk(b);
};
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

/** hash_tree_root of a container of two 32-byte leaves. */
export const pair = (a: Uint8Array, b: Uint8Array): Uint8Array => sha256(concat(a, b));

/** compute_domain(domain_type, fork_version, genesis_validators_root). */
export function domain(domainType: Uint8Array, forkVersion: Uint8Array): Uint8Array {
  const forkDataRoot = pair(chunk(forkVersion), GENESIS_VALIDATORS_ROOT);
  return concat(domainType, forkDataRoot.subarray(0, 28));
}

/** compute_signing_root: hash_tree_root(SigningData{object_root, domain}). */
export const signingRoot = (objectRoot: Uint8Array, dom: Uint8Array): Uint8Array => pair(objectRoot, dom);
