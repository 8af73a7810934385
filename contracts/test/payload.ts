/**
 * Test fixture: keyshares payloads with the v1 shape the registry checks (sizes, header, commitments[0] == public key)
 * filled with random bytes. The contract does no cryptography, so shape is all it can tell apart; the real codec lives
 * in the sdk.
 */
import { randomBytes } from "node:crypto";
import { thresholdOf } from "@cohort/sdk/committee/size";
import { bytesToHex, type Hex, hexToBytes } from "viem";

export const payloadLength = (n: number): number => 6 + 96 + 48 * thresholdOf(n) + 48 * n + 80 * n;

export function randomPublicKey(): Hex {
  return bytesToHex(randomBytes(48));
}

export function fakePayload(publicKey: Hex, n: number): Hex {
  const t = thresholdOf(n);
  const bytes = new Uint8Array(randomBytes(payloadLength(n)));
  bytes.set([0x43, 0x4b, 0x53, 0x01, n, t], 0);
  bytes.set(hexToBytes(publicKey), 102);
  return bytesToHex(bytes);
}

/** Copy of `payload` with byte `index` set to `value`. */
export function patchByte(payload: Hex, index: number, value: number): Hex {
  const bytes = hexToBytes(payload);
  bytes[index] = value;
  return bytesToHex(bytes);
}
