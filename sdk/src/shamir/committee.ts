import { InvalidArgumentError } from "../errors.js";

/** Committees are n = 3f+1 operators; any t = 2f+1 of them sign. */
export const COMMITTEE_SIZES = [4, 7, 10, 13] as const;
export type CommitteeSize = (typeof COMMITTEE_SIZES)[number];

export function isCommitteeSize(n: number): n is CommitteeSize {
  return (COMMITTEE_SIZES as readonly number[]).includes(n);
}

export function faultTolerance(n: CommitteeSize): number {
  return (n - 1) / 3;
}

export function thresholdOf(n: CommitteeSize): number {
  return 2 * faultTolerance(n) + 1;
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

/** The share index of an operator: its 1-based position in the ascending id list. */
export function shareIndexOf(operatorIds: readonly bigint[], operatorId: bigint): number {
  const position = operatorIds.indexOf(operatorId);
  if (position < 0) throw new InvalidArgumentError(`operator ${operatorId} is not in the committee`);
  return position + 1;
}
