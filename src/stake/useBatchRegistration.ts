import type { ValidatorKeyshares } from "@cohort/sdk/keyshares/file";
import { useState } from "react";
import type { Abi, Address } from "viem";
import { useAccount } from "wagmi";
import { cohortRegistryAbi, cohortTokenAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";
import { useFeeToken } from "../operators/useOperators";
import { type TxCall, useTx, withGasHeadroom } from "../tx/useTx";
import { TOP_UP_HEADROOM_BLOCKS } from "../validators/topUp";
import { batchGasCap, fitBatch } from "./batches";
import { readChainView } from "./chainView";
import { checkKeyshares, type KeysharesCheck } from "./keysharesCheck";

export type BatchProgress =
  | { step: "idle" }
  | { step: "checking" }
  /** The chain refuses the file as it is; `check` says why, per file and per validator. */
  | { step: "blocked"; check: KeysharesCheck }
  | { step: "approving"; done: number; total: number }
  | { step: "registering"; batch: number; batches: number; size: number; done: number; total: number }
  /** A batch failed or was rejected; the transaction's error is in `tx.status`. Registering again resumes. */
  | { step: "stopped"; batch: number; batches: number; done: number; total: number }
  | { step: "failed"; message: string }
  | { step: "done"; registered: number; skipped: number; transactions: number };

// The token's errors reach estimates through the registry's SafeERC20 pull; with them viem can name the revert.
const ESTIMATE_ABI = [...cohortRegistryAbi, ...cohortTokenAbi.filter((item) => item.type === "error")] as Abi;

/**
 * Registers keyshares in bulkRegisterValidators transactions sized to the block gas limit, through useTx (simulation,
 * gas headroom, error text, cache refresh). Each run starts by checking the keyshares against the chain, so a run
 * after a failed or rejected batch skips what is already on-chain and continues at the registry's next nonce.
 */
export function useBatchRegistration() {
  const { address } = useAccount();
  const { contracts, client } = useCohortClient();
  const token = useFeeToken();
  const tx = useTx(token.data ? { token: token.data } : {});
  const [progress, setProgress] = useState<BatchProgress>({ step: "idle" });

  /** Resolves true once every validator is on-chain; `onBatch` hears each batch that landed. */
  async function register(
    validators: ValidatorKeyshares[],
    onBatch?: (batch: ValidatorKeyshares[]) => void,
  ): Promise<boolean> {
    if (!address || !contracts || !client) return false;
    const registry = contracts.registry;
    const owner: Address = address;
    setProgress({ step: "checking" });
    let check: KeysharesCheck;
    let tokenAddress: Address;
    try {
      [check, tokenAddress] = await Promise.all([
        readChainView(client, { registry, account: owner, validators }).then((view) =>
          checkKeyshares(validators, view),
        ),
        client.readContract({ address: registry, abi: cohortRegistryAbi, functionName: "token" }),
      ]);
    } catch (error) {
      setProgress({ step: "failed", message: readFailure(error) });
      return false;
    }
    const skipped = check.rows.filter((r) => r.state.kind === "registered").length;
    if (check.pending.length === 0) {
      if (check.problems.length > 0 || check.rows.some((r) => r.state.kind === "problem")) {
        setProgress({ step: "blocked", check });
        return false;
      }
      setProgress({ step: "done", registered: 0, skipped, transactions: 0 });
      return true;
    }

    const ids = check.operatorIds;
    const total = validators.length;
    const topUp = (count: number, blocks: bigint) =>
      client.readContract({
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "topUpNeeded",
        args: [owner, ids, BigInt(count), blocks],
      });
    let remaining = check.pending;
    let done = skipped;
    let lastSize = remaining.length;
    let batch = 0;
    let batches = 1;
    while (remaining.length > 0) {
      // One approval for every batch still to come: each batch pays its own top-up (TOP_UP_HEADROOM_BLOCKS of fees),
      // and twice that headroom covers the fees the committee burns between batches, so the wallet asks once.
      let short: boolean;
      try {
        const [needed, allowance] = await Promise.all([
          topUp(remaining.length, TOP_UP_HEADROOM_BLOCKS),
          client.readContract({
            address: tokenAddress,
            abi: cohortTokenAbi,
            functionName: "allowance",
            args: [owner, registry],
          }),
        ]);
        short = allowance < needed;
      } catch (error) {
        setProgress({ step: "failed", message: readFailure(error) });
        return false;
      }
      if (short) {
        setProgress({ step: "approving", done, total });
        const approved = await tx.run(async () => [
          {
            label: `Approve ${token.data?.symbol ?? "fee tokens"} for ${remaining.length} validator${remaining.length === 1 ? "" : "s"}`,
            address: tokenAddress,
            abi: cohortTokenAbi,
            functionName: "approve",
            args: [registry, await topUp(remaining.length, 2n * TOP_UP_HEADROOM_BLOCKS)],
          },
        ]);
        if (!approved) {
          setProgress({ step: "stopped", batch: batch + 1, batches, done, total });
          return false;
        }
      }

      batch++;
      setProgress({ step: "registering", batch, batches: Math.max(batches, batch), size: 0, done, total });
      const queued = remaining;
      let sent: ValidatorKeyshares[] = [];
      const nonce = BigInt(queued[0]!.nonce);
      const callFor = async (size: number): Promise<TxCall> => {
        const part = queued.slice(0, size);
        return {
          label: `Register batch ${batch} of ${batches}`,
          address: registry,
          abi: cohortRegistryAbi,
          functionName: "bulkRegisterValidators",
          args: [
            part.map((v) => v.publicKey),
            ids,
            part.map((v) => v.payload),
            nonce,
            await topUp(size, TOP_UP_HEADROOM_BLOCKS),
          ],
        };
      };
      const ok = await tx.run(async () => {
        const { gasLimit } = await client.getBlock();
        const { size } = await fitBatch({
          max: queued.length,
          start: lastSize,
          cap: batchGasCap(gasLimit, withGasHeadroom),
          estimate: async (size) => {
            const { address: to, functionName, args } = await callFor(size);
            return client.estimateContractGas({ address: to, abi: ESTIMATE_ABI, functionName, args, account: owner });
          },
        });
        lastSize = size;
        sent = queued.slice(0, size);
        batches = batch - 1 + Math.ceil(queued.length / size);
        setProgress({ step: "registering", batch, batches, size, done, total });
        return [await callFor(size)];
      });
      if (!ok) {
        setProgress({ step: "stopped", batch, batches, done, total });
        return false;
      }
      done += sent.length;
      remaining = queued.slice(sent.length);
      onBatch?.(sent);
    }
    setProgress({ step: "done", registered: done - skipped, skipped, transactions: batch });
    return true;
  }

  return { progress, tx, register, reset: () => setProgress({ step: "idle" }) };
}

function readFailure(error: unknown): string {
  const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return `Could not read the registry (${detail}); check the connection and try again.`;
}
