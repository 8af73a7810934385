import type { ValidatorKeyshares } from "@cohort/sdk/keyshares/file";
import { useState } from "react";
import { useAccount } from "wagmi";
import { cohortRegistryAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";
import type { OperatorRow } from "../operators/useOperators";
import { txErrorMessage } from "./txError";
import { useBatchRegistration } from "./useBatchRegistration";
import type { KeystoreFile } from "./useKeystoreFiles";

export type BuildPhase =
  | { step: "idle" }
  | { step: "building"; done: number; total: number }
  /** Built and handed to the batch registration (its progress is `engine.progress`). */
  | { step: "built"; keyshares: ValidatorKeyshares[] }
  | { step: "error"; message: string };

type Build = (
  fileId: string,
  p: {
    operators: { id: string; encryptionKey: string }[];
    owner: string;
    nonce: string;
    chainId: string;
    registry: string;
  },
) => Promise<ValidatorKeyshares>;

/**
 * Keyshares for every decrypted keystore (built in the workers, nonces from the registry's next one), then the same
 * batched registration a keyshares file gets. Each landed batch marks its keystores registered, so registering again
 * after a failed batch rebuilds only the rest, at the nonce the registry then expects.
 */
export function useRegisterValidators(build: Build, onRegistered: (fileIds: string[]) => void) {
  const { address } = useAccount();
  const { contracts, client } = useCohortClient();
  const engine = useBatchRegistration();
  const [phase, setPhase] = useState<BuildPhase>({ step: "idle" });

  async function register(files: KeystoreFile[], committee: OperatorRow[]) {
    if (!address || !contracts || !client) return;
    const registry = contracts.registry;
    engine.reset();
    try {
      const [nonce, chainId] = await Promise.all([
        client.readContract({ address: registry, abi: cohortRegistryAbi, functionName: "nonces", args: [address] }),
        client.getChainId(),
      ]);
      setPhase({ step: "building", done: 0, total: files.length });
      const keyshares: ValidatorKeyshares[] = [];
      // Owner nonces are consecutive in a bulk registration: validator i signs nonce + i.
      for (const [i, f] of files.entries()) {
        keyshares.push(
          await build(f.id, {
            operators: committee.map((o) => ({ id: o.id.toString(), encryptionKey: o.encryptionKey })),
            owner: address,
            nonce: (nonce + BigInt(i)).toString(),
            chainId: String(chainId),
            registry,
          }),
        );
        setPhase({ step: "building", done: i + 1, total: files.length });
      }
      setPhase({ step: "built", keyshares });
      await engine.register(keyshares, (batch) => {
        const keys = new Set(batch.map((k) => k.publicKey.toLowerCase()));
        onRegistered(files.filter((f) => f.pubkey && keys.has(f.pubkey.toLowerCase())).map((f) => f.id));
      });
    } catch (error) {
      setPhase({ step: "error", message: txErrorMessage(error) });
    }
  }

  return { phase, engine, register };
}
