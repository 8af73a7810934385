/**
 * Foundation benchmarks: keystore decryption against Node's own KDFs, the staker's per-validator split, and the
 * per-operation cost of threshold signing with each BLS library we could use.
 */
import { pbkdf2, scrypt } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import * as blst from "@chainsafe/blst";
import {
  buildKeyshares,
  type CommitteeSize,
  combinePartialSignatures,
  decryptKeystore,
  ETH_BLS_DST,
  generateEncryptionKeyPair,
  partialSign,
  publicKeyOf,
  randomScalar,
  splitSecret,
  verifyPartial,
} from "@cohort/sdk";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { measure, section } from "./harness.js";

const vector = (kdf: string) =>
  readFileSync(new URL(`../sdk/test/vectors/eip2335-${kdf}.json`, import.meta.url), "utf8");
const PASSWORD = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";
const OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

async function keystores() {
  section("Keystore decryption (EIP-2335 test vectors: scrypt n=2^18 r=8 p=1, pbkdf2 c=2^18), Node");
  const scryptAsync = promisify(scrypt) as (p: string, s: Buffer, n: number, o: object) => Promise<Buffer>;
  const pbkdf2Async = promisify(pbkdf2);
  const salt = Buffer.from(JSON.parse(vector("scrypt")).crypto.kdf.params.salt, "hex");
  const password = PASSWORD.normalize("NFKD");
  await measure("sdk decryptKeystore, scrypt", 3, () => decryptKeystore(vector("scrypt"), PASSWORD));
  await measure("node crypto.scrypt, same parameters (KDF alone)", 3, () =>
    scryptAsync(password, salt, 32, { N: 2 ** 18, r: 8, p: 1, maxmem: 512 * 2 ** 20 }),
  );
  await measure("sdk decryptKeystore, pbkdf2", 10, () => decryptKeystore(vector("pbkdf2"), PASSWORD));
  await measure("node crypto.pbkdf2, same parameters (KDF alone)", 10, () =>
    pbkdf2Async(password, salt, 2 ** 18, 32, "sha256"),
  );
}

async function splitting() {
  section("Staker: split + Feldman check + HPKE-encrypt + ownership proof + payload, per validator");
  for (const n of [4, 7, 13] as CommitteeSize[]) {
    const operators = await Promise.all(
      Array.from({ length: n }, async (_, i) => ({
        id: BigInt(i + 1),
        encryptionKey: (await generateEncryptionKeyPair()).publicKey,
      })),
    );
    const secretKey = randomScalar();
    const publicKey = await publicKeyOf(secretKey);
    await measure(`buildKeyshares, n=${n}`, n === 4 ? 40 : 15, () =>
      buildKeyshares({ secretKey, publicKey, operators, owner: OWNER, nonce: 0n, chainId: 1n, registry: REGISTRY }),
    );
  }
}

async function threshold() {
  section("Threshold signing, per operation (32-byte signing root, n=4, t=3)");
  const message = crypto.getRandomValues(new Uint8Array(32));
  const split = await splitSecret(randomScalar(), 4);
  const share = split.shares[0]!;
  const partials = await Promise.all(
    split.shares.map(async (s) => ({ index: s.index, signature: await partialSign(s.secret, message) })),
  );

  await measure("partial sign      bls-eth-wasm (sdk)", 50, () => partialSign(share.secret, message));
  await measure("partial verify    bls-eth-wasm (sdk)", 50, () =>
    verifyPartial(share.publicKey, message, partials[0]!.signature),
  );
  await measure("combine 3 partials bls-eth-wasm (sdk, from bytes)", 50, () =>
    combinePartialSignatures(partials.slice(0, 3), 3),
  );

  const L = bls12_381.longSignatures;
  const point = () => L.hash(message, ETH_BLS_DST);
  await measure("partial sign      @noble/curves", 10, () => L.sign(point(), share.secret));
  await measure("partial verify    @noble/curves", 10, () =>
    L.verify(partials[0]!.signature, point(), share.publicKey),
  );
  const Fr = bls12_381.fields.Fr;
  const ids = [1n, 2n, 3n];
  const lambdas = ids.map((i) => ids.reduce((acc, j) => (j === i ? acc : Fr.mul(acc, Fr.div(j, Fr.sub(j, i)))), 1n));
  await measure("combine 3 partials @noble/curves (G2 Lagrange, from bytes)", 10, () =>
    partials
      .slice(0, 3)
      .map((p, k) => L.Signature.fromBytes(p.signature).multiply(lambdas[k]!))
      .reduce((a, b) => a.add(b))
      .toBytes(),
  );

  const sk = blst.SecretKey.fromBytes(share.secret);
  const pk = blst.PublicKey.fromBytes(share.publicKey);
  const sig = blst.Signature.fromBytes(partials[0]!.signature);
  await measure("partial sign      @chainsafe/blst (native)", 200, () => sk.sign(message));
  await measure("partial verify    @chainsafe/blst (native, from bytes)", 200, () =>
    blst.verify(message, blst.PublicKey.fromBytes(share.publicKey), blst.Signature.fromBytes(partials[0]!.signature)),
  );
  const sets = Array.from({ length: 100 }, () => ({ msg: message, pk, sig }));
  const batch = await measure("100 partial verifies batched @chainsafe/blst", 20, () =>
    blst.verifyMultipleAggregateSignatures(sets),
  );
  console.log(`  ${"  → per partial".padEnd(64)} ${(batch.median / 100).toFixed(3)} ms`);
  console.log(
    "  combine            @chainsafe/blst: not measurable, its JS binding exposes no G2 scalar multiplication",
  );
}

export async function runSdkBenchmarks(): Promise<void> {
  await keystores();
  await splitting();
  await threshold();
}
