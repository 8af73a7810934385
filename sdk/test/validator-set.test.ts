import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import {
  applyValidatorEvent,
  emptyValidatorSet,
  foldValidatorEvents,
  isLiquidated,
  registryCommitteeId,
  type ValidatorSetEvent,
} from "../src/index.js";

const alice: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const bob: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const A = [1n, 2n, 3n, 4n];
const B = [2n, 3n, 4n, 5n];
const key = (i: number) => `0x${i.toString(16).padStart(96, "0")}` as Hex;
let log = 0;
const at = (block: number) => ({ blockNumber: BigInt(block), logIndex: log++ });

describe("foldValidatorEvents", () => {
  it("adds, moves, flags exits and removes, keyed by lower-case public key", () => {
    const upper = `0x${"AB".repeat(48)}` as Hex;
    const set = foldValidatorEvents([
      { ...at(1), kind: "ValidatorAdded", owner: alice, operatorIds: A, publicKey: upper },
      { ...at(1), kind: "ValidatorAdded", owner: alice, operatorIds: A, publicKey: key(2) },
      {
        ...at(2),
        kind: "ValidatorCommitteeChanged",
        owner: alice,
        publicKey: upper,
        oldOperatorIds: A,
        operatorIds: B,
      },
      { ...at(3), kind: "ValidatorExitRequested", owner: alice, operatorIds: B, publicKey: upper.toLowerCase() as Hex },
      { ...at(4), kind: "ValidatorRemoved", owner: alice, operatorIds: A, publicKey: key(2) },
    ]);
    expect([...set.validators.values()]).toEqual([
      { publicKey: upper.toLowerCase(), owner: alice, operatorIds: B, exitRequested: true },
    ]);
    // The emptied committee A is still listed: it may hold a balance to withdraw.
    expect([...set.committees.keys()].sort()).toEqual(
      [registryCommitteeId(alice, A), registryCommitteeId(alice, B)].sort(),
    );
  });

  it("applies events in chain order whatever order they are given in", () => {
    const events: ValidatorSetEvent[] = [
      { blockNumber: 5n, logIndex: 0, kind: "ValidatorRemoved", owner: alice, operatorIds: A, publicKey: key(1) },
      { blockNumber: 4n, logIndex: 7, kind: "ValidatorAdded", owner: alice, operatorIds: A, publicKey: key(1) },
      { blockNumber: 5n, logIndex: 1, kind: "ValidatorAdded", owner: alice, operatorIds: A, publicKey: key(1) },
    ];
    expect(foldValidatorEvents(events).validators.has(key(1))).toBe(true);
    expect(foldValidatorEvents(events.slice(0, 2)).validators.has(key(1))).toBe(false);
  });

  it("liquidation is per owner and operator set; a reactivation or a join to an emptied account ends it", () => {
    const set = foldValidatorEvents([
      { ...at(1), kind: "ValidatorAdded", owner: alice, operatorIds: A, publicKey: key(1) },
      { ...at(1), kind: "ValidatorAdded", owner: bob, operatorIds: A, publicKey: key(2) },
      { ...at(2), kind: "CommitteeLiquidated", owner: alice, operatorIds: A },
    ]);
    const v1 = set.validators.get(key(1))!;
    expect(isLiquidated(set, v1)).toBe(true);
    expect(isLiquidated(set, set.validators.get(key(2))!)).toBe(false);
    applyValidatorEvent(set, { ...at(3), kind: "CommitteeReactivated", owner: alice, operatorIds: A });
    expect(isLiquidated(set, v1)).toBe(false);

    applyValidatorEvent(set, { ...at(4), kind: "CommitteeLiquidated", owner: alice, operatorIds: A });
    applyValidatorEvent(set, { ...at(5), kind: "ValidatorRemoved", owner: alice, operatorIds: A, publicKey: key(1) });
    applyValidatorEvent(set, { ...at(6), kind: "ValidatorAdded", owner: alice, operatorIds: A, publicKey: key(3) });
    expect(isLiquidated(set, set.validators.get(key(3))!)).toBe(false);
  });

  it("ignores events about validators it never saw added (a replay that starts later)", () => {
    const set = emptyValidatorSet();
    applyValidatorEvent(set, {
      ...at(1),
      kind: "ValidatorExitRequested",
      owner: alice,
      operatorIds: A,
      publicKey: key(9),
    });
    applyValidatorEvent(set, {
      ...at(2),
      kind: "ValidatorCommitteeChanged",
      owner: alice,
      publicKey: key(9),
      oldOperatorIds: A,
      operatorIds: B,
    });
    expect(set.validators.size).toBe(0);
  });
});
