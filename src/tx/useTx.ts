import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { Abi, Address, Hash, PublicClient } from "viem";
import { useAccount, useConfig } from "wagmi";
import {
  getBlock,
  getPublicClient,
  simulateContract,
  switchChain,
  waitForTransactionReceipt,
  writeContract,
} from "wagmi/actions";
import { cohortContracts, cohortTokenAbi } from "../chain/contracts";
import { describeTxError, type ErrorContext, type TxError } from "./errors";

/** One contract call of a flow; `label` names it in the progress text ("Approve COHORT", "Deposit"). */
export interface TxCall {
  label: string;
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  /** ETH sent with the call (payable functions: pool deposits, mini-pool bonds). */
  value?: bigint;
}

export type TxStatus =
  | { state: "idle" }
  | { state: "pending"; label: string; phase: "wallet" | "mining"; step: number; steps: number }
  | { state: "success"; hashes: Hash[] }
  | { state: "error"; error: TxError };

// The token's errors travel up through the registry's SafeERC20 calls; adding them lets viem name them.
const TOKEN_ERRORS = cohortTokenAbi.filter((item) => item.type === "error") as Abi;

type SimulateParams = Parameters<typeof simulateContract>[1];

/**
 * The gas limit sent for an estimate: a quarter more. Node-side estimates can land exactly on the limit, and calls that
 * settle fee indices (several SSTOREs with refunds) then fail with out-of-gas at inclusion (seen on anvil as
 * ReentrancySentryOOG). Wallets may still raise it. Batched flows size their batches with it.
 */
export function withGasHeadroom(estimate: bigint): bigint {
  return (estimate * 5n) / 4n;
}

/**
 * Runs one or more contract calls in order: simulate (so a revert is explained before the wallet asks anything),
 * send, wait for the receipt. Failures become a sentence saying what to do; the caller's form state is untouched,
 * so the user can fix an input and submit again. On success every chain query is refetched.
 */
export function useTx(errorContext: Omit<ErrorContext, "chainTime"> = {}) {
  const config = useConfig();
  const queryClient = useQueryClient();
  const { address, chainId, isConnected } = useAccount();
  const [status, setStatus] = useState<TxStatus>({ state: "idle" });
  const targetChainId = cohortContracts()?.chainId;
  const wrongNetwork = isConnected && targetChainId !== undefined && chainId !== targetChainId;

  const run = useCallback(
    async (plan: TxCall[] | (() => Promise<TxCall[]>)): Promise<boolean> => {
      if (!address) {
        setStatus({ state: "error", error: { message: "Connect a wallet first (button at the top right)." } });
        return false;
      }
      if (wrongNetwork) {
        setStatus({
          state: "error",
          error: { message: "Your wallet is on another network; use “Switch network” and submit again." },
        });
        return false;
      }
      const hashes: Hash[] = [];
      try {
        setStatus({ state: "pending", label: "Preparing", phase: "wallet", step: 0, steps: 1 });
        const calls = typeof plan === "function" ? await plan() : plan;
        for (const [i, call] of calls.entries()) {
          setStatus({ state: "pending", label: call.label, phase: "wallet", step: i + 1, steps: calls.length });
          const { request } = await simulateContract(config, {
            address: call.address,
            abi: [...call.abi, ...TOKEN_ERRORS],
            functionName: call.functionName,
            args: call.args,
            value: call.value,
            account: address,
            chainId: targetChainId,
          } as unknown as SimulateParams);
          const estimate = await getPublicClient(config, { chainId: targetChainId })!.estimateContractGas(
            request as Parameters<PublicClient["estimateContractGas"]>[0],
          );
          const hash = await writeContract(config, {
            ...(request as Parameters<typeof writeContract>[1]),
            gas: withGasHeadroom(estimate),
          });
          hashes.push(hash);
          setStatus({ state: "pending", label: call.label, phase: "mining", step: i + 1, steps: calls.length });
          const receipt = await waitForTransactionReceipt(config, { hash, chainId: targetChainId });
          if (receipt.status !== "success") {
            throw new Error(`${call.label} was reverted on-chain (transaction ${hash}).`);
          }
        }
        setStatus({ state: "success", hashes });
        await queryClient.invalidateQueries();
        return true;
      } catch (error) {
        // Timelock messages need the chain's clock, not the browser's: anvil's can run ahead after anvil_mine.
        const chainTime = await getBlock(config, { chainId: targetChainId })
          .then((b) => b.timestamp)
          .catch(() => undefined);
        setStatus({ state: "error", error: describeTxError(error, { ...errorContext, chainTime }) });
        // A partly done flow (e.g. approved but not deposited) changed the chain too.
        if (hashes.length > 0) await queryClient.invalidateQueries();
        return false;
      }
    },
    [address, config, errorContext, queryClient, targetChainId, wrongNetwork],
  );

  const switchNetwork = useCallback(async () => {
    if (targetChainId === undefined) return;
    try {
      await switchChain(config, { chainId: targetChainId });
      setStatus({ state: "idle" });
    } catch (error) {
      setStatus({ state: "error", error: describeTxError(error) });
    }
  }, [config, targetChainId]);

  const reset = useCallback(() => setStatus({ state: "idle" }), []);
  return { status, run, reset, busy: status.state === "pending", wrongNetwork, switchNetwork };
}
