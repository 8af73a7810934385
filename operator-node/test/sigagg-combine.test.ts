import { SecretKey } from "@chainsafe/blst";
import { splitSecret } from "@cohort/sdk";
import { describe, expect, it } from "vitest";
import { CombineFailedError, combineVerified } from "../src/sigagg/combine.js";

// combineVerified tries the cheap path first (recover, verify the result); these pin what the fallback must still do.
describe("combineVerified", async () => {
  const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(7));
  const secret = sk.toBytes();
  const split = await splitSecret(secret, 4);
  secret.fill(0);
  const message = new Uint8Array(32).fill(1);
  const partialOf = (index: number, msg = message) => ({
    index,
    signature: SecretKey.fromBytes(split.shares[index - 1]!.secret)
      .sign(msg)
      .toBytes(),
  });
  const base = {
    message,
    sharePublicKeys: split.shares.map((s) => s.publicKey),
    validatorPublicKey: sk.toPublicKey().toBytes(),
    threshold: 3,
  };
  const expected = Buffer.from(sk.sign(message).toBytes()).toString("hex");
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

  it("combines t valid partials into the validator's signature", async () => {
    const r = await combineVerified({ ...base, partials: [1, 2, 3].map((i) => partialOf(i)) });
    expect(hex(r.signature)).toBe(expected);
    expect(r.invalid).toEqual([]);
  });

  it("drops a peer's partial over another message, and combines the valid rest", async () => {
    const wrong = partialOf(1, new Uint8Array(32).fill(2)); // a valid point, the wrong message
    const r = await combineVerified({ ...base, partials: [wrong, partialOf(2), partialOf(3), partialOf(4)] });
    expect(hex(r.signature)).toBe(expected);
    expect(r.invalid).toEqual([1]);
  });

  it("drops bytes that are no G2 point", async () => {
    const garbage = { index: 2, signature: new Uint8Array(96).fill(0xab) };
    const r = await combineVerified({ ...base, partials: [partialOf(1), garbage, partialOf(3), partialOf(4)] });
    expect(hex(r.signature)).toBe(expected);
    expect(r.invalid).toEqual([2]);
  });

  it("refuses with a typed error when fewer than t partials are valid", async () => {
    const wrong = partialOf(1, new Uint8Array(32).fill(2));
    await expect(combineVerified({ ...base, partials: [wrong, partialOf(3), partialOf(4)] })).rejects.toBeInstanceOf(
      CombineFailedError,
    );
  });
});
