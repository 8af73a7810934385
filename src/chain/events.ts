import type {
  Abi,
  BlockNumber,
  ContractEventName,
  GetContractEventsParameters,
  GetContractEventsReturnType,
  PublicClient,
} from "viem";

/**
 * Blocks per log request. Public RPC providers refuse `eth_getLogs` over wide ranges (10,000 blocks or fewer is
 * common), and a chain that has run for months since the deployment is far wider; the node's chain sync splits its
 * queries the same way.
 */
export const LOG_RANGE_BLOCKS = 5_000n;

/**
 * `client.getContractEvents` from `fromBlock` to the head, asked in ranges of `LOG_RANGE_BLOCKS`, in chain order.
 * The same parameters and typed result as viem's.
 */
export async function contractEvents<const abi extends Abi, eventName extends ContractEventName<abi>>(
  client: PublicClient,
  params: GetContractEventsParameters<abi, eventName, undefined, BlockNumber, BlockNumber> & { fromBlock: bigint },
): Promise<GetContractEventsReturnType<abi, eventName>> {
  // Uncached: a head up to one polling interval old would hide the event a refetch after a transaction looks for.
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const out: unknown[] = [];
  let from = params.fromBlock;
  for (; from + LOG_RANGE_BLOCKS <= head; from += LOG_RANGE_BLOCKS) {
    out.push(
      ...(await client.getContractEvents({
        ...params,
        fromBlock: from,
        toBlock: from + LOG_RANGE_BLOCKS - 1n,
      } as never)),
    );
  }
  // The last range is open-ended ("latest"), as a single query was before: nothing mined meanwhile is skipped.
  out.push(...(await client.getContractEvents({ ...params, fromBlock: from } as never)));
  return out as GetContractEventsReturnType<abi, eventName>;
}
