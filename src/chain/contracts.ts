// The contract ABIs come from the sdk (generated from contracts/src); the dapp never hand-writes one.
// Subpath import: the sdk's root index does not re-export the ABIs yet, and this keeps the BLS/HPKE code out of
// pages that only read the chain.
import { cohortRegistryAbi, cohortTokenAbi } from "@cohort/sdk/abi/index";
import type { Address } from "viem";
import { deployment } from "../wallet/deployment";

export { cohortRegistryAbi, cohortTokenAbi };

export interface CohortContracts {
  chainId: number | undefined;
  registry: Address;
}

/** The registry of the configured deployment, or null when the build was made without one. */
export function cohortContracts(): CohortContracts | null {
  const registry = deployment?.contracts["registry"];
  if (!registry) return null;
  return { chainId: deployment?.chainId, registry };
}
