/**
 * Feldman VSS arithmetic for the DKG, on herumi's WASM build (the sdk's BLS engine): each dealer's polynomial and
 * every secret sum live in WASM memory that `clear()` overwrites; only 32-byte share copies leave it, and those are
 * the caller's to zeroize. Points are compressed G1 (48 bytes), scalars 32-byte big-endian, as everywhere in Cohort.
 */
import { randomScalar, zeroize } from "@cohort/sdk";
import { type BlsModule, loadBls, secretKeyFromBytes, type WasmSecretKey } from "@cohort/sdk/bls/engine";

type WasmPublicKey = InstanceType<BlsModule["PublicKey"]>;

export interface Dealing {
  /** Cⱼ = aⱼ·G1 for j = 0..t−1. */
  readonly commitments: Uint8Array[];
  /** shares[m] = f(m + 1) for member m = 0..n−1. Secret: zeroize after sending. */
  readonly shares: Uint8Array[];
}

/**
 * Draws a random polynomial of degree t−1 (every coefficient, a₀ included, a rejection-sampled CSPRNG scalar), and
 * returns its commitments and its n evaluations. The polynomial is cleared before this returns, so a dealer can
 * never be made to reveal more than the evaluations.
 */
export async function deal(n: number, t: number, random?: (length: number) => Uint8Array): Promise<Dealing> {
  const bls = await loadBls();
  const polynomial: WasmSecretKey[] = [];
  try {
    for (let j = 0; j < t; j++) {
      const bytes = randomScalar(random);
      try {
        polynomial.push(secretKeyFromBytes(bls, bytes));
      } finally {
        zeroize(bytes);
      }
    }
    const commitments = polynomial.map((a) => a.getPublicKey().serialize());
    const shares: Uint8Array[] = [];
    for (let m = 0; m < n; m++) {
      const s = new bls.SecretKey();
      try {
        s.share(polynomial, idOf(bls, m + 1));
        // f(i) = 0 has probability 2⁻²⁵⁵; such a share would be an unusable key, so refuse it rather than emit it.
        if (s.isZero()) throw new Error("internal error: a zero share; run the ceremony again");
        shares.push(s.serialize());
      } finally {
        s.clear();
      }
    }
    return { commitments, shares };
  } finally {
    for (const a of polynomial) a.clear();
  }
}

function idOf(bls: BlsModule, x: number) {
  const id = new bls.Id();
  id.setInt(x);
  return id;
}

/** Deserializes a commitment vector; undefined if any point is malformed, off the subgroup, or C₀ is the identity. */
function pointsOf(bls: BlsModule, commitments: readonly Uint8Array[]): WasmPublicKey[] | undefined {
  try {
    const points = commitments.map((c) => {
      const p = new bls.PublicKey();
      p.deserialize(c);
      return p;
    });
    // C₀ = identity would make this dealer's secret zero: its contribution to the key would be known to all.
    if (points.length === 0 || points[0]!.isZero()) return undefined;
    return points;
  } catch {
    return undefined;
  }
}

/** Whether a vector is t well-formed G1 points with a non-identity C₀ (what a dealer must broadcast). */
export async function validCommitments(commitments: readonly Uint8Array[], t: number): Promise<boolean> {
  if (commitments.length !== t) return false;
  return pointsOf(await loadBls(), commitments) !== undefined;
}

/** Σⱼ Cⱼ·xʲ: the public key any share at x must have. Throws on malformed commitments (check them first). */
export async function evalCommitments(commitments: readonly Uint8Array[], x: number): Promise<Uint8Array> {
  const bls = await loadBls();
  const points = pointsOf(bls, commitments);
  if (!points) throw new Error("internal error: evaluating malformed commitments");
  const out = new bls.PublicKey();
  out.share(points, idOf(bls, x));
  return out.serialize();
}

/** Feldman check: share·G1 = Σⱼ Cⱼ·xʲ. False (never a throw) for any malformed input a peer could send. */
export async function verifyShare(commitments: readonly Uint8Array[], x: number, share: Uint8Array): Promise<boolean> {
  if (share.length !== 32) return false;
  const bls = await loadBls();
  const points = pointsOf(bls, commitments);
  if (!points) return false;
  let sk: WasmSecretKey;
  try {
    sk = secretKeyFromBytes(bls, share);
  } catch {
    return false; // ≥ r or zero
  }
  try {
    const expected = new bls.PublicKey();
    expected.share(points, idOf(bls, x));
    return sk.getPublicKey().isEqual(expected);
  } finally {
    sk.clear();
  }
}

/** Pointwise sum of the qualified dealers' commitment vectors: the commitments of the joint polynomial Σ fᵢ. */
export async function sumCommitments(vectors: readonly (readonly Uint8Array[])[]): Promise<Uint8Array[]> {
  const bls = await loadBls();
  const first = vectors[0];
  if (!first) throw new Error("internal error: no commitments to sum");
  const sums = first.map(() => new bls.PublicKey());
  vectors.forEach((v, k) => {
    const points = pointsOf(bls, v);
    if (!points || points.length !== sums.length) throw new Error("internal error: summing malformed commitments");
    points.forEach((p, j) => {
      if (k === 0) sums[j]!.deserialize(p.serialize());
      else sums[j]!.add(p);
    });
  });
  return sums.map((s) => s.serialize());
}

/**
 * Σ shares mod r, summed inside WASM memory. Returns the 32-byte sum (secret: the caller zeroizes it); throws if the
 * sum is zero, which no honest run produces.
 */
export async function sumShares(shares: readonly Uint8Array[]): Promise<Uint8Array> {
  const bls = await loadBls();
  const acc = new bls.SecretKey();
  try {
    shares.forEach((s, k) => {
      const sk = secretKeyFromBytes(bls, s);
      try {
        if (k === 0) acc.deserialize(s);
        else acc.add(sk);
      } finally {
        sk.clear();
      }
    });
    if (acc.isZero()) throw new Error("internal error: the summed share is zero; run the ceremony again");
    return acc.serialize();
  } finally {
    acc.clear();
  }
}
