import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COMMITTEE_SIZES,
  CombineError,
  combinePartialSignatures,
  partialSign,
  sign,
  splitSecret,
  verify,
  verifyPartial,
} from "../src/index.js";
import { flipByte, subsets, validatorKey } from "./helpers.js";
import { nobleCombine, nobleSign, nobleVerify } from "./reference.js";

const message = new TextEncoder().encode("cohort threshold test message: 32 bytes or any length");

async function signedShares(n: (typeof COMMITTEE_SIZES)[number], msg = message) {
  const key = await validatorKey();
  const split = await splitSecret(key.secretKey, n);
  const partials = await Promise.all(
    split.shares.map(async (s) => ({ index: s.index, signature: await partialSign(s.secret, msg) })),
  );
  return { ...key, split, partials, full: await sign(key.secretKey, msg) };
}

describe("BLS interoperability (Ethereum DST, explicitly)", () => {
  it("herumi's WASM and @noble/curves give the same signature and accept each other's", async () => {
    const { secretKey, publicKey } = await validatorKey();
    const ours = await sign(secretKey, message);
    expect(ours).toEqual(nobleSign(secretKey, message));
    expect(nobleVerify(publicKey, message, ours)).toBe(true);
  });
});

describe("threshold signatures", () => {
  for (const n of COMMITTEE_SIZES) {
    it(`n=${n}: any t partials combine to the full key's exact signature; t−1 do not`, async () => {
      const { publicKey, split, partials, full } = await signedShares(n);
      const t = split.threshold;
      for (const p of partials) {
        expect(await verifyPartial(split.shares[p.index - 1]!.publicKey, message, p.signature)).toBe(true);
      }
      // All subsets for n=4 and n=7; a sample of them for the larger committees keeps the test quick.
      const all = subsets(partials, t);
      const chosen = n <= 7 ? all : all.filter((_, i) => i % 97 === 0);
      for (const subset of chosen) {
        const combined = await combinePartialSignatures(subset, t);
        expect(combined).toEqual(full);
      }
      expect(await verify(publicKey, message, full)).toBe(true);
      const short = await combinePartialSignatures(partials.slice(0, t - 1), t - 1);
      expect(short).not.toEqual(full);
      expect(await verify(publicKey, message, short)).toBe(false);
    });
  }

  it("matches an independent Lagrange combination on @noble/curves", async () => {
    const { split, partials, full } = await signedShares(4);
    const subset = [partials[3]!, partials[0]!, partials[2]!];
    expect(nobleCombine(subset)).toEqual(full);
    expect(await combinePartialSignatures(subset, split.threshold)).toEqual(full);
  });

  it("property: random messages, random t-subsets of n=4 and n=7", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.constantFrom(4 as const, 7 as const),
        fc.infiniteStream(fc.nat()),
        async (msg, n, picks) => {
          const { split, partials, full } = await signedShares(n, msg);
          const pool = [...partials];
          const subset = Array.from(
            { length: split.threshold },
            () => pool.splice(picks.next().value % pool.length, 1)[0]!,
          );
          expect(await combinePartialSignatures(subset, split.threshold)).toEqual(full);
          const fewer = subset.slice(1);
          expect(await combinePartialSignatures(fewer, fewer.length)).not.toEqual(full);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("a partial from the wrong share or a tampered partial does not verify", async () => {
    const { split, partials } = await signedShares(4);
    expect(await verifyPartial(split.shares[1]!.publicKey, message, partials[0]!.signature)).toBe(false);
    expect(await verifyPartial(split.shares[0]!.publicKey, message, flipByte(partials[0]!.signature, 50))).toBe(false);
    expect(await verifyPartial(split.shares[0]!.publicKey, message, new Uint8Array(95))).toBe(false);
  });

  it("combine rejects too few, duplicate and malformed partials with a CombineError", async () => {
    const { partials } = await signedShares(4);
    const [a, b, c] = partials;
    await expect(combinePartialSignatures([a!, b!], 3)).rejects.toMatchObject({ code: "NOT_ENOUGH_PARTIALS" });
    await expect(combinePartialSignatures([a!, a!, c!], 3)).rejects.toMatchObject({ code: "DUPLICATE_SHARE_INDEX" });
    const garbage = { index: 2, signature: new Uint8Array(96).fill(7) };
    await expect(combinePartialSignatures([a!, garbage, c!], 3)).rejects.toBeInstanceOf(CombineError);
    await expect(combinePartialSignatures([a!, { index: 0, signature: b!.signature }, c!], 3)).rejects.toMatchObject({
      code: "BAD_SHARE_INDEX",
    });
  });
});
