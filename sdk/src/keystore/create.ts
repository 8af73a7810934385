import { create, defaultPbkdfModule, defaultScryptModule } from "@chainsafe/bls-keystore";
import { publicKeyOf } from "../bls/engine.js";
import type { Keystore, KeystoreKdf } from "./decrypt.js";

export interface CreateKeystoreOptions {
  kdf?: KeystoreKdf;
  /** EIP-2334 path, e.g. m/12381/3600/0/0/0. */
  path?: string;
  description?: string;
  /** Override KDF cost parameters (tests use cheap ones; the defaults are EIP-2335's: scrypt n=2^18, pbkdf2 c=2^18). */
  kdfParams?: Partial<{ n: number; r: number; p: number; c: number }>;
}

export async function createKeystore(
  secretKey: Uint8Array,
  password: string | Uint8Array,
  options: CreateKeystoreOptions = {},
): Promise<Keystore> {
  const base = options.kdf === "pbkdf2" ? defaultPbkdfModule() : defaultScryptModule();
  const kdfMod = { function: base.function, params: { ...base.params, ...options.kdfParams } } as typeof base;
  const publicKey = await publicKeyOf(secretKey);
  return create(password, secretKey, publicKey, options.path ?? "", options.description ?? null, kdfMod);
}
