import { createKeystore, generateEncryptionKeyPair, publicKeyOf, randomScalar } from "../src/index.js";

export const OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const;
export const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
export const CHAIN_ID = 31337n;

export async function validatorKey() {
  const secretKey = randomScalar();
  return { secretKey, publicKey: await publicKeyOf(secretKey) };
}

export async function operators(ids: bigint[]) {
  return Promise.all(
    ids.map(async (id) => {
      const pair = await generateEncryptionKeyPair();
      return { id, encryptionKey: pair.publicKey, encryptionSecret: pair.secretKey };
    }),
  );
}

/** Keystores with cheap KDF parameters: the KDF is the library's; what the tests check is our handling around it. */
export async function cheapKeystore(secretKey: Uint8Array, password: string, kdf: "scrypt" | "pbkdf2" = "pbkdf2") {
  return createKeystore(secretKey, password, {
    kdf,
    path: "m/12381/3600/0/0/0",
    kdfParams: kdf === "pbkdf2" ? { c: 1024 } : { n: 1024 },
  });
}

/** Every subset of `k` elements of `items`. */
export function subsets<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first!, ...s]), ...subsets(rest, k)];
}

export function flipByte(bytes: Uint8Array, position: number, mask = 0x01): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[position] = copy[position]! ^ mask;
  return copy;
}
