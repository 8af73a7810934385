/**
 * FAKE, SIMULATOR-ONLY signer: the "signature" is the digest followed by the signer's key, so anyone can forge it.
 * It exists so the simulator can run a million instances on a shared 2-core machine; simulated byzantine nodes
 * only sign with their own key, and the real secp256k1 path is covered by `--real-sigs`, the unit tests and the
 * benchmark. It lives outside the shipped src/ so no production code can import it.
 */
import { bytesEqual } from "../src/consensus/crypto.js";
import type { Signer, Verifier } from "../src/consensus/types.js";

export class FakeSimSigner implements Signer {
  constructor(readonly publicKey: Uint8Array) {}
  sign(digest: Uint8Array): Uint8Array {
    const out = new Uint8Array(64);
    out.set(digest.subarray(0, 32), 0);
    out.set(this.publicKey.subarray(1, 33), 32);
    return out;
  }
}

export const fakeSimVerifier: Verifier = {
  verify(publicKey, digest, signature) {
    return (
      signature.length === 64 &&
      digest.length === 32 &&
      publicKey.length === 33 &&
      bytesEqual(signature.subarray(0, 32), digest) &&
      bytesEqual(signature.subarray(32), publicKey.subarray(1))
    );
  },
};
