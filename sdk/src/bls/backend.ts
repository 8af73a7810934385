import type { SplitGroup } from "../shamir/split.js";
import { publicKeyOf, sign } from "./engine.js";

/**
 * The BLS operations a staker's key build needs. Two implementations: herumi's WASM (browser and Node, the
 * default) and @chainsafe/blst (Node only, `bls/native.ts`), which is 10–50× faster per operation. Both give
 * byte-identical keys and signatures, so a keyshares file does not depend on which one built it.
 */
export interface BlsBackend {
  publicKeyOf(secretKey: Uint8Array): Promise<Uint8Array>;
  sign(secretKey: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  /** Group operations for the Shamir split; undefined keeps the split's WASM default. */
  splitGroup?: SplitGroup;
}

export const wasmBls: BlsBackend = { publicKeyOf, sign };
