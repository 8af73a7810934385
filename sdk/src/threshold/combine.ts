import { SIGNATURE_LENGTH } from "../bls/constants.js";
import { loadBls } from "../bls/engine.js";
import { CohortError } from "../errors.js";

export interface PartialSignature {
  /** Share index (1..n) of the operator that signed. */
  index: number;
  signature: Uint8Array;
}

export class CombineError extends CohortError {
  override name = "CombineError";
}

export interface CombineOptions {
  /**
   * Skip the G2 subgroup check when deserializing the partials (about half the cost of a combine). Only for a caller
   * that verifies the combined signature, subgroup check included, before using it: a point outside the subgroup
   * then yields a result that fails that verification, never an accepted one.
   */
  readonly resultVerifiedWithSubgroupCheck?: boolean;
}

/**
 * Lagrange interpolation at x = 0 of exactly `threshold` partial signatures σᵢ = skᵢ·H(m), in G2. The caller
 * verifies partials first (a bad one yields a wrong result, not an error) and verifies the result against the
 * validator key before publishing it. Herumi's `Signature.recover` does the G2 arithmetic ~40× faster than noble.
 */
export async function combinePartialSignatures(
  partials: readonly PartialSignature[],
  threshold: number,
  options: CombineOptions = {},
): Promise<Uint8Array> {
  const chosen = [...partials].sort((a, b) => a.index - b.index).slice(0, threshold);
  if (chosen.length < threshold) {
    throw new CombineError("NOT_ENOUGH_PARTIALS", `need ${threshold} partial signatures, have ${chosen.length}`);
  }
  for (let i = 0; i < chosen.length; i++) {
    const { index, signature } = chosen[i]!;
    if (!Number.isInteger(index) || index < 1 || index > 255) {
      throw new CombineError("BAD_SHARE_INDEX", `share index ${index} is out of range`);
    }
    if (i > 0 && chosen[i - 1]!.index === index) {
      throw new CombineError("DUPLICATE_SHARE_INDEX", `two partial signatures claim share index ${index}`);
    }
    if (signature.length !== SIGNATURE_LENGTH) {
      throw new CombineError("MALFORMED_PARTIAL", `partial signature ${index} is not 96 bytes`);
    }
  }
  const bls = await loadBls();
  // The flag is module-global; everything from here to the end runs synchronously, so no other caller sees it off.
  if (options.resultVerifiedWithSubgroupCheck) bls.verifySignatureOrder(false);
  let signatures: InstanceType<typeof bls.Signature>[];
  try {
    signatures = chosen.map(({ index, signature }) => {
      const s = new bls.Signature();
      try {
        s.deserialize(signature);
      } catch {
        throw new CombineError("MALFORMED_PARTIAL", `partial signature ${index} is not a valid G2 point`);
      }
      return s;
    });
  } finally {
    bls.verifySignatureOrder(true);
  }
  const ids = chosen.map(({ index }) => {
    const id = new bls.Id();
    id.setInt(index);
    return id;
  });
  const combined = new bls.Signature();
  combined.recover(signatures, ids);
  return combined.serialize();
}
