import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes, recoverAddress } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { identityProofDigest, signIdentityProof, verifyIdentityProof } from "../src/ownership/identity.js";

const context = {
  chainId: 31337n,
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  owner: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
} as const;
const secret = hexToBytes(`0x${"07".padStart(64, "0")}`);

describe("identity proof of possession", () => {
  it("digests keccak256 of the packed (tag, uint256 chainId, address registry, address owner)", () => {
    // Packed by hand, independently of viem's encodePacked.
    const packed = Buffer.concat([
      Buffer.from("cohort/identity/v1"),
      Buffer.from((31337).toString(16).padStart(64, "0"), "hex"),
      Buffer.from(context.registry.slice(2), "hex"),
      Buffer.from(context.owner.slice(2), "hex"),
    ]);
    expect(identityProofDigest(context)).toEqual(keccak_256(packed));
  });

  it("matches the test vector, and viem's ecrecover-style signature of the same digest", async () => {
    const digest = identityProofDigest(context);
    expect(bytesToHex(digest)).toBe("0x526d873f0462ab9887e62173982a8f8653ddf6c664c6dd71f17630e652187db0");
    const proof = signIdentityProof(secret, context);
    expect(bytesToHex(proof)).toBe(
      "0x63e5c4144310b8ac3dd75955b9c6553dc9231a1806459200e7e83461d87d7dc5" +
        "4dc4b921f268e7517b9c393b9951d5a56d971675a8595a0db7c3b6cfc39ba15d1b",
    );
    const viem = await sign({ hash: bytesToHex(digest), privateKey: bytesToHex(secret), to: "hex" });
    expect(bytesToHex(proof)).toBe(viem);
    const account = privateKeyToAccount(bytesToHex(secret));
    expect(await recoverAddress({ hash: bytesToHex(digest), signature: bytesToHex(proof) })).toBe(account.address);
  });

  it("verifies for its key and context only", () => {
    const key = secp256k1.getPublicKey(secret, true);
    const proof = signIdentityProof(secret, context);
    expect(verifyIdentityProof(key, proof, context)).toBe(true);
    expect(verifyIdentityProof(key, proof, { ...context, owner: context.registry })).toBe(false);
    expect(verifyIdentityProof(key, proof, { ...context, registry: context.owner })).toBe(false);
    expect(verifyIdentityProof(key, proof, { ...context, chainId: 1n })).toBe(false);
    const other = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
    expect(verifyIdentityProof(other, proof, context)).toBe(false);
    for (const i of [0, 31, 32, 63, 64]) {
      const bad = proof.slice();
      bad[i]! ^= 1;
      expect(verifyIdentityProof(key, bad, context)).toBe(false);
    }
    expect(verifyIdentityProof(key, proof.subarray(0, 64), context)).toBe(false);
  });

  it("refuses a secret of the wrong length", () => {
    expect(() => signIdentityProof(new Uint8Array(31), context)).toThrow("An identity secret key is 32 bytes.");
  });
});
