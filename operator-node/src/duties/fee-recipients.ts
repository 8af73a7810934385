/**
 * Proposer preparation: tells the beacon node where each of our validators' blocks pay, so the payloads it builds
 * for them carry that fee recipient (the committee refuses a block paying anyone else, app/proposer.ts). Beacon
 * nodes forget a preparation after a few epochs: it is sent every epoch.
 */
import type { BeaconChain } from "./beacon.js";
import { postJson } from "./http.js";

export interface ProposerPreparation {
  readonly validatorIndex: number;
  /** 20 bytes. */
  readonly feeRecipient: Uint8Array;
}

/** POST /eth/v1/validator/prepare_beacon_proposer with every preparation in one request. */
export async function prepareBeaconProposer(
  chain: BeaconChain,
  preparations: readonly ProposerPreparation[],
): Promise<void> {
  if (preparations.length === 0) return;
  await postJson(chain, "/eth/v1/validator/prepare_beacon_proposer", preparationsJson(preparations));
}

/** The Beacon API's body: the index as a decimal string, the address as 0x-prefixed hex. */
export function preparationsJson(
  preparations: readonly ProposerPreparation[],
): { validator_index: string; fee_recipient: string }[] {
  return preparations.map((p) => ({
    validator_index: String(p.validatorIndex),
    fee_recipient: `0x${Buffer.from(p.feeRecipient).toString("hex")}`,
  }));
}
