/**
 * The deposit the DKG's shares sign together: (validator key, the mini-pool's withdrawal credentials, 32 ETH) under
 * the deposit domain of the network's genesis fork, with the sdk's SSZ helpers (the same roots the beacon deposit
 * contract and the mini-pool contract recompute).
 */
import { combinePartialSignatures, verify } from "@cohort/sdk";
import {
  type DepositMessage,
  depositDataRoot,
  depositSigningRoot,
  FULL_DEPOSIT_GWEI,
} from "@cohort/sdk/deposit/deposit";
import { sha256 } from "@noble/hashes/sha2.js";
import { type CeremonyId, ceremonyIdBytes } from "./codec.js";

/** `amountGwei`: the deposit signed; a mini-pool signs its 1 ETH pre-deposit, the first deposit of the key. */
export function depositMessageOf(
  validatorPubkey: Uint8Array,
  withdrawalCredentials: Uint8Array,
  amountGwei: bigint = FULL_DEPOSIT_GWEI,
): DepositMessage {
  return { publicKey: validatorPubkey, withdrawalCredentials, amountGwei };
}

const TRANSCRIPT_DOMAIN = new TextEncoder().encode("cohort/dkg/v1/transcript\0");

/**
 * What every member's view of a successful ceremony must agree on: the joint commitments (which fix the validator
 * key and every share key) and the deposit being signed. Partials are only combined among equal transcripts.
 */
export function transcriptHash(
  ceremony: CeremonyId,
  jointCommitments: readonly Uint8Array[],
  withdrawalCredentials: Uint8Array,
  forkVersion: Uint8Array,
): Uint8Array {
  const parts = [TRANSCRIPT_DOMAIN, ceremonyIdBytes(ceremony), ...jointCommitments, withdrawalCredentials, forkVersion];
  const buf = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.length;
  }
  return sha256(buf);
}

export interface SignedDeposit {
  readonly signature: Uint8Array;
  readonly depositDataRoot: Uint8Array;
}

/**
 * Combines t verified partials (share index → signature) and checks the result against the validator key before
 * anyone sees it: the signature is unique, so every member combining any t valid partials gets the same bytes.
 */
export async function combineDeposit(
  message: DepositMessage,
  forkVersion: Uint8Array,
  partials: readonly { index: number; signature: Uint8Array }[],
  t: number,
): Promise<SignedDeposit> {
  const signature = await combinePartialSignatures(partials, t);
  if (!(await verify(message.publicKey, depositSigningRoot(message, forkVersion), signature))) {
    throw new Error("internal error: the combined deposit signature does not verify under the validator key");
  }
  return { signature, depositDataRoot: depositDataRoot(message, signature) };
}
