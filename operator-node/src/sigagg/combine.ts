import { PublicKey, Signature, verify, verifyMultipleAggregateSignatures } from "@chainsafe/blst";
import { combinePartialSignatures, type PartialSignature } from "@cohort/sdk";

export interface CombineInput {
  message: Uint8Array;
  partials: readonly PartialSignature[];
  /** Share public keys in share-index order (index i at position i−1). */
  sharePublicKeys: readonly Uint8Array[];
  validatorPublicKey: Uint8Array;
  threshold: number;
}

export class CombineFailedError extends Error {
  override name = "CombineFailedError";
}

/**
 * Combines partials into the validator's signature, which is never published unverified. Happy path: Lagrange
 * recovery (sdk, bls-eth-wasm, without per-partial subgroup checks) of the first `threshold` partials, then one blst
 * verify of the result, subgroup check included, against the validator key — a valid result needs nothing else, and checking each partial first cost as much again (measured:
 * operator-node/bench/combine.ts). Only when that fails are the partials verified (one blst batch; one by one only
 * when the batch fails, to find the bad ones), a peer's invalid partial dropped, and the valid ones combined.
 */
export async function combineVerified(input: CombineInput): Promise<{ signature: Uint8Array; invalid: number[] }> {
  if (input.partials.length >= input.threshold) {
    // verifiesAsValidator group-checks the result, so the partials' own subgroup checks can be skipped here.
    const fast = await combinePartialSignatures(input.partials, input.threshold, {
      resultVerifiedWithSubgroupCheck: true,
    }).catch(() => undefined);
    if (fast && verifiesAsValidator(input, fast)) return { signature: fast, invalid: [] };
  }
  return combineCheckingPartials(input);
}

async function combineCheckingPartials(input: CombineInput): Promise<{ signature: Uint8Array; invalid: number[] }> {
  const candidates = input.partials.map((p) => ({ p, set: toSet(input, p) }));
  const wellFormed = candidates.filter((c) => c.set !== undefined) as { p: PartialSignature; set: SignatureSet }[];
  const invalid = candidates.filter((c) => c.set === undefined).map((c) => c.p.index);
  let valid = wellFormed;
  if (wellFormed.length > 0 && !verifyMultipleAggregateSignatures(wellFormed.map((c) => c.set))) {
    valid = wellFormed.filter((c) => verify(c.set.msg, c.set.pk, c.set.sig));
    invalid.push(...wellFormed.filter((c) => !valid.includes(c)).map((c) => c.p.index));
  }
  if (valid.length < input.threshold) {
    throw new CombineFailedError(`only ${valid.length} valid partial signatures of ${input.threshold} needed`);
  }
  const signature = await combinePartialSignatures(
    valid.map((c) => c.p),
    input.threshold,
  );
  if (!verifiesAsValidator(input, signature)) {
    throw new CombineFailedError("the combined signature does not verify against the validator key");
  }
  return { signature, invalid };
}

function verifiesAsValidator(input: CombineInput, signature: Uint8Array): boolean {
  try {
    return verify(input.message, PublicKey.fromBytes(input.validatorPublicKey), Signature.fromBytes(signature, true));
  } catch {
    return false; // not a point: not a signature
  }
}

interface SignatureSet {
  msg: Uint8Array;
  pk: PublicKey;
  sig: Signature;
}

function toSet(input: CombineInput, partial: PartialSignature): SignatureSet | undefined {
  const sharePublicKey = input.sharePublicKeys[partial.index - 1];
  if (!sharePublicKey) return undefined;
  try {
    // Subgroup-checked deserialization: a malformed point from a peer is rejected here.
    return {
      msg: input.message,
      pk: PublicKey.fromBytes(sharePublicKey, true),
      sig: Signature.fromBytes(partial.signature, true),
    };
  } catch {
    return undefined;
  }
}
