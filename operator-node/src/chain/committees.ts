/**
 * From the registry's state to the committees this node serves: each distinct operator set that includes us, with
 * its members' identity keys and the validators whose duties it performs. Pure, so "who do we sign for" is one
 * function that tests can read.
 */
import { keccak256 } from "viem";
import type { OperatorRecord, TrackedValidator, ValidatorStatus } from "../store/chain-state.js";

/** Statuses whose duties still run: an exit request keeps the validator attesting until the exit is processed. */
const SERVING: readonly ValidatorStatus[] = ["active", "exit_requested"];

export interface CommitteeSpec {
  /** "1-2-3-4": the sorted operator ids; one p2p mesh and one consensus instance per slot per committee. */
  readonly key: string;
  readonly operatorIds: readonly bigint[];
  /** Identity keys in member order (the sorted operator ids). */
  readonly identityKeys: readonly Uint8Array[];
  /** Our position in the committee; our share index is member + 1. */
  readonly member: number;
  readonly validators: readonly TrackedValidator[];
}

export interface CommitteePlan {
  readonly committees: CommitteeSpec[];
  /** Committees we cannot run, with the reason (an operator record missing from our chain state). */
  readonly skipped: { key: string; reason: string }[];
}

export function planCommittees(
  validators: readonly TrackedValidator[],
  operator: (id: bigint) => OperatorRecord | undefined,
  self: bigint,
): CommitteePlan {
  const groups = new Map<string, TrackedValidator[]>();
  for (const v of validators) {
    if (v.shareIndex === null || !SERVING.includes(v.status) || !v.operatorIds.includes(self)) continue;
    const key = committeeKey(v.operatorIds);
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const committees: CommitteeSpec[] = [];
  const skipped: CommitteePlan["skipped"] = [];
  for (const [key, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const operatorIds = sortIds(members[0]!.operatorIds);
    const records = operatorIds.map(operator);
    const missing = operatorIds.filter((_, i) => !records[i]);
    if (missing.length > 0) {
      skipped.push({ key, reason: `operator(s) ${missing.join(", ")} unknown to this node's chain state` });
      continue;
    }
    committees.push({
      key,
      operatorIds,
      identityKeys: records.map((r) => r!.identityKey),
      member: operatorIds.indexOf(self),
      validators: members,
    });
  }
  return { committees, skipped };
}

export function committeeKey(operatorIds: readonly bigint[]): string {
  return sortIds(operatorIds).join("-");
}

/**
 * Each committee has its own libp2p host on `basePort + offset`; every member computes the same offset from the
 * operator set, so a peer's port follows from its configured base port. `span` bounds the ports an operator uses.
 */
export function committeePortOffset(operatorIds: readonly bigint[], span: number): number {
  const digest = keccak256(new TextEncoder().encode(committeeKey(operatorIds)));
  return Number.parseInt(digest.slice(2, 10), 16) % span;
}

/** Changes whenever a committee gains or loses a validator: the trigger to restart its node with the new set. */
export function committeeFingerprint(c: CommitteeSpec): string {
  return `${c.key}|${c.validators.map((v) => Buffer.from(v.publicKey).toString("hex")).join(",")}`;
}

const sortIds = (ids: readonly bigint[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
