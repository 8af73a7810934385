import { useQuery } from "@tanstack/react-query";
import type { Address, Hex, PublicClient } from "viem";
import { contractEvents } from "../chain/events";
import { useCohortClient } from "../chain/useCohortClient";
import { registryFromBlock } from "../validators/fromBlock";
import { cohortMiniPoolsAbi, cohortPoolAbi, type PoolContracts, poolContracts } from "./contracts";
import { type MiniPoolStateName, stateName } from "./miniPool";
import { type RatePoint, ratePoints } from "./rateHistory";

export interface PoolState {
  totalAssets: bigint;
  totalSupply: bigint;
  /** Wei per 1e18 shares. */
  exchangeRate: bigint;
  freeEth: bigint;
  minDeposit: bigint;
  initiatorBond: bigint;
  queuedAssets: bigint;
}

/** The pool's public figures, refreshed every few seconds (deposits by others move them). */
export function usePoolState() {
  const { client } = useCohortClient();
  const c = poolContracts();
  return useQuery({
    queryKey: ["pool-state", c?.pool],
    enabled: Boolean(client && c),
    refetchInterval: 6000,
    queryFn: async (): Promise<PoolState> => {
      const read = (functionName: string) =>
        client!.readContract({ address: c!.pool, abi: cohortPoolAbi, functionName } as never) as Promise<bigint>;
      const [totalAssets, totalSupply, exchangeRate, freeEth, minDeposit, initiatorBond, queuedAssets] =
        await Promise.all(
          ["totalAssets", "totalSupply", "exchangeRate", "freeEth", "minDeposit", "initiatorBond", "queuedAssets"].map(
            read,
          ),
        );
      return { totalAssets, totalSupply, exchangeRate, freeEth, minDeposit, initiatorBond, queuedAssets } as PoolState;
    },
  });
}

export interface Holding {
  shares: bigint;
  assets: bigint;
  eth: bigint;
}

/** The account's cETH, what it is worth, and its ETH (what it can deposit). */
export function useHolding(account: Address | undefined) {
  const { client } = useCohortClient();
  const c = poolContracts();
  return useQuery({
    queryKey: ["pool-holding", c?.pool, account],
    enabled: Boolean(client && c && account),
    refetchInterval: 6000,
    queryFn: async (): Promise<Holding> => {
      const shares = await client!.readContract({
        address: c!.pool,
        abi: cohortPoolAbi,
        functionName: "balanceOf",
        args: [account!],
      });
      const [assets, eth] = await Promise.all([
        client!.readContract({ address: c!.pool, abi: cohortPoolAbi, functionName: "convertToAssets", args: [shares] }),
        client!.getBalance({ address: account! }),
      ]);
      return { shares, assets, eth };
    },
  });
}

/** Every accepted exchange rate, oldest first. */
export function useRateHistory() {
  const { client } = useCohortClient();
  const c = poolContracts();
  return useQuery({
    queryKey: ["pool-rate-history", c?.pool],
    enabled: Boolean(client && c),
    refetchInterval: 12_000,
    queryFn: async (): Promise<RatePoint[]> => {
      const logs = await contractEvents(client!, {
        address: c!.pool,
        abi: cohortPoolAbi,
        eventName: "ExchangeRateUpdated",
        fromBlock: registryFromBlock(),
      });
      return ratePoints(
        logs.map((l) => ({ epoch: l.args.epoch!, totalAssets: l.args.totalAssets!, totalShares: l.args.totalShares! })),
      );
    },
  });
}

export interface WithdrawalRequest {
  id: bigint;
  /** The most it pays: its value at request. */
  assets: bigint;
  shares: bigint;
  /** What a claim pays now: the lower of the value at request and now (0 once claimed). */
  payout: bigint;
  claimed: boolean;
  ready: boolean;
}

/** The account's withdrawal requests (from its WithdrawalRequested events), with their current state. */
export function useMyWithdrawals(account: Address | undefined) {
  const { client } = useCohortClient();
  const c = poolContracts();
  return useQuery({
    queryKey: ["pool-withdrawals", c?.pool, account],
    enabled: Boolean(client && c && account),
    refetchInterval: 6000,
    queryFn: async (): Promise<WithdrawalRequest[]> => {
      const logs = await contractEvents(client!, {
        address: c!.pool,
        abi: cohortPoolAbi,
        eventName: "WithdrawalRequested",
        args: { owner: account! },
        fromBlock: registryFromBlock(),
      });
      return Promise.all(
        logs.map(async (l) => {
          const id = l.args.id!;
          const [, assets, claimed, ready] = await client!.readContract({
            address: c!.pool,
            abi: cohortPoolAbi,
            functionName: "withdrawalRequest",
            args: [id],
          });
          const [shares, payout] = await client!.readContract({
            address: c!.pool,
            abi: cohortPoolAbi,
            functionName: "withdrawalShares",
            args: [id],
          });
          return { id, assets, shares, payout, claimed, ready };
        }),
      );
    },
  });
}

