import { operatorSetKey } from "@cohort/sdk/committee/ids";
import { foldValidatorEvents } from "@cohort/sdk/registry/validator-set";
import { useQuery } from "@tanstack/react-query";
import { type Address, type Hex, maxUint256, type PublicClient } from "viem";
import { cohortRegistryAbi } from "../chain/contracts";
import { contractEvents } from "../chain/events";
import { useCohortClient } from "../chain/useCohortClient";
import { registryFromBlock } from "./fromBlock";
import { TOP_UP_HEADROOM_BLOCKS } from "./topUp";

export interface MyValidator {
  publicKey: Hex;
  operatorIds: readonly bigint[];
  exitRequested: boolean;
}

export interface CommitteeOperator {
  id: bigint;
  name: string;
  fee: bigint;
  active: boolean;
}

export interface MyCommittee {
  /** The account owner; with the operator set it names the committee account. */
  owner: Address;
  /** The operator set as "1-2-3-4" (`operatorSetKey`); with the owner it names one registry account. */
  key: string;
  operatorIds: readonly bigint[];
  operators: CommitteeOperator[];
  validators: MyValidator[];
  /** On-chain account state. */
  validatorCount: number;
  active: boolean;
  /** Balance at the latest block; negative once it ran dry without being liquidated. */
  balance: bigint;
  /** Least balance before anyone may liquidate it. */
  requiredCollateral: bigint;
  /** Fee-token wei the committee pays per block (registry `committeeBurnRate`; 0 while liquidated). */
  burnPerBlock: bigint;
  /** First block at which anyone may liquidate it at today's fees (registry `liquidationBlock`); null: never. */
  liquidationBlock: bigint | null;
  /** The block every field here was read at. */
  atBlock: bigint;
  /** Deposit that restores the collateral floor plus the dapp's headroom (registry `topUpNeeded`). */
  topUp: bigint;
}

/**
 * The owner's validators, replayed from the registry's events (payloads are not in storage, and the events are the
 * one source of truth the operator nodes also follow) by the sdk's fold.
 */
async function readValidators(
  client: PublicClient,
  registry: Address,
  owner: Address,
): Promise<{ validators: MyValidator[]; committees: Map<string, readonly bigint[]> }> {
  const common = {
    address: registry,
    abi: cohortRegistryAbi,
    args: { owner },
    fromBlock: registryFromBlock(),
  } as const;
  const [added, removed, moved, exits] = await Promise.all([
    contractEvents(client, { ...common, eventName: "ValidatorAdded" }),
    contractEvents(client, { ...common, eventName: "ValidatorRemoved" }),
    contractEvents(client, { ...common, eventName: "ValidatorCommitteeChanged" }),
    contractEvents(client, { ...common, eventName: "ValidatorExitRequested" }),
  ]);
  const position = (l: { blockNumber: bigint | null; logIndex: number | null }) => ({
    blockNumber: l.blockNumber ?? 0n,
    logIndex: l.logIndex ?? 0,
  });
  const set = foldValidatorEvents([
    ...added.map((l) => ({ ...position(l), kind: "ValidatorAdded" as const, ...(l.args as Required<typeof l.args>) })),
    ...removed.map((l) => ({
      ...position(l),
      kind: "ValidatorRemoved" as const,
      ...(l.args as Required<typeof l.args>),
    })),
    ...moved.map((l) => ({
      ...position(l),
      kind: "ValidatorCommitteeChanged" as const,
      ...(l.args as Required<typeof l.args>),
    })),
    ...exits.map((l) => ({
      ...position(l),
      kind: "ValidatorExitRequested" as const,
      ...(l.args as Required<typeof l.args>),
    })),
  ]);
  // Every committee the owner ever used: one emptied by removals or moves can still hold a balance to withdraw.
  const committees = new Map<string, readonly bigint[]>();
  for (const c of set.committees.values()) committees.set(operatorSetKey(c.operatorIds), c.operatorIds);
  const validators = [...set.validators.values()].map(({ publicKey, operatorIds, exitRequested }) => ({
    publicKey,
    operatorIds,
    exitRequested,
  }));
  return { validators, committees };
}

async function readCommittee(
  client: PublicClient,
  registry: Address,
  owner: Address,
  operatorIds: readonly bigint[],
  validators: MyValidator[],
): Promise<MyCommittee> {
  // One block for every read, so balance, burn rate and liquidation block agree with each other.
  const atBlock = await client.getBlockNumber({ cacheTime: 0 });
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    client.readContract({
      address: registry,
      abi: cohortRegistryAbi,
      functionName,
      args,
      blockNumber: atBlock,
    } as never) as Promise<T>;
  const account = [owner, operatorIds] as const;
  const [committee, balance, burnPerBlock, liquidationBlock, topUp, operators] = await Promise.all([
    read<{ validatorCount: number; active: boolean }>("getCommittee", account),
    read<bigint>("committeeBalance", account),
    read<bigint>("committeeBurnRate", account),
    read<bigint>("liquidationBlock", account),
    read<bigint>("topUpNeeded", [...account, 0n, TOP_UP_HEADROOM_BLOCKS]),
    Promise.all(
      operatorIds.map(async (id) => {
        const op = await read<{ name: string; fee: bigint; active: boolean }>("getOperator", [id]);
        return { id, name: op.name, fee: op.fee, active: op.active };
      }),
    ),
  ]);
  const validatorCount = Number(committee.validatorCount);
  const requiredCollateral = await read<bigint>("requiredCollateral", [operatorIds, BigInt(validatorCount)]);
  return {
    owner,
    key: operatorSetKey(operatorIds),
    operatorIds,
    operators,
    validators,
    validatorCount,
    active: committee.active,
    balance,
    requiredCollateral,
    burnPerBlock,
    liquidationBlock: liquidationBlock === maxUint256 ? null : liquidationBlock,
    atBlock,
    topUp,
  };
}

/** Every committee account of `owner` that still has validators, with balances and burn rates at the latest block. */
export function useMyValidators(owner: Address | undefined) {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["my-validators", contracts?.registry, owner],
    enabled: Boolean(contracts && client && owner),
    refetchInterval: 12_000,
    queryFn: async (): Promise<MyCommittee[]> => {
      const registry = contracts!.registry;
      const { validators, committees } = await readValidators(client!, registry, owner!);
      const groups = new Map<string, MyValidator[]>();
      for (const v of validators) {
        const key = operatorSetKey(v.operatorIds);
        groups.set(key, [...(groups.get(key) ?? []), v]);
      }
      const all = await Promise.all(
        [...committees.entries()].map(([key, ids]) =>
          readCommittee(client!, registry, owner!, ids, groups.get(key) ?? []),
        ),
      );
      // Committees with validators, plus emptied ones that still hold tokens (shown so they can be withdrawn).
      return all.filter((c) => c.validators.length > 0 || c.balance > 0n);
    },
  });
}

/** Runway in days at the current burn rate; null when nothing burns. */
export function runwayDays(balance: bigint, burnPerBlock: bigint, blocksPerDay: bigint): number | null {
  if (burnPerBlock === 0n) return null;
  if (balance <= 0n) return 0;
  // Blocks first in integers, then days as a float: balances are 1e18-scale, far beyond a double's exact range.
  const blocks = balance / burnPerBlock;
  return Number(blocks) / Number(blocksPerDay);
}
