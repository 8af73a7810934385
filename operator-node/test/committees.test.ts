import { describe, expect, it } from "vitest";
import { planCommittees, type ServedValidator } from "../src/chain/committees.js";
import type { OperatorRecord } from "../src/store/chain-state.js";

const operator = (id: bigint): OperatorRecord | undefined =>
  id > 10n
    ? undefined
    : {
        id,
        owner: "0x0000000000000000000000000000000000000001",
        identityKey: new Uint8Array(33).fill(Number(id)),
        encryptionKey: new Uint8Array(32),
        name: `op ${id}`,
        active: true,
        endpoints: [],
      };

const validator = (byte: number, operatorIds: bigint[], serving = true): ServedValidator => ({
  publicKey: new Uint8Array(48).fill(byte),
  operatorIds,
  serving,
  open: () => Promise.reject(new Error("not opened in a plan")),
});

describe("planCommittees", () => {
  it("groups serving validators by operator set, whatever order the set was registered in", () => {
    const plan = planCommittees(
      [
        validator(1, [4n, 2n, 3n, 1n]),
        validator(2, [1n, 2n, 3n, 4n]),
        validator(3, [1n, 5n, 6n, 7n]),
        validator(4, [1n, 2n, 3n, 4n], false), // removed or liquidated: no duties
        validator(5, [2n, 3n, 4n, 5n]), // not ours
      ],
      operator,
      1n,
    );
    expect(plan.committees.map((c) => c.key)).toEqual(["1-2-3-4", "1-5-6-7"]);
    const [first, second] = plan.committees;
    expect(first!.validators.map((v) => v.publicKey[0])).toEqual([1, 2]);
    expect(first!.member).toBe(0);
    expect(first!.identityKeys.map((k) => k[0])).toEqual([1, 2, 3, 4]);
    expect(second!.operatorIds).toEqual([1n, 5n, 6n, 7n]);
    expect(plan.skipped).toEqual([]);
  });

  it("places us at our position in the sorted set (share index = member + 1)", () => {
    const plan = planCommittees([validator(1, [9n, 3n, 7n, 5n])], operator, 7n);
    expect(plan.committees[0]!.member).toBe(2);
  });

  it("skips, with a reason, a committee with an operator this node has not seen on-chain", () => {
    const plan = planCommittees([validator(1, [1n, 2n, 3n, 11n])], operator, 1n);
    expect(plan.committees).toEqual([]);
    expect(plan.skipped[0]!.reason).toMatch(/11/);
  });
});
