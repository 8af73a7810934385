/**
 * The Node-only native paths (blst BLS, worker-thread KDF) against the browser's WASM paths they replace: the same
 * inputs must give byte-identical keys, signatures and decrypted secrets, and the same refusals.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { nativeBls } from "../src/bls/native.js";
import {
  buildKeyshares,
  PubkeyMismatchError,
  publicKeyOf,
  randomScalar,
  sign,
  splitSecret,
  UnsupportedKeystoreError,
  verifyShareAgainstCommitments,
  verifyValidatorKeyshares,
  WrongPasswordError,
} from "../src/index.js";
import { decryptKeystoreNative, KdfPool } from "../src/keystore/node.js";
import { cheapKeystore, flipByte, OWNER, operators, REGISTRY } from "./helpers.js";

const VECTOR_PASSWORD = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";
const VECTOR_SECRET = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
const vector = (kdf: string) => readFileSync(new URL(`./vectors/eip2335-${kdf}.json`, import.meta.url), "utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("native BLS (blst) matches herumi's WASM byte for byte", () => {
  it("public keys and signatures", async () => {
    for (let i = 0; i < 5; i++) {
      const sk = randomScalar();
      const message = crypto.getRandomValues(new Uint8Array(32));
      expect(hex(await nativeBls.publicKeyOf(sk))).toBe(hex(await publicKeyOf(sk)));
      expect(hex(await nativeBls.sign(sk, message))).toBe(hex(await sign(sk, message)));
    }
  });

  it("refuses a zero or out-of-range secret like the WASM path", async () => {
    await expect(nativeBls.publicKeyOf(new Uint8Array(32))).rejects.toThrow(/scalar/);
    await expect(nativeBls.publicKeyOf(new Uint8Array(32).fill(0xff))).rejects.toThrow(/scalar/);
  });

  for (const n of [4, 7, 13] as const) {
    it(`a native-group split of n=${n} gives shares the WASM Feldman check accepts`, async () => {
      const sk = randomScalar();
      const split = await splitSecret(sk, n, undefined, nativeBls.splitGroup);
      expect(hex(split.commitments[0]!)).toBe(hex(await publicKeyOf(sk)));
      for (const share of split.shares) {
        expect(hex(share.publicKey)).toBe(hex(await publicKeyOf(share.secret)));
        expect(await verifyShareAgainstCommitments(split.commitments, share.index, share.publicKey)).toBe(true);
      }
    });
  }

  it("the native Feldman check refuses a share that does not match the commitments", async () => {
    const split = await splitSecret(randomScalar(), 13);
    const group = nativeBls.splitGroup!;
    for (const share of split.shares) {
      expect(await group.shareMatchesCommitments(split.commitments, share.index, share.publicKey)).toBe(true);
      const other = split.shares[share.index % split.shares.length]!;
      expect(await group.shareMatchesCommitments(split.commitments, share.index, other.publicKey)).toBe(false);
    }
    const bent = [...split.commitments];
    bent[1] = split.shares[0]!.publicKey;
    expect(await group.shareMatchesCommitments(bent, 1, split.shares[0]!.publicKey)).toBe(false);
    expect(await group.shareMatchesCommitments(split.commitments, 1, flipByte(split.shares[0]!.publicKey, 47))).toBe(
      false,
    );
  });

  it("buildKeyshares with native BLS yields a file the (WASM) verifier accepts", async () => {
    const sk = randomScalar();
    const ops = await operators([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    const built = await buildKeyshares({
      secretKey: sk,
      publicKey: await publicKeyOf(sk),
      operators: ops,
      owner: OWNER,
      registry: REGISTRY,
      chainId: 31337n,
      nonce: 3n,
      bls: nativeBls,
    });
    const payload = await verifyValidatorKeyshares(built);
    expect(payload.threshold).toBe(5);
    const tampered = { ...built, ownershipSignature: hex(await sign(sk, new Uint8Array(32))) };
    await expect(
      verifyValidatorKeyshares({ ...tampered, ownershipSignature: `0x${tampered.ownershipSignature}` }),
    ).rejects.toThrow();
  });
});

describe("worker-thread keystore decryption", () => {
  const pool = new KdfPool(2);
  afterAll(() => pool.close());

  for (const kdf of ["scrypt", "pbkdf2"]) {
    it(`decrypts the EIP-2335 ${kdf} vector`, async () => {
      const key = await decryptKeystoreNative(vector(kdf), VECTOR_PASSWORD, pool);
      expect(hex(key.secretKey)).toBe(VECTOR_SECRET);
      expect(hex(key.publicKey)).toBe(JSON.parse(vector(kdf)).pubkey);
    });
  }

  it("runs several at once and gives each its own secret", async () => {
    const secrets = [randomScalar(), randomScalar(), randomScalar()];
    const stores = await Promise.all(secrets.map((s, i) => cheapKeystore(s, `pw${i}`, i % 2 ? "scrypt" : "pbkdf2")));
    const keys = await Promise.all(stores.map((k, i) => decryptKeystoreNative(k, `pw${i}`, pool)));
    expect(keys.map((k) => hex(k.secretKey))).toEqual(secrets.map(hex));
  });

  it("refuses a wrong password, an edited pubkey and a memory-hungry KDF with the WASM path's errors", async () => {
    const store = await cheapKeystore(randomScalar(), "right", "scrypt");
    await expect(decryptKeystoreNative(store, "wrong", pool)).rejects.toBeInstanceOf(WrongPasswordError);
    const other = await publicKeyOf(randomScalar());
    await expect(decryptKeystoreNative({ ...store, pubkey: hex(other) }, "right", pool)).rejects.toBeInstanceOf(
      PubkeyMismatchError,
    );
    const hungry = structuredClone(store);
    hungry.crypto.kdf.params = { ...hungry.crypto.kdf.params, n: 2 ** 22 };
    await expect(decryptKeystoreNative(hungry, "right", pool)).rejects.toBeInstanceOf(UnsupportedKeystoreError);
  });
});
