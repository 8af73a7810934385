import type { ValidatorKeyshares } from "@cohort/sdk/keyshares/file";
import { useState } from "react";
import type { Address, Hex } from "viem";
import { useAccount, useConfig } from "wagmi";
import { readContract, switchChain, waitForTransactionReceipt, writeContract } from "wagmi/actions";
import { cohortRegistryAbi, cohortTokenAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";
import type { OperatorRow } from "../operators/useOperators";
import { TOP_UP_HEADROOM_BLOCKS } from "../validators/topUp";
import { txErrorMessage } from "./txError";
import type { KeystoreFile } from "./useKeystoreFiles";

export type RegisterPhase =
  | { step: "idle" }
  | { step: "building"; done: number; total: number }
  | { step: "approving"; amount: bigint; keyshares: ValidatorKeyshares[] }
  | { step: "registering"; keyshares: ValidatorKeyshares[] }
  | { step: "done"; txHash: Hex; keyshares: ValidatorKeyshares[]; amount: bigint }
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
 * Keyshares for every decrypted keystore (built in the workers), then fee-token approval if needed, then one
 * bulkRegisterValidators transaction with the collateral the registry asks for.
 */
export function useRegisterValidators(build: Build, onRegistered: (fileIds: string[]) => void) {
  const config = useConfig();
  const { address, chainId: walletChainId } = useAccount();
  const { contracts } = useCohortClient();
  const [phase, setPhase] = useState<RegisterPhase>({ step: "idle" });

  async function register(files: KeystoreFile[], committee: OperatorRow[]) {
    if (!address || !contracts) return;
    const registry = contracts.registry;
    const chainId = contracts.chainId ?? walletChainId;
    if (!chainId) return;
    try {
      if (walletChainId !== chainId) await switchChain(config, { chainId });
      const operatorIds = committee.map((o) => o.id).sort((a, b) => (a < b ? -1 : 1));
      const read = <T>(p: Parameters<typeof readContract>[1]) => readContract(config, { ...p, chainId }) as Promise<T>;
      const nonce = await read<bigint>({
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "nonces",
        args: [address],
      });

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

      // Collateral for all its validators beyond what the committee holds, with headroom for the blocks until it lands.
      const amount = await read<bigint>({
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "topUpNeeded",
        args: [address, operatorIds, BigInt(files.length), TOP_UP_HEADROOM_BLOCKS],
      });

      const token = await read<Address>({ address: registry, abi: cohortRegistryAbi, functionName: "token" });
      const allowance = await read<bigint>({
        address: token,
        abi: cohortTokenAbi,
        functionName: "allowance",
        args: [address, registry],
      });
      if (allowance < amount) {
        setPhase({ step: "approving", amount, keyshares });
        const approveHash = await writeContract(config, {
          address: token,
          abi: cohortTokenAbi,
          functionName: "approve",
          args: [registry, amount],
          chainId,
        });
        await waitForTransactionReceipt(config, { hash: approveHash, chainId });
      }

      setPhase({ step: "registering", keyshares });
      const txHash = await writeContract(config, {
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "bulkRegisterValidators",
        args: [keyshares.map((k) => k.publicKey), operatorIds, keyshares.map((k) => k.payload), nonce, amount],
        chainId,
      });
      const receipt = await waitForTransactionReceipt(config, { hash: txHash, chainId });
      if (receipt.status !== "success") throw new Error(`the registration transaction ${txHash} reverted`);
      onRegistered(files.map((f) => f.id));
      setPhase({ step: "done", txHash, keyshares, amount });
    } catch (error) {
      setPhase({ step: "error", message: txErrorMessage(error) });
    }
  }

  return { phase, register, reset: () => setPhase({ step: "idle" }) };
}
