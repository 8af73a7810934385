import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  decryptKeystore,
  KeystoreError,
  KeystoreNotJsonError,
  NotAKeystoreError,
  PubkeyMismatchError,
  publicKeyOf,
  randomScalar,
  UnsupportedKeystoreError,
  WrongPasswordError,
} from "../src/index.js";
import { cheapKeystore } from "./helpers.js";

// EIP-2335's own test vectors (https://eips.ethereum.org/EIPS/eip-2335#test-cases).
const VECTOR_PASSWORD = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";
const VECTOR_SECRET = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
const vector = (kdf: string) => readFileSync(new URL(`./vectors/eip2335-${kdf}.json`, import.meta.url), "utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("EIP-2335 test vectors", () => {
  for (const kdf of ["scrypt", "pbkdf2"]) {
    it(`decrypts the ${kdf} vector to the EIP's secret and checks its pubkey`, async () => {
      const key = await decryptKeystore(vector(kdf), VECTOR_PASSWORD);
      expect(hex(key.secretKey)).toBe(VECTOR_SECRET);
      expect(hex(key.publicKey)).toBe(JSON.parse(vector(kdf)).pubkey);
    });
  }

  it("rejects the vector with a wrong password", async () => {
    await expect(decryptKeystore(vector("pbkdf2"), "testpassword")).rejects.toBeInstanceOf(WrongPasswordError);
  });
});

describe("keystore errors are distinct and say what to do", () => {
  const good = () => JSON.parse(vector("pbkdf2"));

  it("not JSON", async () => {
    await expect(decryptKeystore("{ this is not json", "x")).rejects.toBeInstanceOf(KeystoreNotJsonError);
  });

  it("JSON that is not a keystore (a deposit_data file)", async () => {
    const depositData = JSON.stringify([{ pubkey: "ab", withdrawal_credentials: "00", amount: 32000000000 }]);
    const error = await decryptKeystore(depositData, "x").catch((e) => e);
    expect(error).toBeInstanceOf(NotAKeystoreError);
    expect(error.shortMessage).toMatch(/not deposit data/);
  });

  it("unsupported version", async () => {
    const ks = { ...good(), version: 3 };
    await expect(decryptKeystore(ks, VECTOR_PASSWORD)).rejects.toBeInstanceOf(UnsupportedKeystoreError);
  });

  it("unsupported KDF", async () => {
    const ks = good();
    ks.crypto.kdf.function = "argon2id";
    const error = await decryptKeystore(ks, VECTOR_PASSWORD).catch((e) => e);
    expect(error).toBeInstanceOf(UnsupportedKeystoreError);
    expect(error.shortMessage).toMatch(/argon2id/);
  });

  it("a keystore missing a required field", async () => {
    const ks = good();
    delete ks.crypto.cipher.params.iv;
    await expect(decryptKeystore(ks, VECTOR_PASSWORD)).rejects.toBeInstanceOf(NotAKeystoreError);
  });

  it("a pubkey field that does not match the secret inside", async () => {
    const ks = good();
    ks.pubkey = hex(await publicKeyOf(randomScalar()));
    await expect(decryptKeystore(ks, VECTOR_PASSWORD)).rejects.toBeInstanceOf(PubkeyMismatchError);
  });

  it("never puts the password or the secret into an error", async () => {
    const secret = randomScalar();
    const password = "correct horse battery staple";
    const ks = await cheapKeystore(secret, password);
    for (const attempt of [`${password}!`, password.toUpperCase()]) {
      const error = await decryptKeystore(ks, attempt).catch((e) => e);
      expect(error).toBeInstanceOf(KeystoreError);
      const text = `${error.message} ${error.shortMessage} ${JSON.stringify(error)} ${String(error.stack)}`;
      expect(text).not.toContain(attempt);
      expect(text).not.toContain(hex(secret));
    }
  });
});

describe("created keystores", () => {
  for (const kdf of ["scrypt", "pbkdf2"] as const) {
    it(`round-trips a ${kdf} keystore`, async () => {
      const secret = randomScalar();
      const ks = await cheapKeystore(secret, "pw", kdf);
      expect(ks.crypto.kdf.function).toBe(kdf);
      const key = await decryptKeystore(JSON.stringify(ks), "pw");
      expect(hex(key.secretKey)).toBe(hex(secret));
      expect(key.path).toBe("m/12381/3600/0/0/0");
    });
  }
});
