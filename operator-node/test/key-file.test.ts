import { WrongPasswordError } from "@cohort/sdk";
import { x25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { createKeyFile, KeyFileError, loadKeyFile, publicKeysOf } from "../src/keys/key-file.js";

const cheap = { scryptN: 1024 };

describe("node key file", () => {
  it("round-trips both keys, exposes only public keys without the password, and stores no secret in clear", async () => {
    const { file, keys } = await createKeyFile("operator password", cheap);
    const text = JSON.stringify(file);
    const loaded = await loadKeyFile(text, "operator password");
    expect(loaded).toEqual(keys);
    expect(loaded.identityPublicKey).toEqual(secp256k1.getPublicKey(keys.identitySecret, true));
    expect(loaded.encryptionPublicKey).toEqual(x25519.getPublicKey(keys.encryptionSecret));
    expect(publicKeysOf(text)).toEqual({
      identityPublicKey: `0x${Buffer.from(keys.identityPublicKey).toString("hex")}`,
      encryptionPublicKey: `0x${Buffer.from(keys.encryptionPublicKey).toString("hex")}`,
    });
    expect(text).not.toContain(Buffer.from(keys.identitySecret).toString("hex"));
    expect(text).not.toContain(Buffer.from(keys.encryptionSecret).toString("hex"));
  });

  it("wrong password, foreign files and tampered public keys each get a clear error", async () => {
    const { file } = await createKeyFile("pw", cheap);
    await expect(loadKeyFile(JSON.stringify(file), "PW")).rejects.toBeInstanceOf(WrongPasswordError);
    await expect(loadKeyFile("{}", "pw")).rejects.toBeInstanceOf(KeyFileError);
    await expect(loadKeyFile("nope", "pw")).rejects.toThrow(/not JSON/);
    const swapped = { ...file, encryption: { ...file.encryption, pubkey: file.identity.pubkey.slice(2) } };
    await expect(loadKeyFile(JSON.stringify(swapped), "pw")).rejects.toThrow(/damaged/);
  });
});
