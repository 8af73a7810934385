import blsWasm from "bls-eth-wasm";
import { InvalidArgumentError } from "../errors.js";
import { ETH_BLS_DST, PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH, SIGNATURE_LENGTH } from "./constants.js";

/**
 * BLS over herumi's WebAssembly build, in the browser and in Node alike. Why this library: it has threshold
 * recovery built in (40× faster than @noble/curves' G2 arithmetic), and its secret keys live in WASM memory that
 * `clear()` really overwrites, unlike JS bigints. The Ethereum mode and DST are set here explicitly rather than
 * trusted as the library's default; subgroup checks on every deserialized point are on because partials come
 * from peers.
 */
export type BlsModule = typeof blsWasm;
export type WasmSecretKey = InstanceType<BlsModule["SecretKey"]>;

/** Setters the package ships but does not declare in its typings. */
interface EthModeSetters {
  ETH_MODE_DRAFT_07: number;
  setETHmode(mode: number): void;
  setDstG2(dst: string): void;
}

let ready: Promise<BlsModule> | undefined;

export function loadBls(): Promise<BlsModule> {
  ready ??= blsWasm.init(blsWasm.BLS12_381).then(() => {
    const eth = blsWasm as unknown as EthModeSetters;
    eth.setETHmode(eth.ETH_MODE_DRAFT_07);
    eth.setDstG2(ETH_BLS_DST);
    blsWasm.verifySignatureOrder(true);
    blsWasm.verifyPublicKeyOrder(true);
    return blsWasm;
  });
  return ready;
}

/** Loads a 32-byte big-endian scalar into WASM memory. The caller must `clear()` it when done. */
export function secretKeyFromBytes(bls: BlsModule, bytes: Uint8Array): WasmSecretKey {
  if (bytes.length !== SECRET_KEY_LENGTH) throw new InvalidArgumentError("a BLS secret key is 32 bytes");
  const sk = new bls.SecretKey();
  try {
    sk.deserialize(bytes);
  } catch {
    sk.clear();
    throw new InvalidArgumentError("the BLS secret key is not a scalar below the curve order");
  }
  if (sk.isZero()) {
    sk.clear();
    throw new InvalidArgumentError("the BLS secret key is zero");
  }
  return sk;
}

export async function publicKeyOf(secretKey: Uint8Array): Promise<Uint8Array> {
  const bls = await loadBls();
  const sk = secretKeyFromBytes(bls, secretKey);
  try {
    return sk.getPublicKey().serialize();
  } finally {
    sk.clear();
  }
}

export async function sign(secretKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const bls = await loadBls();
  const sk = secretKeyFromBytes(bls, secretKey);
  try {
    return sk.sign(message).serialize();
  } finally {
    sk.clear();
  }
}

/** False for any malformed, off-curve or wrong-subgroup input: a verifier never throws on what a peer sent. */
export async function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || signature.length !== SIGNATURE_LENGTH) return false;
  const bls = await loadBls();
  try {
    const pk = new bls.PublicKey();
    pk.deserialize(publicKey);
    const sig = new bls.Signature();
    sig.deserialize(signature);
    if (pk.isZero()) return false;
    return pk.verify(sig, message);
  } catch {
    return false;
  }
}

export async function isValidPublicKey(publicKey: Uint8Array): Promise<boolean> {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return false;
  const bls = await loadBls();
  try {
    const pk = new bls.PublicKey();
    pk.deserialize(publicKey);
    return !pk.isZero();
  } catch {
    return false;
  }
}
