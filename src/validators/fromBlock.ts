/**
 * First block worth scanning for registry events: the deployment block when the build knows it (the devnet's
 * deployment.json has `deployBlock`), else genesis. C's deployment reader keeps only addresses, so this reads the
 * same build-time constant for the one extra field.
 */
export function registryFromBlock(): bigint {
  const raw = __COHORT_DEPLOYMENT__ as { deployBlock?: unknown; blockNumber?: unknown } | null;
  const value = raw?.deployBlock ?? raw?.blockNumber;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  return 0n;
}
