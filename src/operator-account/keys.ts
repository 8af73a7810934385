import { type IdentityContext, verifyIdentityProof } from "@cohort/sdk/ownership/identity";
import { type Hex, hexToBytes } from "viem";

/**
 * Client-side checks of the keys an operator node prints, mirroring registerOperator's own checks so a typo is
 * caught before the wallet opens. Each message says what to paste.
 */
export function parseIdentityKey(input: string): { value: Hex } | { error: string } {
  const hex = normalise(input);
  if (!/^0x[0-9a-f]*$/.test(hex)) return { error: "Use hex digits only (0-9, a-f), as printed by the node." };
  if (hex.length !== 2 + 66) return { error: `Expected 33 bytes (66 hex digits); got ${(hex.length - 2) / 2}.` };
  if (!hex.startsWith("0x02") && !hex.startsWith("0x03")) {
    return { error: "A compressed secp256k1 key starts with 02 or 03; copy the identity public key, not a secret." };
  }
  return { value: hex as Hex };
}

export function parseEncryptionKey(input: string): { value: Hex } | { error: string } {
  const hex = normalise(input);
  if (!/^0x[0-9a-f]*$/.test(hex)) return { error: "Use hex digits only (0-9, a-f), as printed by the node." };
  if (hex.length !== 2 + 64) return { error: `Expected 32 bytes (64 hex digits); got ${(hex.length - 2) / 2}.` };
  if (/^0x0+$/.test(hex)) return { error: "An all-zero key is not a key; copy the X25519 public key again." };
  return { value: hex as Hex };
}

export function checkName(name: string): string | undefined {
  const bytes = new TextEncoder().encode(name.trim()).length;
  if (bytes === 0) return "Enter a name stakers will recognise.";
  if (bytes > 64) return `Names are at most 64 bytes; this one has ${bytes}.`;
  return undefined;
}

/**
 * The identity key's proof of possession, checked here as the registry will (InvalidIdentityProof): it must be the key's
 * signature for this chain, this registry and the connected owner, so it is made per owner address.
 */
export function parseIdentityProof(
  input: string,
  identityKey: Hex | undefined,
  context: IdentityContext | undefined,
): { value: Hex } | { error: string } {
  const hex = normalise(input);
  if (!/^0x[0-9a-f]*$/.test(hex)) return { error: "Use hex digits only (0-9, a-f), as printed by the node." };
  if (hex.length !== 2 + 130) return { error: `Expected 65 bytes (130 hex digits); got ${(hex.length - 2) / 2}.` };
  if (!context) return { error: "Connect the wallet that will own the operator: the proof names its address." };
  if (!identityKey) return { error: "Enter the identity public key first; the proof is checked against it." };
  if (!verifyIdentityProof(hexToBytes(identityKey), hexToBytes(hex as Hex), context)) {
    return {
      error: `This is not the identity key's proof for owner ${context.owner} on chain ${context.chainId}; have your node sign one for this address (and this registry).`,
    };
  }
  return { value: hex as Hex };
}

function normalise(input: string): string {
  const t = input.trim().toLowerCase();
  return t.startsWith("0x") ? t : `0x${t}`;
}
