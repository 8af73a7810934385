/**
 * Public Ethereum networks by execution chain id, from Lodestar's own network table (genesis time and validators
 * root) so there is one source for these constants. `cohort-node check` uses them to tell a beacon node of another
 * chain, and `npm run deploy` to point the oracle's clock and the pool at the network's real deposit contract.
 */
import { genesisData, networksChainConfig } from "@lodestar/config/networks";
import { type Address, getAddress, type Hex, toHex } from "viem";

export interface PublicNetwork {
  readonly name: string;
  readonly chainId: number;
  readonly genesisTime: number;
  readonly genesisValidatorsRoot: Hex;
  readonly depositContract: Address;
  readonly secondsPerSlot: number;
  /** Public networks run the mainnet preset. */
  readonly slotsPerEpoch: 32;
}

const NAMES = ["mainnet", "sepolia", "hoodi"] as const;

export function publicNetwork(chainId: number | bigint): PublicNetwork | undefined {
  for (const name of NAMES) {
    const config = networksChainConfig[name];
    if (config.DEPOSIT_CHAIN_ID !== Number(chainId)) continue;
    return {
      name,
      chainId: config.DEPOSIT_CHAIN_ID,
      genesisTime: genesisData[name].genesisTime,
      genesisValidatorsRoot: genesisData[name].genesisValidatorsRoot as Hex,
      depositContract: getAddress(toHex(config.DEPOSIT_CONTRACT_ADDRESS)),
      secondsPerSlot: config.SECONDS_PER_SLOT,
      slotsPerEpoch: 32,
    };
  }
  return undefined;
}
