import { bytesToHex, type Hex, hexToBytes, isHex } from "viem";
import { InvalidArgumentError } from "./errors.js";

export type { Hex };
export { bytesToHex };

/** Overwrites secret material in place. JS gives no stronger guarantee: copies made by engines are out of reach. */
export function zeroize(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function u64be(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 64n) throw new InvalidArgumentError(`${value} does not fit in 64 bits`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

/** Parses 0x-hex (or bare hex) of an exact byte length; `what` names the field in the error. */
export function parseHex(value: unknown, length: number | undefined, what: string): Uint8Array {
  if (typeof value !== "string") throw new InvalidArgumentError(`${what} must be a hex string`);
  const prefixed = (value.startsWith("0x") ? value : `0x${value}`) as Hex;
  if (!isHex(prefixed, { strict: true }) || prefixed.length % 2 !== 0) {
    throw new InvalidArgumentError(`${what} is not valid hex`);
  }
  const bytes = hexToBytes(prefixed);
  if (length !== undefined && bytes.length !== length) {
    throw new InvalidArgumentError(`${what} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}
