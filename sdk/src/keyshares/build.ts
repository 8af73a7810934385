import { type Address, bytesToHex, getAddress, hexToBytes } from "viem";
import { type BlsBackend, wasmBls } from "../bls/backend.js";
import { equalBytes, zeroize } from "../bytes.js";
import { assertCommittee, type CommitteeSize } from "../committee/size.js";
import { encryptShare } from "../encryption/hpke.js";
import { InvalidArgumentError } from "../errors.js";
import { ownershipMessage } from "../ownership/proof.js";
import type { RandomBytes } from "../shamir/random.js";
import { splitSecret } from "../shamir/split.js";
import type { ValidatorKeyshares } from "./file.js";
import { encodePayload } from "./payload.js";

export interface KeysharesOperator {
  id: bigint;
  /** The operator's registered X25519 public key (32 bytes). */
  encryptionKey: Uint8Array;
}

export interface BuildKeysharesParams {
  /** The validator secret key. Not modified: the caller zeroizes it once every validator is built. */
  secretKey: Uint8Array;
  /** The public key the keystore declares; the build refuses a secret that does not match it. */
  publicKey: Uint8Array;
  operators: readonly KeysharesOperator[];
  owner: Address;
  nonce: bigint;
  chainId: bigint;
  registry: Address;
  random?: RandomBytes;
  /** Node passes `nativeBls` from `@cohort/sdk/bls/native`; the default is herumi's WASM, which browsers need. */
  bls?: BlsBackend;
}

/**
 * Keystore secret → Shamir shares → Feldman-checked → HPKE-encrypted to each operator → ownership proof → payload.
 * Share secrets are zeroized as soon as they are encrypted; the validator key is never rebuilt.
 */
export async function buildKeyshares(params: BuildKeysharesParams): Promise<ValidatorKeyshares> {
  const operators = [...params.operators].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const operatorIds = operators.map((o) => o.id);
  assertCommittee(operatorIds);
  const bls = params.bls ?? wasmBls;
  if (!equalBytes(await bls.publicKeyOf(params.secretKey), params.publicKey)) {
    throw new InvalidArgumentError("the secret key does not belong to the given public key");
  }
  const registry = getAddress(params.registry);
  const owner = getAddress(params.owner);
  const split = await splitSecret(params.secretKey, operators.length as CommitteeSize, params.random, bls.splitGroup);
  let encryptedShares: Awaited<ReturnType<typeof encryptShare>>[];
  try {
    encryptedShares = await Promise.all(
      split.shares.map((share, i) =>
        encryptShare(operators[i]!.encryptionKey, share.secret, {
          chainId: params.chainId,
          registry: hexToBytes(registry),
          validatorPublicKey: params.publicKey,
          operatorId: operators[i]!.id,
        }),
      ),
    );
  } finally {
    zeroize(...split.shares.map((s) => s.secret));
  }
  const ownershipSignature = await bls.sign(
    params.secretKey,
    ownershipMessage({ chainId: params.chainId, registry, owner, nonce: params.nonce }),
  );
  const sharePublicKeys = split.shares.map((s) => s.publicKey);
  const payload = encodePayload({
    committeeSize: operators.length as CommitteeSize,
    threshold: split.threshold,
    ownershipSignature,
    commitments: split.commitments,
    sharePublicKeys,
    encryptedShares,
  });
  return {
    publicKey: bytesToHex(params.publicKey),
    owner,
    nonce: Number(params.nonce),
    chainId: Number(params.chainId),
    registry,
    operatorIds: operatorIds.map(Number),
    threshold: split.threshold,
    commitments: split.commitments.map((c) => bytesToHex(c)),
    sharePublicKeys: sharePublicKeys.map((k) => bytesToHex(k)),
    encryptedShares: encryptedShares.map((e, i) => ({
      operatorId: Number(operatorIds[i]),
      encryptionKey: bytesToHex(operators[i]!.encryptionKey),
      enc: bytesToHex(e.enc),
      ciphertext: bytesToHex(e.ciphertext),
    })),
    ownershipSignature: bytesToHex(ownershipSignature),
    payload: bytesToHex(payload),
  };
}
