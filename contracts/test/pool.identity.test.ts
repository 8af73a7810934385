/**
 * identityAddress(operatorId): the mini-pools contract decompresses the registered 33-byte secp256k1 identity key
 * (modexp square root) and hashes it into an Ethereum address; checked against viem's publicKeyToAddress.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, type Hex } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import { signIdentityProof } from "../../sdk/src/ownership/identity.js";
import { encryptionKey } from "./harness.js";
import { type PoolSystem, setupPoolSystem } from "./poolFixture.js";

let system: PoolSystem;

beforeAll(async () => {
  system = await setupPoolSystem(4, {}, 0);
});

async function register(secret: Uint8Array): Promise<bigint> {
  const owner = system.cohort.accounts[1]!;
  const { chainId, registry } = system.cohort.deployment;
  const proof = signIdentityProof(secret, { chainId: BigInt(chainId), registry, owner: owner.address });
  const key = bytesToHex(secp256k1.getPublicKey(secret, true));
  await system.cohort.send(owner, "registerOperator", [key, encryptionKey(), "vector", 10n, [], bytesToHex(proof)]);
  return system.cohort.read<bigint>("operatorCount");
}

/** Secret keys chosen to cover both y parities, the generator, the largest key and random ones. */
const N = secp256k1.Point.CURVE().n;
const secrets = [1n, 2n, 3n, 7n, N - 1n, N - 2n, 2n ** 128n + 1n];

describe("identityAddress", () => {
  it("matches viem's publicKeyToAddress for compressed keys of both parities", async () => {
    const random = Array.from({ length: 5 }, () => secp256k1.utils.randomSecretKey());
    const secretKeys = [...secrets.map(bigintKey), ...random];
    const prefixes = new Set(secretKeys.map((s) => secp256k1.getPublicKey(s, true)[0]));
    expect(prefixes).toEqual(new Set([2, 3]));
    for (const secret of secretKeys) {
      const key = secp256k1.getPublicKey(secret, true);
      const id = await register(secret);
      const uncompressed = secp256k1.Point.fromBytes(key).toBytes(false);
      expect(await system.read("miniPools", "identityAddress", [id])).toBe(
        publicKeyToAddress(bytesToHex(uncompressed)),
      );
    }
  });

  it("an x that is not on the curve has no address, and the registry refuses it as an identity key", async () => {
    // x = 5: 5³ + 7 = 132 is not a square mod p. The registry checks the identity proof against the key's address
    // (IdentityAddress), so no operator without a usable identity address can exist.
    const offCurve: Hex = `0x02${5n.toString(16).padStart(64, "0")}`;
    const owner = system.cohort.accounts[1]!;
    const args = [offCurve, encryptionKey(), "vector", 10n, [], `0x${"00".repeat(65)}`];
    await system.cohort.expectRevert(owner, "registerOperator", args, "InvalidIdentityKey");
  });
});

function bigintKey(secret: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(secret.toString(16).padStart(64, "0"), "hex"));
}
