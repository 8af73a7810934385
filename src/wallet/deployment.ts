import type { Address } from "viem";

/**
 * The devnet deployment injected at build time (see vite.config.ts). Its exact shape belongs to scripts/devnet; this
 * reader accepts `{chainId, contracts: {Name: address}}` or a flat `{Name: address}` and only trusts 0x-addresses.
 */
export interface Deployment {
  chainId: number | undefined;
  contracts: Record<string, Address>;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function parseDeployment(raw: unknown): Deployment | null {
  if (!raw || typeof raw !== "object") return null;
  const obj = raw as Record<string, unknown>;
  const source = (obj.contracts && typeof obj.contracts === "object" ? obj.contracts : obj) as Record<string, unknown>;
  const contracts: Record<string, Address> = {};
  for (const [name, value] of Object.entries(source)) {
    const addr = typeof value === "string" ? value : (value as { address?: unknown } | null)?.address;
    if (typeof addr === "string" && ADDRESS.test(addr)) contracts[name] = addr as Address;
  }
  return { chainId: typeof obj.chainId === "number" ? obj.chainId : undefined, contracts };
}

export const deployment: Deployment | null = parseDeployment(__COHORT_DEPLOYMENT__);

/** Address of a deployed contract by name, case-insensitive (e.g. "CohortNetwork"); undefined when not deployed. */
export function contractAddress(...names: string[]): Address | undefined {
  if (!deployment) return undefined;
  const entries = Object.entries(deployment.contracts);
  for (const name of names) {
    const hit = entries.find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (hit) return hit[1];
  }
  return undefined;
}
