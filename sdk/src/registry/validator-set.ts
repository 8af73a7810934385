/**
 * The registry's validator set, replayed from its events. The contract keeps no payloads in storage and no list of
 * an owner's validators, so the events are the source of truth for the dapp and the operator nodes alike; this is
 * the one fold of them. Pure: the caller fetches and decodes the logs, and keeps whatever else it needs (payloads,
 * its own verdicts) beside the set.
 *
 * Contract rules it mirrors (CohortRegistry): a liquidated committee keeps its validators until reactivated; one
 * that was emptied starts charging again when a validator joins it (no CommitteeReactivated event then); a removed
 * validator is gone; a move keeps the exit request.
 */
import type { Address, Hex } from "viem";
import { registryCommitteeId } from "../committee/ids.js";

/** Where a log sits in the chain; events must be applied in this order. */
export interface ChainPosition {
  readonly blockNumber: bigint;
  readonly logIndex: number;
}

export type ValidatorSetEvent = ChainPosition &
  (
    | {
        readonly kind: "ValidatorAdded";
        readonly owner: Address;
        readonly operatorIds: readonly bigint[];
        readonly publicKey: Hex;
      }
    | {
        readonly kind: "ValidatorRemoved";
        readonly owner: Address;
        readonly operatorIds: readonly bigint[];
        readonly publicKey: Hex;
      }
    | {
        readonly kind: "ValidatorExitRequested";
        readonly owner: Address;
        readonly operatorIds: readonly bigint[];
        readonly publicKey: Hex;
      }
    | {
        readonly kind: "ValidatorCommitteeChanged";
        readonly owner: Address;
        readonly publicKey: Hex;
        readonly oldOperatorIds: readonly bigint[];
        readonly operatorIds: readonly bigint[];
      }
    | { readonly kind: "CommitteeLiquidated"; readonly owner: Address; readonly operatorIds: readonly bigint[] }
    | { readonly kind: "CommitteeReactivated"; readonly owner: Address; readonly operatorIds: readonly bigint[] }
  );

export interface RegisteredValidator {
  /** Lower-case hex, the key of `ValidatorSet.validators`. */
  readonly publicKey: Hex;
  readonly owner: Address;
  readonly operatorIds: readonly bigint[];
  readonly exitRequested: boolean;
}

export interface CommitteeAccount {
  readonly owner: Address;
  readonly operatorIds: readonly bigint[];
  readonly liquidated: boolean;
}

export interface ValidatorSet {
  /** Validators registered and not removed, by lower-case public key. */
  readonly validators: Map<Hex, RegisteredValidator>;
  /**
   * Every committee account an event named, by `registryCommitteeId`, emptied ones included: an account without
   * validators may still hold a balance its owner can withdraw.
   */
  readonly committees: Map<Hex, CommitteeAccount>;
}

export function emptyValidatorSet(): ValidatorSet {
  return { validators: new Map(), committees: new Map() };
}

/** Chain order: block, then log index. */
export function byChainOrder(a: ChainPosition, b: ChainPosition): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.logIndex - b.logIndex;
}

/** Applies one event in place. Events must come in chain order (`byChainOrder`). */
export function applyValidatorEvent(set: ValidatorSet, event: ValidatorSetEvent): void {
  const publicKey = "publicKey" in event ? (event.publicKey.toLowerCase() as Hex) : undefined;
  const account = (operatorIds: readonly bigint[]) => {
    const id = registryCommitteeId(event.owner, operatorIds);
    const known = set.committees.get(id) ?? { owner: event.owner, operatorIds: [...operatorIds], liquidated: false };
    set.committees.set(id, known);
    return { id, known };
  };
  const setLiquidated = (operatorIds: readonly bigint[], liquidated: boolean) => {
    const { id, known } = account(operatorIds);
    set.committees.set(id, { ...known, liquidated });
  };
  switch (event.kind) {
    case "ValidatorAdded":
      setLiquidated(event.operatorIds, false);
      set.validators.set(publicKey!, {
        publicKey: publicKey!,
        owner: event.owner,
        operatorIds: [...event.operatorIds],
        exitRequested: false,
      });
      return;
    case "ValidatorRemoved":
      account(event.operatorIds);
      set.validators.delete(publicKey!);
      return;
    case "ValidatorExitRequested": {
      account(event.operatorIds);
      const v = set.validators.get(publicKey!);
      if (v) set.validators.set(publicKey!, { ...v, exitRequested: true });
      return;
    }
    case "ValidatorCommitteeChanged": {
      account(event.oldOperatorIds);
      setLiquidated(event.operatorIds, false);
      const v = set.validators.get(publicKey!);
      if (v) set.validators.set(publicKey!, { ...v, operatorIds: [...event.operatorIds] });
      return;
    }
    case "CommitteeLiquidated":
      setLiquidated(event.operatorIds, true);
      return;
    case "CommitteeReactivated":
      setLiquidated(event.operatorIds, false);
      return;
  }
}

/** Replays `events` (any order; sorted here) onto `set`, a fresh one by default. */
export function foldValidatorEvents(events: Iterable<ValidatorSetEvent>, set = emptyValidatorSet()): ValidatorSet {
  for (const event of [...events].sort(byChainOrder)) applyValidatorEvent(set, event);
  return set;
}

/** Whether the validator's committee account is liquidated (its operators then stop performing its duties). */
export function isLiquidated(set: ValidatorSet, v: RegisteredValidator): boolean {
  return set.committees.get(registryCommitteeId(v.owner, v.operatorIds))?.liquidated ?? false;
}
