/**
 * Test fixture shared by the beacon tests: the dev chain's genesis validators (public interop keys) split 3-of-4
 * among a committee whose identity keys are derived from a label, so each test file has its own committee.
 */

import { join } from "node:path";
import { splitSecret } from "@cohort/sdk";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { interopSecretKey } from "@lodestar/state-transition";
import { sha256 } from "@noble/hashes/sha2.js";
import { type OperatorNodeConfig, type SingleCommitteeNode, startOperatorNode } from "../../src/app/node.js";
import type { CommitteeValidator } from "../../src/sigagg/threshold-sigagg.js";
import { ShareSigner, type ValidatorShare } from "../../src/signer/share-signer.js";
import { SlashingProtection } from "../../src/signer/slashing-protection.js";
import { type Db, openDatabase } from "../../src/store/database.js";

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

/**
 * Starts member `member` of `c` as an in-process operator node on a 3-of-4 threshold: its own SQLite file in `dir`,
 * its shares behind slashing protection, a libp2p host on a free loopback port. `extra` adds what a test needs.
 */
export async function startInteropMember(
  c: InteropCommittee,
  member: number,
  options: { dir: string; beaconUrl: string } & Partial<OperatorNodeConfig>,
): Promise<{ node: SingleCommitteeNode; db: Db }> {
  const { dir, beaconUrl, ...extra } = options;
  const db = openDatabase(join(dir, `node-${member}.sqlite`));
  const node = await startOperatorNode({
    member,
    identitySecret: c.identity(member),
    committee: c.committee,
    signer: new ShareSigner(new SlashingProtection(db), c.perMember[member]!),
    validators: c.validators,
    threshold: 3,
    beaconUrl,
    listen: ["/ip4/127.0.0.1/tcp/0"],
    ...extra,
  });
  return { node, db };
}
