/**
 * Committee arithmetic, the one home of it: a committee is n = 3f+1 operators, any t = 2f+1 of them sign, and the
 * consensus quorum is n − f. For the sizes the protocol allows the threshold and the quorum are the same number, but
 * they answer different questions (how many shares rebuild a signature; how many votes make a certificate), so
 * each has its own name.
 */
import { InvalidArgumentError } from "../errors.js";

export const COMMITTEE_SIZES = [4, 7, 10, 13] as const;
export type CommitteeSize = (typeof COMMITTEE_SIZES)[number];

/** The largest committee: bounds every per-member list a peer can send. */
export const MAX_COMMITTEE_SIZE: CommitteeSize = 13;

export function isCommitteeSize(n: number): n is CommitteeSize {
  return (COMMITTEE_SIZES as readonly number[]).includes(n);
}

function checkedSize(n: number): CommitteeSize {
  if (!isCommitteeSize(n)) {
    throw new InvalidArgumentError(`a committee has ${COMMITTEE_SIZES.join(", ")} operators, got ${n}`);
  }
  return n;
}

/** f: how many members may fail or lie. Throws for a size the protocol does not allow. */
export function faultTolerance(n: number): number {
  return (checkedSize(n) - 1) / 3;
}

/** t = 2f+1: how many partial signatures combine into the validator's signature (the Shamir threshold). */
export function thresholdOf(n: number): number {
  return 2 * faultTolerance(n) + 1;
}

/** n − f: how many distinct members' votes make a quorum certificate in consensus. */
export function quorumSize(n: number): number {
  return checkedSize(n) - faultTolerance(n);
}

/** Operator ids must be distinct and ascending: the order fixes every share index. */
export function assertCommittee(operatorIds: readonly bigint[]): asserts operatorIds is readonly bigint[] {
  if (!isCommitteeSize(operatorIds.length)) {
    throw new InvalidArgumentError(`a committee has 4, 7, 10 or 13 operators, got ${operatorIds.length}`);
  }
  for (let i = 0; i < operatorIds.length; i++) {
    if (operatorIds[i]! <= 0n) throw new InvalidArgumentError("operator ids start at 1");
    if (i > 0 && operatorIds[i]! <= operatorIds[i - 1]!) {
      throw new InvalidArgumentError("operator ids must be distinct and in ascending order");
    }
  }
}

/**
 * The Shamir share index of a committee member, from its 0-based position in the ascending operator-id list: share
 * indices start at 1 because x = 0 is the secret itself.
 */
export function shareIndexOfMember(member: number): number {
  if (!Number.isSafeInteger(member) || member < 0 || member >= MAX_COMMITTEE_SIZE) {
    throw new InvalidArgumentError(`a committee member is a position 0..${MAX_COMMITTEE_SIZE - 1}, got ${member}`);
  }
  return member + 1;
}

/** The Shamir share index of `operatorId` in a committee given by its ascending operator ids. */
export function shareIndexOfOperator(operatorIds: readonly bigint[], operatorId: bigint): number {
  const position = operatorIds.indexOf(operatorId);
  if (position < 0) throw new InvalidArgumentError(`operator ${operatorId} is not in the committee`);
  return shareIndexOfMember(position);
}
