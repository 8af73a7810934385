import type { ValidatorKeyshares } from "@cohort/sdk/keyshares/file";
import { type Address, type Hex, type PublicClient, zeroAddress } from "viem";
import { cohortRegistryAbi } from "../chain/contracts";
import type { ChainView } from "./keysharesCheck";

/** What `checkKeyshares` needs from the chain, read in parallel (the devnet has no multicall contract). */
export async function readChainView(
  client: PublicClient,
  { registry, account, validators }: { registry: Address; account: Address; validators: readonly ValidatorKeyshares[] },
): Promise<ChainView> {
  const ids = [...new Set(validators.flatMap((v) => v.operatorIds))].map(BigInt);
  const [chainId, nonce, operatorCount, onChain] = await Promise.all([
    client.getChainId(),
    client.readContract({ address: registry, abi: cohortRegistryAbi, functionName: "nonces", args: [account] }),
    client.readContract({ address: registry, abi: cohortRegistryAbi, functionName: "operatorCount" }),
    Promise.all(
      validators.map((v) =>
        client.readContract({
          address: registry,
          abi: cohortRegistryAbi,
          functionName: "getValidator",
          args: [v.publicKey],
        }),
      ),
    ),
  ]);
  // getOperator reverts for an id the registry never issued; those stay out of the map.
  const known = ids.filter((id) => id >= 1n && id <= operatorCount);
  const ops = await Promise.all(
    known.map((id) =>
      client.readContract({ address: registry, abi: cohortRegistryAbi, functionName: "getOperator", args: [id] }),
    ),
  );
  const operators = new Map(
    known.map((id, i) => [id, { active: ops[i]!.active, encryptionKey: ops[i]!.encryptionKey as Hex }] as const),
  );
  const registered = new Map<string, { owner: Address; committeeId: Hex }>();
  for (const [i, v] of validators.entries()) {
    const r = onChain[i]!;
    if (r.owner !== zeroAddress)
      registered.set(v.publicKey.toLowerCase(), { owner: r.owner, committeeId: r.committeeId });
  }
  return { chainId, registry, account, nonce, operators, registered };
}
