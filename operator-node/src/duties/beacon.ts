import { type ApiClient, getClient } from "@lodestar/api";
import { type BeaconConfig, type ChainForkConfig, createBeaconConfig, createChainForkConfig } from "@lodestar/config";
import { PresetName, SLOTS_PER_EPOCH } from "@lodestar/params";
import { fromHex } from "@lodestar/utils";

/** Everything the duty pipeline needs to know about the beacon chain it serves. */
export interface BeaconChain {
  url: string;
  api: ApiClient;
  config: BeaconConfig;
  genesisTime: number;
  genesisValidatorsRoot: Uint8Array;
  secondsPerSlot: number;
}

export class BeaconConfigError extends Error {
  override name = "BeaconConfigError";
}

/**
 * Builds a fork-aware config from the beacon node's own `/eth/v1/config/spec`, so the same code serves mainnet, a
 * testnet or a dev chain. The SSZ preset is fixed at process start by LODESTAR_PRESET: a mismatch is refused here
 * rather than producing wrongly sized objects later.
 */
export async function connectBeacon(url: string): Promise<BeaconChain> {
  const get = async (path: string) => {
    const res = await fetch(url + path).catch(() => undefined);
    if (!res?.ok)
      throw new BeaconConfigError(`cannot reach the beacon node at ${url}${path}; is it running with --rest?`);
    return ((await res.json()) as { data: Record<string, string> }).data;
  };
  const spec = await get("/eth/v1/config/spec");
  const genesis = await get("/eth/v1/beacon/genesis");
  if (Number(spec["SLOTS_PER_EPOCH"]) !== SLOTS_PER_EPOCH) {
    throw new BeaconConfigError(
      `the beacon node uses ${spec["SLOTS_PER_EPOCH"]} slots per epoch but this process loaded ${SLOTS_PER_EPOCH}; ` +
        `start the node with LODESTAR_PRESET=${spec["PRESET_BASE"] ?? "minimal"}`,
    );
  }
  const chainConfig = chainConfigFromSpec(spec);
  const genesisValidatorsRoot = fromHex(genesis["genesis_validators_root"]!);
  const config = createBeaconConfig(chainConfig, genesisValidatorsRoot);
  return {
    url,
    api: getClient({ baseUrl: url }, { config }),
    config,
    genesisTime: Number(genesis["genesis_time"]),
    genesisValidatorsRoot,
    secondsPerSlot: Number(spec["SECONDS_PER_SLOT"]),
  };
}

/** Fork versions and epochs from the spec endpoint; forks the node does not announce are never scheduled. */
function chainConfigFromSpec(spec: Record<string, string>): ChainForkConfig {
  const epoch = (key: string) => {
    const v = spec[key];
    return v === undefined || BigInt(v) >= 2n ** 53n ? Number.POSITIVE_INFINITY : Number(v);
  };
  const version = (key: string, fallback: string) => fromHex(spec[key] ?? fallback);
  return createChainForkConfig({
    PRESET_BASE: spec["PRESET_BASE"] === "minimal" ? PresetName.minimal : PresetName.mainnet,
    CONFIG_NAME: spec["CONFIG_NAME"] ?? "custom",
    SECONDS_PER_SLOT: Number(spec["SECONDS_PER_SLOT"]),
    GENESIS_FORK_VERSION: version("GENESIS_FORK_VERSION", "0x00000000"),
    ALTAIR_FORK_VERSION: version("ALTAIR_FORK_VERSION", "0x01000000"),
    ALTAIR_FORK_EPOCH: epoch("ALTAIR_FORK_EPOCH"),
    BELLATRIX_FORK_VERSION: version("BELLATRIX_FORK_VERSION", "0x02000000"),
    BELLATRIX_FORK_EPOCH: epoch("BELLATRIX_FORK_EPOCH"),
    CAPELLA_FORK_VERSION: version("CAPELLA_FORK_VERSION", "0x03000000"),
    CAPELLA_FORK_EPOCH: epoch("CAPELLA_FORK_EPOCH"),
    DENEB_FORK_VERSION: version("DENEB_FORK_VERSION", "0x04000000"),
    DENEB_FORK_EPOCH: epoch("DENEB_FORK_EPOCH"),
    ELECTRA_FORK_VERSION: version("ELECTRA_FORK_VERSION", "0x05000000"),
    ELECTRA_FORK_EPOCH: epoch("ELECTRA_FORK_EPOCH"),
    FULU_FORK_VERSION: version("FULU_FORK_VERSION", "0x06000000"),
    FULU_FORK_EPOCH: epoch("FULU_FORK_EPOCH"),
    GLOAS_FORK_EPOCH: epoch("GLOAS_FORK_EPOCH"),
  });
}

export function slotAt(chain: BeaconChain, unixMs: number): number {
  return Math.floor((unixMs / 1000 - chain.genesisTime) / chain.secondsPerSlot);
}

export function slotStartMs(chain: BeaconChain, slot: number): number {
  return (chain.genesisTime + slot * chain.secondsPerSlot) * 1000;
}
