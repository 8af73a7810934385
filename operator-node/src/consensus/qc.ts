/**
 * When a quorum certificate counts: n−f distinct committee members' valid vote signatures over the same
 * (instance, phase, view, value hash). The one place this rule lives; the core caches its verdicts.
 */
import { verifySigned, votePreimage } from "./crypto.js";
import { type InstanceId, type QuorumCert, quorumSize, type Verifier } from "./types.js";

/**
 * Signer indices of a QC are acceptable: at least n−f of them, each a committee member, each counted once (strictly
 * ascending, so a member's signature can never be counted twice), one signature each.
 */
export function qcSignersValid(qc: QuorumCert, n: number): boolean {
  if (qc.signers.length < quorumSize(n) || qc.signers.length !== qc.signatures.length) return false;
  let prev = -1;
  for (const s of qc.signers) {
    if (!Number.isInteger(s) || s <= prev || s >= n) return false;
    prev = s;
  }
  return true;
}

/**
 * The QC is valid for `instance` under `committee` (33-byte keys, index = member). `known(signer, signature)` may
 * vouch for signatures the caller has already verified over this QC's vote digest (its own vote, votes it checked
 * on arrival); only the others are verified again.
 */
export function qcValid(
  qc: QuorumCert,
  instance: InstanceId,
  committee: readonly Uint8Array[],
  verifier: Verifier,
  known?: (signer: number, signature: Uint8Array) => boolean,
): boolean {
  if (!qcSignersValid(qc, committee.length)) return false;
  const preimage = votePreimage(instance, qc.phase, qc.view, qc.valueHash);
  return qc.signers.every(
    (s, i) => known?.(s, qc.signatures[i]!) || verifySigned(verifier, committee[s]!, preimage, qc.signatures[i]!),
  );
}
