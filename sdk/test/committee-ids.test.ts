import { createHash } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import fc from "fast-check";
import { bytesToHex, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { consensusCommitteeId, InvalidArgumentError, operatorSetKey, registryCommitteeId } from "../src/index.js";

describe("committee ids", () => {
  const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

  it("registryCommitteeId is keccak256(owner ‖ each id as a 32-byte word), the contract's abi.encodePacked", () => {
    // Built by hand from the Solidity rule (array elements of encodePacked are padded to 32 bytes).
    const reference = (ids: readonly bigint[]): Hex => {
      const bytes = new Uint8Array(20 + 32 * ids.length);
      bytes.set(Buffer.from(owner.slice(2), "hex"), 0);
      for (const [i, id] of ids.entries())
        bytes.set(Buffer.from(id.toString(16).padStart(64, "0"), "hex"), 20 + 32 * i);
      return bytesToHex(keccak_256(bytes));
    };
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 13 }), (ids) => {
        expect(registryCommitteeId(owner, ids)).toBe(reference(ids));
      }),
    );
    expect(registryCommitteeId(owner, [1n, 2n, 3n, 4n])).not.toBe(
      registryCommitteeId("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", [1n, 2n, 3n, 4n]),
    );
  });

  it("operatorSetKey is the ascending ids joined by '-'", () => {
    expect(operatorSetKey([4n, 1n, 30n, 2n])).toBe("1-2-4-30");
    expect(operatorSetKey([1n, 2n, 3n, 4n])).toBe("1-2-3-4");
  });

  it("consensusCommitteeId is sha256 of the identity keys concatenated in share order", () => {
    const keys = [1, 2, 3, 4].map((i) => new Uint8Array(33).fill(i));
    const reference = createHash("sha256").update(Buffer.concat(keys)).digest();
    expect(bytesToHex(consensusCommitteeId(keys))).toBe(bytesToHex(reference));
    expect(bytesToHex(consensusCommitteeId([...keys].reverse()))).not.toBe(bytesToHex(reference));
    expect(() => consensusCommitteeId([])).toThrow(InvalidArgumentError);
  });
});
