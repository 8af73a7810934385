/**
 * Operator key material for the devnet: a secp256k1 identity (libp2p peer id and consensus votes) and an X25519 key
 * that keyshares are HPKE-encrypted to. Written one file per operator, readable by its owner only.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { x25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, bytesToHex, type Hex } from "viem";

export interface OperatorKeys {
  identitySecretKey: Hex;
  /** 33-byte compressed secp256k1 public key, as registered on-chain. */
  identityPublicKey: Hex;
  encryptionSecretKey: Hex;
  /** 32-byte X25519 public key, as registered on-chain. */
  encryptionPublicKey: Hex;
}

export interface OperatorKeyFile extends OperatorKeys {
  operatorId: number;
  name: string;
  owner: Address;
}

export function generateOperatorKeys(): OperatorKeys {
  const identitySecret = secp256k1.utils.randomSecretKey();
  const encryptionSecret = x25519.utils.randomSecretKey();
  return {
    identitySecretKey: bytesToHex(identitySecret),
    identityPublicKey: bytesToHex(secp256k1.getPublicKey(identitySecret, true)),
    encryptionSecretKey: bytesToHex(encryptionSecret),
    encryptionPublicKey: bytesToHex(x25519.getPublicKey(encryptionSecret)),
  };
}

export function operatorKeyPath(dir: string, operatorId: number): string {
  return join(dir, "operators", `operator-${operatorId}.json`);
}

export async function writeOperatorKeyFile(dir: string, file: OperatorKeyFile): Promise<string> {
  const path = operatorKeyPath(dir, file.operatorId);
  await mkdir(join(dir, "operators"), { recursive: true, mode: 0o700 });
  // `mode` only applies when the file is created; chmod covers an existing file too.
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}
