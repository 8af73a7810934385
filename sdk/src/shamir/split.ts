import { type BlsModule, loadBls, secretKeyFromBytes, type WasmSecretKey } from "../bls/engine.js";
import { equalBytes, zeroize } from "../bytes.js";
import { type CommitteeSize, isCommitteeSize, thresholdOf } from "../committee/size.js";
import { InvalidArgumentError } from "../errors.js";
import { cryptoRandomBytes, isValidScalar, type RandomBytes, randomScalar } from "./random.js";

export interface SecretShare {
  /** x-coordinate of the share: 1..n. */
  index: number;
  /** 32-byte big-endian f(index). Secret: zeroize after encrypting it. */
  secret: Uint8Array;
  /** f(index)·G1, compressed: what the share's partial signatures verify against. */
  publicKey: Uint8Array;
}

export interface SplitResult {
  threshold: number;
  /** Feldman commitments aⱼ·G1 for j = 0..t−1; commitments[0] is the validator public key. */
  commitments: Uint8Array[];
  shares: SecretShare[];
}

/**
 * Shamir-splits a validator secret key: f(x) = sk + a₁x + … + a_{t−1}x^{t−1} over the BLS12-381 scalar field,
 * share i = f(i). The polynomial lives in WASM memory (herumi's `SecretKey.share` evaluates it) and is cleared
 * before returning; every share is checked against the Feldman commitments before anyone sees it.
 */
/**
 * The group operations a split needs, swappable so that Node can use native BLS (`bls/native.ts`) while the
 * browser keeps herumi's WASM; the polynomial itself always lives in WASM memory, where it can be cleared.
 */
export interface SplitGroup {
  publicKeyOf(secret: WasmSecretKey): Uint8Array;
  shareMatchesCommitments(
    commitments: readonly Uint8Array[],
    index: number,
    sharePublicKey: Uint8Array,
  ): Promise<boolean>;
}

const wasmGroup: SplitGroup = {
  publicKeyOf: (secret) => secret.getPublicKey().serialize(),
  shareMatchesCommitments: (commitments, index, sharePublicKey) =>
    verifyShareAgainstCommitments(commitments, index, sharePublicKey),
};

export async function splitSecret(
  secretKey: Uint8Array,
  n: CommitteeSize,
  random: RandomBytes = cryptoRandomBytes,
  group: SplitGroup = wasmGroup,
): Promise<SplitResult> {
  if (!isCommitteeSize(n)) throw new InvalidArgumentError(`a committee has 4, 7, 10 or 13 operators, got ${n}`);
  if (!isValidScalar(secretKey)) {
    throw new InvalidArgumentError("the validator secret key must be a non-zero scalar below the curve order");
  }
  const bls = await loadBls();
  const t = thresholdOf(n);
  const polynomial: WasmSecretKey[] = [secretKeyFromBytes(bls, secretKey)];
  try {
    for (let j = 1; j < t; j++) polynomial.push(randomCoefficient(bls, random));
    const commitments = polynomial.map((a) => group.publicKeyOf(a));
    const shares: SecretShare[] = [];
    for (let index = 1; index <= n; index++) shares.push(evaluateShare(bls, polynomial, index, group));
    for (const share of shares) {
      if (!(await group.shareMatchesCommitments(commitments, share.index, share.publicKey))) {
        zeroize(...shares.map((s) => s.secret));
        throw new Error("internal error: a share does not match its commitments");
      }
    }
    return { threshold: t, commitments, shares };
  } finally {
    for (const a of polynomial) a.clear();
  }
}

function randomCoefficient(bls: BlsModule, random: RandomBytes): WasmSecretKey {
  const bytes = randomScalar(random);
  try {
    return secretKeyFromBytes(bls, bytes);
  } finally {
    zeroize(bytes);
  }
}

function evaluateShare(bls: BlsModule, polynomial: WasmSecretKey[], index: number, group: SplitGroup): SecretShare {
  const id = new bls.Id();
  id.setInt(index);
  const share = new bls.SecretKey();
  try {
    share.share(polynomial, id);
    // f(i) = 0 happens with probability 2⁻²⁵⁵; a zero share would be an unusable key, so refuse rather than emit it.
    if (share.isZero()) throw new Error("internal error: zero share; split again");
    return { index, secret: share.serialize(), publicKey: group.publicKeyOf(share) };
  } finally {
    share.clear();
  }
}

/** Feldman check: Σⱼ Cⱼ·indexʲ must equal the share's public key. Needs no secret, so anyone can run it. */
export async function verifyShareAgainstCommitments(
  commitments: readonly Uint8Array[],
  index: number,
  sharePublicKey: Uint8Array,
): Promise<boolean> {
  if (commitments.length === 0 || !Number.isInteger(index) || index < 1) return false;
  const bls = await loadBls();
  try {
    const points = commitments.map((c) => {
      const p = new bls.PublicKey();
      p.deserialize(c);
      return p;
    });
    const id = new bls.Id();
    id.setInt(index);
    const expected = new bls.PublicKey();
    expected.share(points, id);
    return equalBytes(expected.serialize(), sharePublicKey);
  } catch {
    return false;
  }
}

/** Checks a decrypted share secret: its public key must match, and so must the commitments. */
export async function verifySecretShare(
  commitments: readonly Uint8Array[],
  index: number,
  shareSecret: Uint8Array,
  sharePublicKey: Uint8Array,
): Promise<boolean> {
  if (!isValidScalar(shareSecret)) return false;
  const bls = await loadBls();
  const sk = secretKeyFromBytes(bls, shareSecret);
  try {
    if (!equalBytes(sk.getPublicKey().serialize(), sharePublicKey)) return false;
  } finally {
    sk.clear();
  }
  return verifyShareAgainstCommitments(commitments, index, sharePublicKey);
}
