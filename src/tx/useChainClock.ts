import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useCohortClient } from "../chain/useCohortClient";

/** Mainnet: one slot every 12 s. */
export const MAINNET_BLOCKS_PER_DAY = 7200n;
const SAMPLE_BLOCKS = 1000n;

/**
 * The chain's clock: latest block number and timestamp, refreshed every few seconds, plus `now`, the chain time
 * extrapolated with the browser's clock between refreshes (timelocks are in chain seconds, and a devnet's clock can
 * run ahead of the wall clock after `anvil_mine`).
 */
export function useChainClock() {
  const { client } = useCohortClient();
  const latest = useQuery({
    queryKey: ["chain-clock", client?.chain?.id],
    enabled: Boolean(client),
    refetchInterval: 4000,
    queryFn: async () => {
      const block = await client!.getBlock();
      return { number: block.number, timestamp: block.timestamp, seenAt: Date.now() };
    },
  });
  const [tick, setTick] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const data = latest.data;
  const now = data ? data.timestamp + BigInt(Math.max(0, Math.floor((tick - data.seenAt) / 1000))) : undefined;
  return { block: data?.number, blockTime: data?.timestamp, now };
}

/**
 * Blocks per day for runway estimates: 7200 on mainnet; elsewhere measured over the last ~1000 blocks, because a
 * devnet's block time is whatever it was started with. Never faster than one block a second (timestamps are whole
 * seconds, and an on-demand devnet can mine several blocks in one).
 */
export function useBlocksPerDay() {
  const { client } = useCohortClient();
  return useQuery({
    queryKey: ["blocks-per-day", client?.chain?.id],
    enabled: Boolean(client),
    staleTime: 60_000,
    queryFn: async (): Promise<{ blocksPerDay: bigint; secondsPerBlock: number; measured: boolean }> => {
      if (client!.chain?.id === 1)
        return { blocksPerDay: MAINNET_BLOCKS_PER_DAY, secondsPerBlock: 12, measured: false };
      const head = await client!.getBlock();
      const fromNumber = head.number > SAMPLE_BLOCKS ? head.number - SAMPLE_BLOCKS : 0n;
      const from = await client!.getBlock({ blockNumber: fromNumber });
      const blocks = Number(head.number - from.number);
      if (blocks < 2) return { blocksPerDay: MAINNET_BLOCKS_PER_DAY, secondsPerBlock: 12, measured: false };
      const secondsPerBlock = Math.max(1, Number(head.timestamp - from.timestamp) / blocks);
      return { blocksPerDay: BigInt(Math.round(86_400 / secondsPerBlock)), secondsPerBlock, measured: true };
    },
  });
}
