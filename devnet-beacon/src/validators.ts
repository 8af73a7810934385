/**
 * The stand-in's own validators (interop keys 0..n-1): they propose and attest through the same chain methods an
 * external validator client reaches over HTTP, so their messages pass the same checks.
 */
import type { SecretKey } from "@chainsafe/blst";
import { DOMAIN_BEACON_ATTESTER, DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO, DOMAIN_SYNC_COMMITTEE } from "@lodestar/params";
import { computeEpochAtSlot, computeSigningRoot, interopSecretKey } from "@lodestar/state-transition";
import { type SignedBeaconBlock, ssz } from "@lodestar/types";
import type { StandInChain } from "./chain.js";

export class OwnValidators {
  private readonly keys = new Map<number, SecretKey>();

  constructor(
    private readonly chain: StandInChain,
    indices: number[],
  ) {
    for (const i of indices) this.keys.set(i, interopSecretKey(i));
  }

  has(index: number): boolean {
    return this.keys.has(index);
  }

  /** Proposes at `slot` if the proposer is one of ours; returns whether a block was imported. */
  propose(slot: number): boolean {
    const state = this.chain.stateAtSlot(slot);
    const proposer = state.epochCtx.getBeaconProposer(slot);
    const sk = this.keys.get(proposer);
    if (!sk) return false;
    const config = this.chain.config;
    const epoch = computeEpochAtSlot(slot);
    const randao = sk.sign(computeSigningRoot(ssz.Epoch, epoch, config.getDomain(slot, DOMAIN_RANDAO))).toBytes();
    const graffiti = new Uint8Array(32);
    graffiti.set(new TextEncoder().encode("cohort stand-in"));
    const { block } = this.chain.produceBlock(slot, randao, graffiti, false);
    const types = config.getForkTypes(slot);
    const signature = sk
      .sign(computeSigningRoot(types.BeaconBlock, block, config.getDomain(slot, DOMAIN_BEACON_PROPOSER)))
      .toBytes();
    this.chain.importBlock({ message: block, signature } as SignedBeaconBlock);
    return true;
  }

  /** Attestations and sync committee messages of our validators for `slot`, on the current head. */
  attest(slot: number): void {
    const config = this.chain.config;
    const epoch = computeEpochAtSlot(slot);
    const state = this.chain.stateAtSlot(slot);
    const count = state.epochCtx.getCommitteeCountPerSlot(epoch);
    for (let committeeIndex = 0; committeeIndex < count; committeeIndex++) {
      const committee = state.epochCtx.getBeaconCommittee(slot, committeeIndex);
      const ours = [...committee].filter((v) => this.keys.has(v));
      if (ours.length === 0) continue;
      const data = this.chain.produceAttestationData(slot, committeeIndex);
      const root = computeSigningRoot(ssz.phase0.AttestationData, data, config.getDomain(slot, DOMAIN_BEACON_ATTESTER));
      for (const v of ours) {
        const signature = (this.keys.get(v) as SecretKey).sign(root).toBytes();
        this.chain.submitSingleAttestation({ committeeIndex, attesterIndex: v, data, signature });
      }
    }
    const headRoot = this.chain.headBlock().root;
    const syncRoot = computeSigningRoot(ssz.Root, headRoot, config.getDomain(slot, DOMAIN_SYNC_COMMITTEE));
    for (const v of new Set(this.chain.syncCommittee(epoch))) {
      const sk = this.keys.get(v);
      if (!sk) continue;
      this.chain.submitSyncMessage({
        slot,
        beaconBlockRoot: headRoot,
        validatorIndex: v,
        signature: sk.sign(syncRoot).toBytes(),
      });
    }
  }
}
