import { x25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import {
  decryptShare,
  encryptShare,
  generateEncryptionKeyPair,
  randomScalar,
  SHARE_CIPHERTEXT_LENGTH,
  ShareDecryptionError,
  shareInfo,
} from "../src/index.js";
import { flipByte } from "./helpers.js";

const context = {
  chainId: 17000n,
  registry: Uint8Array.from({ length: 20 }, (_, i) => i + 1),
  validatorPublicKey: new Uint8Array(48).fill(0xaa),
  operatorId: 42n,
};

describe("HPKE share encryption", () => {
  it("info is the tag ‖ chain id (u64 BE) ‖ registry ‖ validator key ‖ operator id (u64 BE)", () => {
    const info = shareInfo(context);
    const expected = Buffer.concat([
      Buffer.from("cohort/keyshare/v1"),
      Buffer.from("0000000000004268", "hex"),
      Buffer.from(context.registry),
      Buffer.from(context.validatorPublicKey),
      Buffer.from("000000000000002a", "hex"),
    ]);
    expect(Buffer.from(info).toString("hex")).toBe(expected.toString("hex"));
    expect(info).toHaveLength(18 + 8 + 20 + 48 + 8);
  });

  it("round-trips a 32-byte share; the key pair is plain X25519", async () => {
    const pair = await generateEncryptionKeyPair();
    expect(pair.publicKey).toEqual(x25519.getPublicKey(pair.secretKey));
    const share = randomScalar();
    const sealed = await encryptShare(pair.publicKey, share, context);
    expect(sealed.enc).toHaveLength(32);
    expect(sealed.ciphertext).toHaveLength(SHARE_CIPHERTEXT_LENGTH);
    expect(await decryptShare(pair.secretKey, sealed, context)).toEqual(share);
  });

  it("fails cleanly with the wrong key or for any other context field", async () => {
    const pair = await generateEncryptionKeyPair();
    const other = await generateEncryptionKeyPair();
    const sealed = await encryptShare(pair.publicKey, randomScalar(), context);
    await expect(decryptShare(other.secretKey, sealed, context)).rejects.toBeInstanceOf(ShareDecryptionError);
    const variants = [
      { ...context, chainId: 1n },
      { ...context, registry: flipByte(context.registry, 19) },
      { ...context, validatorPublicKey: flipByte(context.validatorPublicKey, 0) },
      { ...context, operatorId: 43n },
    ];
    for (const v of variants) {
      await expect(decryptShare(pair.secretKey, sealed, v)).rejects.toBeInstanceOf(ShareDecryptionError);
    }
  });

  it("rejects every single-byte change to enc or ciphertext", async () => {
    const pair = await generateEncryptionKeyPair();
    const sealed = await encryptShare(pair.publicKey, randomScalar(), context);
    for (let i = 0; i < sealed.enc.length; i++) {
      const tampered = { ...sealed, enc: flipByte(sealed.enc, i, 0x80) };
      await expect(decryptShare(pair.secretKey, tampered, context)).rejects.toBeInstanceOf(ShareDecryptionError);
    }
    for (let i = 0; i < sealed.ciphertext.length; i++) {
      const tampered = { ...sealed, ciphertext: flipByte(sealed.ciphertext, i) };
      await expect(decryptShare(pair.secretKey, tampered, context)).rejects.toBeInstanceOf(ShareDecryptionError);
    }
    await expect(
      decryptShare(pair.secretKey, { ...sealed, ciphertext: sealed.ciphertext.slice(1) }, context),
    ).rejects.toBeInstanceOf(ShareDecryptionError);
  });

  it("accepts Node Buffers (pooled memory) as input", async () => {
    const pair = await generateEncryptionKeyPair();
    const share = randomScalar();
    const sealed = await encryptShare(Buffer.from(pair.publicKey), share, context);
    const asBuffers = { enc: Buffer.from(sealed.enc), ciphertext: Buffer.from(sealed.ciphertext) };
    expect(await decryptShare(Buffer.from(pair.secretKey), asBuffers, context)).toEqual(share);
  });
});
