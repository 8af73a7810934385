import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COMMITTEE_SIZES,
  type CommitteeSize,
  CURVE_ORDER,
  InvalidArgumentError,
  randomScalar,
  splitSecret,
  thresholdOf,
  verifySecretShare,
  verifyShareAgainstCommitments,
} from "../src/index.js";
import { validatorKey } from "./helpers.js";
import { bigintFromBytes, bytesFromBigint, nobleInterpolateSecret, noblePublicKey } from "./reference.js";

describe("splitSecret", () => {
  for (const n of COMMITTEE_SIZES) {
    it(`n=${n}: C₀ is the public key, shares match commitments and interpolate back to the secret`, async () => {
      const { secretKey, publicKey } = await validatorKey();
      const split = await splitSecret(secretKey, n);
      expect(split.threshold).toBe(thresholdOf(n));
      expect(split.commitments).toHaveLength(split.threshold);
      expect(split.commitments[0]).toEqual(publicKey);
      for (const share of split.shares) {
        expect(share.publicKey).toEqual(noblePublicKey(share.secret));
        expect(await verifyShareAgainstCommitments(split.commitments, share.index, share.publicKey)).toBe(true);
        expect(await verifySecretShare(split.commitments, share.index, share.secret, share.publicKey)).toBe(true);
      }
      const t = split.threshold;
      expect(nobleInterpolateSecret(split.shares.slice(0, t))).toBe(bigintFromBytes(secretKey));
      expect(nobleInterpolateSecret(split.shares.slice(-t))).toBe(bigintFromBytes(secretKey));
      expect(nobleInterpolateSecret(split.shares.slice(0, t - 1))).not.toBe(bigintFromBytes(secretKey));
    });
  }

  it("a share is rejected under another index or with a wrong secret", async () => {
    const { secretKey } = await validatorKey();
    const split = await splitSecret(secretKey, 4);
    const [a, b] = split.shares;
    expect(await verifyShareAgainstCommitments(split.commitments, 2, a!.publicKey)).toBe(false);
    expect(await verifySecretShare(split.commitments, a!.index, b!.secret, a!.publicKey)).toBe(false);
    expect(await verifyShareAgainstCommitments(split.commitments.slice(1), 1, a!.publicKey)).toBe(false);
  });

  it("rejects a zero or out-of-range secret and a bad committee size", async () => {
    await expect(splitSecret(new Uint8Array(32), 4)).rejects.toThrow(InvalidArgumentError);
    await expect(splitSecret(bytesFromBigint(CURVE_ORDER), 4)).rejects.toThrow(InvalidArgumentError);
    await expect(splitSecret(bytesFromBigint(CURVE_ORDER + 5n), 4)).rejects.toThrow(InvalidArgumentError);
    await expect(splitSecret(randomScalar(), 5 as CommitteeSize)).rejects.toThrow(InvalidArgumentError);
  });

  it("does not modify the caller's secret and zeroizes every random coefficient it drew", async () => {
    const { secretKey } = await validatorKey();
    const before = new Uint8Array(secretKey);
    const drawn: Uint8Array[] = [];
    const rng = (length: number) => {
      const b = crypto.getRandomValues(new Uint8Array(length));
      drawn.push(b);
      return b;
    };
    await splitSecret(secretKey, 7, rng);
    expect(secretKey).toEqual(before);
    expect(drawn.length).toBeGreaterThanOrEqual(thresholdOf(7) - 1);
    for (const b of drawn) expect(b.every((x) => x === 0)).toBe(true);
  });
});

describe("randomScalar", () => {
  it("rejects draws ≥ r and zero instead of reducing them (no modulo bias)", () => {
    const queue = [
      bytesFromBigint(CURVE_ORDER), // = r: rejected
      new Uint8Array(32).fill(0xff), // top bit cleared → 2^255−1 > r: rejected
      new Uint8Array(32), // zero: rejected
      bytesFromBigint(CURVE_ORDER - 1n), // accepted
    ];
    const served: Uint8Array[] = [];
    const value = randomScalar(() => {
      const next = queue.shift()!;
      served.push(next);
      return next;
    });
    expect(bigintFromBytes(value)).toBe(CURVE_ORDER - 1n);
    expect(served).toHaveLength(4);
    expect(served.slice(0, 2).every((b) => b.every((x) => x === 0))).toBe(true);
  });

  it("property: always in [1, r)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        // The first draw is the arbitrary seed; later draws (after a rejection) come from the CSPRNG.
        const draws = [new Uint8Array(seed)];
        const v = bigintFromBytes(randomScalar((n) => draws.shift() ?? crypto.getRandomValues(new Uint8Array(n))));
        return v >= 1n && v < CURVE_ORDER;
      }),
    );
  });
});