export interface MiniPool {
  id: bigint;
  initiator: bigint;
  operatorIds: readonly bigint[];
  state: MiniPoolStateName;
  attempt: number;
  validatorPubkey: Hex;
  bond: bigint;
  owner: Address;
  confirmations: number;
  /** The initiator's withdrawn bond and earnings, payable once Exited. */
  initiatorHeld: bigint;
  bondReturned: boolean;
}

async function readMiniPool(client: PublicClient, c: PoolContracts, id: bigint): Promise<MiniPool> {
  const m = await client.readContract({
    address: c.miniPools,
    abi: cohortMiniPoolsAbi,
    functionName: "miniPool",
    args: [id],
  });
  return {
    id,
    initiator: m.initiator,
    operatorIds: m.operatorIds,
    state: stateName(Number(m.state)),
    attempt: Number(m.attempt),
    validatorPubkey: m.validatorPubkey,
    bond: m.bond,
    owner: m.owner,
    confirmations: Number(m.confirmations),
    initiatorHeld: m.initiatorHeld,
    bondReturned: m.bondReturned,
  };
}

/** Every mini-pool (newest first) and the ready queue (oldest first, the order fundNext takes them). */
export function useMiniPools() {
  const { client } = useCohortClient();
  const c = poolContracts();
  return useQuery({
    queryKey: ["mini-pools", c?.miniPools],
    enabled: Boolean(client && c),
    refetchInterval: 6000,
    queryFn: async () => {
      const [count, readyQueue] = await Promise.all([
        client!.readContract({ address: c!.miniPools, abi: cohortMiniPoolsAbi, functionName: "miniPoolCount" }),
        client!.readContract({ address: c!.miniPools, abi: cohortMiniPoolsAbi, functionName: "readyQueue" }),
      ]);
      const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(Number(count) - 1 - i));
      const miniPools = await Promise.all(ids.map((id) => readMiniPool(client!, c!, id)));
      return { miniPools, readyQueue: [...readyQueue] };
    },
  });
}

/** `block` and `order` (log index) place the event in chain order. */
export type DkgEvent = (
  | { kind: "confirmed"; operatorId: bigint }
  | { kind: "conflict"; operatorId: bigint }
  | { kind: "failed"; reporter: bigint; culprits: readonly bigint[] }
  | { kind: "retry"; attempt: number }
) & { block: bigint; order: number };

/** A mini-pool's DKG history from its events, in chain order: who confirmed, conflicts, failures and retries. */
export function useDkgEvents(id: bigint) {
  const { client } = useCohortClient();
  const c = poolContracts();
  return useQuery({
    queryKey: ["dkg-events", c?.miniPools, id.toString()],
    enabled: Boolean(client && c),
    refetchInterval: 6000,
    queryFn: async (): Promise<DkgEvent[]> => {
      const common = { address: c!.miniPools, abi: cohortMiniPoolsAbi, args: { id }, fromBlock: registryFromBlock() };
      const [confirmed, conflict, failed, retry] = await Promise.all([
        contractEvents(client!, { ...common, eventName: "DkgConfirmed" }),
        contractEvents(client!, { ...common, eventName: "DkgConflict" }),
        contractEvents(client!, { ...common, eventName: "DkgFailed" }),
        contractEvents(client!, { ...common, eventName: "DkgRetry" }),
      ]);
      const events: DkgEvent[] = [
        ...confirmed.map((l) => ({
          kind: "confirmed" as const,
          operatorId: l.args.operatorId!,
          block: l.blockNumber,
          order: l.logIndex,
        })),
        ...conflict.map((l) => ({
          kind: "conflict" as const,
          operatorId: l.args.operatorId!,
          block: l.blockNumber,
          order: l.logIndex,
        })),
        ...failed.map((l) => ({
          kind: "failed" as const,
          reporter: l.args.reporter!,
          culprits: l.args.culprits!,
          block: l.blockNumber,
          order: l.logIndex,
        })),
        ...retry.map((l) => ({
          kind: "retry" as const,
          attempt: Number(l.args.attempt!),
          block: l.blockNumber,
          order: l.logIndex,
        })),
      ];
      return events.sort((a, b) => (a.block === b.block ? a.order - b.order : a.block < b.block ? -1 : 1));
    },
  });
}

/**
 * Ids (decimal strings) of the operators among `ids` that accept mini-pool work (`setAcceptsMiniPools`): the only
 * ones a mini-pool may name besides its initiator, which consents by creating it.
 */
export function useMiniPoolOptIns(ids: readonly bigint[]) {
  const { client } = useCohortClient();
  const c = poolContracts();
  return useQuery({
    queryKey: ["mini-pool-opt-ins", c?.miniPools, ids.join(",")],
    enabled: Boolean(client && c),
    refetchInterval: 6000,
    queryFn: async (): Promise<Set<string>> => {
      const accepts = await Promise.all(
        ids.map((id) =>
          client!.readContract({
            address: c!.miniPools,
            abi: cohortMiniPoolsAbi,
            functionName: "acceptsMiniPools",
            args: [id],
          }),
        ),
      );
      return new Set(ids.filter((_, i) => accepts[i]).map((id) => id.toString()));
    },
  });
}
