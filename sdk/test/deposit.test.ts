import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  depositDataRoot,
  depositDomain,
  depositMessageRoot,
  depositSigningRoot,
  executionWithdrawalCredentials,
  FULL_DEPOSIT_GWEI,
  toDepositDataJson,
} from "../src/deposit/deposit.js";
import { combinePartialSignatures, partialSign, sign, splitSecret, verify } from "../src/index.js";
import { OWNER, validatorKey } from "./helpers.js";

const h = (...parts: Uint8Array[]) => sha256(Buffer.concat(parts));
const zeros = (n: number) => new Uint8Array(n);
const le64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};

/** SSZ hash_tree_root of DepositMessage, merkleized by hand (an independent check of @lodestar/types). */
function manualMessageRoot(pubkey: Uint8Array, wc: Uint8Array, gwei: bigint) {
  const pubkeyRoot = h(pubkey, zeros(16));
  return h(h(pubkeyRoot, wc), h(Buffer.concat([le64(gwei), zeros(24)]), zeros(32)));
}

describe("deposit data", () => {
  it("the mainnet deposit domain is the well-known 0x03000000f5a5fd42…", () => {
    expect(Buffer.from(depositDomain(zeros(4))).toString("hex")).toBe(
      "03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9",
    );
  });

  it("roots match a hand merkleization, and a threshold-signed deposit equals the full key's", async () => {
    const { secretKey, publicKey } = await validatorKey();
    const message = {
      publicKey,
      withdrawalCredentials: executionWithdrawalCredentials(OWNER),
      amountGwei: FULL_DEPOSIT_GWEI,
    };
    expect(message.withdrawalCredentials[0]).toBe(1);
    const root = manualMessageRoot(publicKey, message.withdrawalCredentials, FULL_DEPOSIT_GWEI);
    expect(depositMessageRoot(message)).toEqual(root);

    const forkVersion = Uint8Array.from([0x10, 0x00, 0x09, 0x10]);
    const signingRoot = depositSigningRoot(message, forkVersion);
    expect(signingRoot).toEqual(h(root, depositDomain(forkVersion)));

    const split = await splitSecret(secretKey, 4);
    const partials = await Promise.all(
      split.shares.slice(1).map(async (s) => ({ index: s.index, signature: await partialSign(s.secret, signingRoot) })),
    );
    const signature = await combinePartialSignatures(partials, 3);
    expect(signature).toEqual(await sign(secretKey, signingRoot));
    expect(await verify(publicKey, signingRoot, signature)).toBe(true);

    const sigRoot = h(h(signature.slice(0, 64)), h(signature.slice(64), zeros(32)));
    const pubkeyRoot = h(publicKey, zeros(16));
    const amountChunk = Buffer.concat([le64(FULL_DEPOSIT_GWEI), zeros(24)]);
    const dataRoot = h(h(pubkeyRoot, message.withdrawalCredentials), h(amountChunk, sigRoot));
    expect(depositDataRoot(message, signature)).toEqual(dataRoot);

    const json = toDepositDataJson(message, signature, forkVersion, "hoodi");
    expect(json).toMatchObject({
      pubkey: Buffer.from(publicKey).toString("hex"),
      amount: 32_000_000_000,
      fork_version: "10000910",
      network_name: "hoodi",
      deposit_message_root: Buffer.from(root).toString("hex"),
    });
    expect(Object.keys(json)).toEqual([
      "pubkey",
      "withdrawal_credentials",
      "amount",
      "signature",
      "deposit_message_root",
      "deposit_data_root",
      "fork_version",
      "network_name",
      "deposit_cli_version",
    ]);
  });
});
