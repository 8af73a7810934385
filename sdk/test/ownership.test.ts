import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import { ownershipMessage, signOwnership, verifyOwnership } from "../src/index.js";
import { CHAIN_ID, flipByte, OWNER, REGISTRY, validatorKey } from "./helpers.js";

const context = { chainId: CHAIN_ID, registry: REGISTRY, owner: OWNER, nonce: 7n };

describe("ownership proof", () => {
  it("signs keccak256 of the packed (tag, uint256 chainId, address registry, address owner, uint256 nonce)", () => {
    // Packed by hand, independently of viem's encodePacked.
    const word = (v: bigint) => Buffer.from(v.toString(16).padStart(64, "0"), "hex");
    const address = (a: string) => Buffer.from(a.slice(2), "hex");
    const packed = Buffer.concat([
      Buffer.from("cohort/ownership/v1"),
      word(CHAIN_ID),
      address(REGISTRY),
      address(OWNER),
      word(7n),
    ]);
    expect(ownershipMessage(context)).toEqual(keccak_256(packed));
  });

  it("verifies for its context only", async () => {
    const { secretKey, publicKey } = await validatorKey();
    const proof = await signOwnership(secretKey, context);
    expect(await verifyOwnership(publicKey, proof, context)).toBe(true);
    expect(await verifyOwnership(publicKey, proof, { ...context, nonce: 8n })).toBe(false);
    expect(await verifyOwnership(publicKey, proof, { ...context, chainId: 1n })).toBe(false);
    expect(await verifyOwnership(publicKey, proof, { ...context, owner: REGISTRY })).toBe(false);
    expect(await verifyOwnership(publicKey, proof, { ...context, registry: OWNER })).toBe(false);
    const other = await validatorKey();
    expect(await verifyOwnership(other.publicKey, proof, context)).toBe(false);
  });

  it("rejects every single-byte change to the proof", async () => {
    const { secretKey, publicKey } = await validatorKey();
    const proof = await signOwnership(secretKey, context);
    for (let i = 0; i < proof.length; i++) {
      expect(await verifyOwnership(publicKey, flipByte(proof, i), context)).toBe(false);
    }
  });
});
