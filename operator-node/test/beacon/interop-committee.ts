/**
 * Test fixture shared by the beacon tests: the dev chain's genesis validators (public interop keys) split 3-of-4
 * among a committee whose identity keys are derived from a label, so each test file has its own committee.
 */
import { splitSecret } from "@cohort/sdk";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { interopSecretKey } from "@lodestar/state-transition";
import { sha256 } from "@noble/hashes/sha2.js";
import type { CommitteeValidator } from "../../src/sigagg/threshold-sigagg.js";
import type { ValidatorShare } from "../../src/signer/share-signer.js";

/** The genesis validators Lodestar leaves to us; it runs 0..3 itself. */
export const DV_INDICES = [4, 5, 6, 7];
export const N = 4;

export interface InteropCommittee {
  /** Identity secret of member i. */
  identity(i: number): Uint8Array;
  /** Identity public keys in member order. */
  committee: Uint8Array[];
  validators: CommitteeValidator[];
  /** Member i's shares of every validator (their secrets are zeroized once loaded into a ShareSigner). */
  perMember: ValidatorShare[][];
}

/** Member i's identity secret for the committee named `label`. */
export function identityOf(label: string): (i: number) => Uint8Array {
  const enc = new TextEncoder();
  return (i) => sha256(enc.encode(`${label}-identity-${i}`));
}

export async function interopCommittee(label: string): Promise<InteropCommittee> {
  const identity = identityOf(label);
  const validators: CommitteeValidator[] = [];
  const perMember: ValidatorShare[][] = Array.from({ length: N }, () => []);
  for (const index of DV_INDICES) {
    const sk = interopSecretKey(index);
    const secret = sk.toBytes();
    const split = await splitSecret(secret, N);
    secret.fill(0);
    const publicKey = sk.toPublicKey().toBytes();
    validators.push({ publicKey, sharePublicKeys: split.shares.map((s) => s.publicKey) });
    for (const [k, s] of split.shares.entries())
      perMember[k]!.push({ validatorPublicKey: publicKey, secret: s.secret });
  }
  const committee = Array.from({ length: N }, (_, i) => privateKeyFromRaw(identity(i)).publicKey.raw);
  return { identity, committee, validators, perMember };
}
