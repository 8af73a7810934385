/**
 * The DKG's polynomial and commitment arithmetic (herumi WASM) checked against an independent implementation,
 * @noble/curves with bigint field arithmetic.
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { describe, expect, it } from "vitest";
import { deal, evalCommitments, sumCommitments, sumShares, validCommitments, verifyShare } from "../src/dkg/feldman.js";

const G1 = bls12_381.G1.Point;
const Fr = bls12_381.fields.Fr;
const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex")}`);
const bytes32 = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Σⱼ Cⱼ·xʲ on noble. */
function nobleEval(commitments: Uint8Array[], x: number): string {
  let acc = G1.ZERO;
  commitments.forEach((c, j) => {
    const power = Fr.pow(BigInt(x), BigInt(j));
    acc = acc.add(G1.fromBytes(c).multiply(power));
  });
  return hex(acc.toBytes());
}

/** Lagrange interpolation at 0 of (x, y) pairs over Fr. */
function interpolateAtZero(points: { x: number; y: bigint }[]): bigint {
  return points.reduce((sum, { x, y }) => {
    const lambda = points.reduce(
      (acc, { x: xj }) => (xj === x ? acc : Fr.mul(acc, Fr.div(BigInt(xj), Fr.sub(BigInt(xj), BigInt(x))))),
      1n,
    );
    return Fr.add(sum, Fr.mul(lambda, y));
  }, 0n);
}

const g1 = (s: bigint) => hex(G1.BASE.multiply(s).toBytes());

describe("Feldman arithmetic against @noble/curves", () => {
  it("a dealing: every share is on the committed polynomial, and any t shares interpolate to C₀'s secret", async () => {
    const { commitments, shares } = await deal(4, 3);
    expect(commitments).toHaveLength(3);
    expect(shares).toHaveLength(4);
    for (let m = 0; m < 4; m++) {
      expect(g1(big(shares[m]!))).toBe(nobleEval(commitments, m + 1));
      expect(hex(await evalCommitments(commitments, m + 1))).toBe(nobleEval(commitments, m + 1));
      expect(await verifyShare(commitments, m + 1, shares[m]!)).toBe(true);
    }
    for (const subset of [
      [1, 2, 3],
      [1, 2, 4],
      [1, 3, 4],
      [2, 3, 4],
    ]) {
      const secret = interpolateAtZero(subset.map((x) => ({ x, y: big(shares[x - 1]!) })));
      expect(g1(secret)).toBe(hex(commitments[0]!));
    }
    // Degree t−1 exactly: three shares determine the fourth.
    const f = (x: number) => {
      const pts = [1, 2, 3].map((k) => ({ x: k, y: big(shares[k - 1]!) }));
      return pts.reduce((sum, { x: xi, y }) => {
        const l = pts.reduce(
          (acc, { x: xj }) =>
            xj === xi ? acc : Fr.mul(acc, Fr.div(Fr.sub(BigInt(x), BigInt(xj)), Fr.sub(BigInt(xi), BigInt(xj)))),
          1n,
        );
        return Fr.add(sum, Fr.mul(l, y));
      }, 0n);
    };
    expect(f(4)).toBe(big(shares[3]!));
  });

  it("verifyShare refuses a wrong share, a wrong index, a zero or out-of-range scalar and broken commitments", async () => {
    const { commitments, shares } = await deal(4, 3);
    const s = shares[1]!;
    expect(await verifyShare(commitments, 2, s)).toBe(true);
    expect(await verifyShare(commitments, 3, s)).toBe(false);
    expect(await verifyShare(commitments, 2, bytes32(Fr.add(big(s), 1n)))).toBe(false);
    expect(await verifyShare(commitments, 2, new Uint8Array(32))).toBe(false);
    expect(await verifyShare(commitments, 2, bytes32(Fr.ORDER))).toBe(false);
    expect(await verifyShare(commitments, 2, s.subarray(1))).toBe(false);
    const broken = commitments.map((c) => c.slice());
    broken[1]![5]! ^= 1;
    expect(await verifyShare(broken, 2, s)).toBe(false);
    expect(await validCommitments(broken, 3)).toBe(false);
    expect(await validCommitments(commitments, 3)).toBe(true);
    expect(await validCommitments(commitments.slice(0, 2), 3)).toBe(false);
    // C₀ = identity would make a dealer's secret zero, known to all.
    expect(await validCommitments([G1.ZERO.toBytes(), commitments[1]!, commitments[2]!], 3)).toBe(false);
  });

  it("joint key: summed commitments and summed shares agree with noble, and the joint shares interpolate to it", async () => {
    const dealings = await Promise.all([0, 1, 2, 3].map(() => deal(4, 3)));
    const joint = await sumCommitments(dealings.map((d) => d.commitments));
    for (let j = 0; j < 3; j++) {
      const expected = dealings.reduce((acc, d) => acc.add(G1.fromBytes(d.commitments[j]!)), G1.ZERO);
      expect(hex(joint[j]!)).toBe(hex(expected.toBytes()));
    }
    const memberShares: Uint8Array[] = [];
    for (let m = 0; m < 4; m++) {
      const summed = await sumShares(dealings.map((d) => d.shares[m]!));
      expect(big(summed)).toBe(dealings.reduce((acc, d) => Fr.add(acc, big(d.shares[m]!)), 0n));
      expect(g1(big(summed))).toBe(hex(await evalCommitments(joint, m + 1)));
      memberShares.push(summed);
    }
    const secret = interpolateAtZero([0, 2, 3].map((m) => ({ x: m + 1, y: big(memberShares[m]!) })));
    expect(g1(secret)).toBe(hex(joint[0]!));
  });

  it("a sum of shares that is zero is refused rather than returned", async () => {
    const s = 123456789n;
    await expect(sumShares([bytes32(s), bytes32(Fr.neg(s))])).rejects.toThrow(/zero/);
  });
});
