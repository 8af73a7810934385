/**
 * Foundation benchmarks: keystore decryption against Node's own KDFs, the staker's per-validator split, and the
 * per-operation cost of threshold signing with each BLS library we could use.
 */
import { execFile } from "node:child_process";
import { pbkdf2, scrypt } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as blst from "@chainsafe/blst";
import {
  buildKeyshares,
  bytesToHex,
  type CommitteeSize,
  combinePartialSignatures,
  createKeystore,
  decryptKeystore,
  ETH_BLS_DST,
  generateEncryptionKeyPair,
  partialSign,
  publicKeyOf,
  randomScalar,
  splitSecret,
  verifyPartial,
} from "@cohort/sdk";
import { nativeBls } from "@cohort/sdk/bls/native";
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

async function committee(n: number) {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => ({
      id: BigInt(i + 1),
      encryptionKey: (await generateEncryptionKeyPair()).publicKey,
    })),
  );
}

async function splitting() {
  section("Staker: split + Feldman check + HPKE-encrypt + ownership proof + payload, per validator");
  for (const n of [4, 7, 13] as CommitteeSize[]) {
    const operators = await committee(n);
    const secretKey = randomScalar();
    const publicKey = await publicKeyOf(secretKey);
    const params = { secretKey, publicKey, operators, owner: OWNER, nonce: 0n, chainId: 1n, registry: REGISTRY };
    await measure(`buildKeyshares, n=${n}, herumi WASM (browser path)`, n === 4 ? 40 : 15, () =>
      buildKeyshares(params),
    );
    await measure(`buildKeyshares, n=${n}, native blst (Node, cohort-keys)`, n === 4 ? 40 : 15, () =>
      buildKeyshares({ ...params, bls: nativeBls }),
    );
  }
}

/**
 * What a staker waits for: `cohort-keys split` of 8 scrypt keystores (n=2^18, as deposit tools write them), against
 * the previous way (one keystore after another, the library's blocking scrypt, WASM BLS) in this process.
 */
async function bulkSplit() {
  const count = 8;
  section(
    `Staker: ${count} scrypt keystores (n=2^18) → one keyshares file, n=4, ${availableParallelism()} cores, ` +
      `load average ${loadavg()[0]!.toFixed(1)} (parallel speed-up needs idle cores)`,
  );
  const dir = await mkdtemp(join(tmpdir(), "cohort-bench-keys-"));
  try {
    const password = "bench password";
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const secretKey = randomScalar();
      const keystore = await createKeystore(secretKey, password, { kdf: "scrypt", path: `m/12381/3600/${i}/0/0` });
      files.push(join(dir, `keystore-${i}.json`));
      await writeFile(files[i]!, JSON.stringify(keystore));
    }
    await writeFile(join(dir, "password.txt"), password);
    const operators = await committee(4);
    const args = [
      new URL("../sdk/bin/cohort-keys.js", import.meta.url).pathname,
      "split",
      ...files.flatMap((f) => ["--keystore", f]),
      "--password-file",
      join(dir, "password.txt"),
      ...operators.flatMap((o) => ["--operator", `${o.id}:${bytesToHex(o.encryptionKey)}`]),
      ...["--owner", OWNER, "--nonce", "0", "--chain-id", "1", "--registry", REGISTRY, "--out", join(dir, "out.json")],
    ];
    const scryptAsync = promisify(scrypt) as (p: string, s: Buffer, n: number, o: object) => Promise<Buffer>;
    const one = await measure("one native scrypt n=2^18 (node crypto.scrypt)", 3, () =>
      scryptAsync(password, Buffer.alloc(32, 1), 32, { N: 2 ** 18, r: 8, p: 1, maxmem: 512 * 2 ** 20 }),
    );
    console.log(
      `  ${`  → ideal for ${count}: ${count} × native / ${availableParallelism()} cores`.padEnd(64)} ${(
        (count * one.median) / availableParallelism()
      ).toFixed(0)} ms`,
    );
    await measure(`before: sequential library decrypt + WASM build, ${count} keystores`, 1, async () => {
      for (const [i, f] of files.entries()) {
        const key = await decryptKeystore(readFileSync(f, "utf8"), password);
        await buildKeyshares({ ...key, operators, owner: OWNER, nonce: BigInt(i), chainId: 1n, registry: REGISTRY });
      }
    });
    await measure(`after: cohort-keys split ${count} keystores (whole CLI process)`, 2, async () => {
      await rm(join(dir, "out.json"), { force: true });
      await promisify(execFile)(process.execPath, args);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
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
  await bulkSplit();
  await threshold();
}
