/**
 * The registry's BLS verifier (BlsSignature, EIP-2537 precompiles on anvil's Prague) against @noble/curves, an
 * independent implementation: expand_message_xmd, hash-to-G2 with the Ethereum DST, and point decompression. The
 * end-to-end verification (valid signatures accepted, forged ones refused) is in validators.test.ts.
 */

import { ETH_BLS_DST } from "@cohort/sdk";
import { expand_message_xmd } from "@noble/curves/abstract/hash-to-curve.js";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  type Abi,
  type Address,
  bytesToHex,
  concatHex,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  http,
  numberToHex,
} from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { readArtifact } from "../scripts/build.js";
import { type Cohort, setupCohort } from "./harness.js";

let cohort: Cohort;
let bls: Address;
let abi: Abi;

beforeAll(async () => {
  cohort = await setupCohort();
  const artifact = readArtifact("BlsSignature");
  abi = artifact.abi as Abi;
  const wallet = createWalletClient({ account: cohort.governance, transport: http(cohort.rpcUrl) });
  const hash = await wallet.deployContract({ abi, bytecode: artifact.bytecode, chain: null });
  bls = (await cohort.client.waitForTransactionReceipt({ hash })).contractAddress!;
});

const call = <T>(functionName: string, args: readonly unknown[]) =>
  // biome-ignore lint/suspicious/noExplicitAny: the library ABI is read at run time, so viem cannot type the call
  cohort.client.readContract({ address: bls, abi, functionName, args } as any) as Promise<T>;

const fp = (v: bigint): Hex => numberToHex(v, { size: 64 });
type Fp2 = { c0: bigint; c1: bigint };
/** EIP-2537 encodings: Fp as 64 bytes, Fp2 as c0 ‖ c1. */
const g1 = (p: { x: bigint; y: bigint }) => concatHex([fp(p.x), fp(p.y)]);
const g2 = (p: { x: Fp2; y: Fp2 }) => concatHex([fp(p.x.c0), fp(p.x.c1), fp(p.y.c0), fp(p.y.c1)]);

const messages: Uint8Array[] = [
  new Uint8Array(0),
  new TextEncoder().encode("abc"),
  new Uint8Array(32).fill(0xff),
  ...Array.from({ length: 3 }, () => crypto.getRandomValues(new Uint8Array(32))),
];

describe("BlsSignature against @noble/curves", () => {
  it("expand_message_xmd(SHA-256, 256 bytes) with the Ethereum DST", async () => {
    for (const message of messages) {
      const expected = expand_message_xmd(message, new TextEncoder().encode(ETH_BLS_DST), 256, sha256);
      expect(await call<Hex>("expandMessageXmd", [bytesToHex(message)])).toBe(bytesToHex(expected));
    }
  });

  it("hash-to-G2 (map to curve and cofactor clearing on the precompiles)", async () => {
    for (const message of messages) {
      const point = bls12_381.G2.hashToCurve(message, { DST: ETH_BLS_DST }).toAffine();
      expect(await call<Hex>("hashToG2", [bytesToHex(message)])).toBe(g2(point));
    }
  });

  it("decompresses public keys and signatures of both y signs, and refuses infinity and non-points", async () => {
    const L = bls12_381.longSignatures;
    for (let i = 0; i < 4; i++) {
      const secret = bls12_381.utils.randomSecretKey();
      const pk = L.getPublicKey(secret);
      const sig = L.sign(L.hash(crypto.getRandomValues(new Uint8Array(32)), ETH_BLS_DST), secret);
      // P and −P differ only in the sign flag, so both flags are exercised every time.
      for (const p of [pk, pk.negate()]) {
        expect(await call("decompressG1", [bytesToHex(p.toBytes())])).toEqual([true, g1(p.toAffine())]);
      }
      for (const s of [sig, sig.negate()]) {
        expect(await call("decompressG2", [bytesToHex(L.Signature.toBytes(s))])).toEqual([true, g2(s.toAffine())]);
      }
    }
    const infinity = `0xc0${"00".repeat(47)}` as Hex;
    expect(await call("decompressG1", [infinity])).toEqual([false, "0x"]);
    expect(await call("decompressG2", [`0xc0${"00".repeat(95)}`])).toEqual([false, "0x"]);
    // x = 1: 1 + 4 = 5 is not a square mod p, so no point has it.
    expect(await call("decompressG1", [`0x8${"0".repeat(94)}1` as Hex])).toEqual([false, "0x"]);
    // Without the compression flag.
    expect(await call("decompressG1", [`0x00${"11".repeat(47)}` as Hex])).toEqual([false, "0x"]);
  });

  it("verifies a noble signature, and prints what each step costs", async () => {
    const L = bls12_381.longSignatures;
    const secret = bls12_381.utils.randomSecretKey();
    const message = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    const pk = bytesToHex(L.getPublicKey(secret).toBytes());
    const sig = bytesToHex(L.Signature.toBytes(L.sign(L.hash(hexToBytes(message), ETH_BLS_DST), secret)));
    expect(await call("verify", [pk, sig, message])).toBe(true);
    expect(await call("verify", [pk, sig, bytesToHex(new Uint8Array(32))])).toBe(false);
    const steps = [
      ["verify", [pk, sig, message]],
      ["decompressG1", [pk]],
      ["decompressG2", [sig]],
      ["hashToG2", [message]],
    ] as const;
    for (const [functionName, args] of steps) {
      const data = encodeFunctionData({ abi, functionName, args } as never);
      const gas = await cohort.client.estimateGas({ to: bls, data, account: cohort.governance.address });
      console.info(`gas: BlsSignature.${functionName} = ${gas - 21_000n} (estimate, without the 21,000 base)`);
    }
  });
});
