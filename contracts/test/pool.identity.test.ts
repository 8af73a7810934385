/**
 * identityAddress(operatorId): the mini-pools contract decompresses the registered 33-byte secp256k1 identity key
 * (modexp square root) and hashes it into an Ethereum address; checked against viem's publicKeyToAddress.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, type Hex, zeroAddress } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import { encryptionKey } from "./harness.js";
import { ETHER, type PoolSystem, setupPoolSystem } from "./poolFixture.js";

let system: PoolSystem;

beforeAll(async () => {
  system = await setupPoolSystem(4, {}, 0);
});

async function register(identityKey: Hex): Promise<bigint> {
  const owner = system.cohort.accounts[1]!;
  await system.cohort.send(owner, "registerOperator", [identityKey, encryptionKey(), "vector", 10n, []]);
  return system.cohort.read<bigint>("operatorCount");
}

/** Secret keys chosen to cover both y parities, the generator, the largest key and random ones. */
const N = secp256k1.Point.CURVE().n;
const secrets = [1n, 2n, 3n, 7n, N - 1n, N - 2n, 2n ** 128n + 1n];

describe("identityAddress", () => {
  it("matches viem's publicKeyToAddress for compressed keys of both parities", async () => {
    const random = Array.from({ length: 5 }, () => secp256k1.utils.randomSecretKey());
    const keys = [
      ...secrets.map((s) => secp256k1.getPublicKey(bigintKey(s), true)),
      ...random.map((r) => secp256k1.getPublicKey(r, true)),
    ];
    const prefixes = new Set(keys.map((k) => k[0]));
    expect(prefixes).toEqual(new Set([2, 3]));
    for (const key of keys) {
      const id = await register(bytesToHex(key));
      const uncompressed = secp256k1.Point.fromBytes(key).toBytes(false);
      expect(await system.read("miniPools", "identityAddress", [id])).toBe(
        publicKeyToAddress(bytesToHex(uncompressed)),
      );
    }
  });

  it("is the zero address for an x that is not on the curve, and such an operator cannot join a mini-pool", async () => {
    // x = 5: 5³ + 7 = 132 is not a square mod p.
    const offCurve: Hex = `0x02${5n.toString(16).padStart(64, "0")}`;
    const id = await register(offCurve);
    expect(await system.read("miniPools", "identityAddress", [id])).toBe(zeroAddress);
    const [a, b, c] = system.operators;
    await system.expectRevert(
      a!.owner,
      "miniPools",
      "createMiniPool",
      [[a!.id, b!.id, c!.id, id]],
      "InvalidIdentityKey",
      [id],
      4n * ETHER,
    );
  });
});

function bigintKey(secret: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(secret.toString(16).padStart(64, "0"), "hex"));
}
