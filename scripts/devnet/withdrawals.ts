/**
 * The execution-layer half of beacon-chain withdrawals, which the devnet's beacon chain cannot do itself: its
 * execution payloads come from Lodestar's engine mock, which lists the withdrawals (the beacon state deducts them) but
 * has no accounts, so nothing reaches anvil. With 0x01 credentials the chain sweeps a mini-pool validator's balance
 * above 32 ETH to the pool every few slots, and the nodes' oracle reports carry those withdrawals; the pool accepts a
 * report only if it has received what the report says was withdrawn. So the devnet credits each withdrawal of each new
 * beacon block on anvil, as an execution client would: a plain transfer from a devnet-only funded account.
 *
 * Differences from a real execution layer, acceptable on the devnet: the credit is a transaction (it runs the
 * recipient's receive function; the pool's accepts ETH) and lands a moment after the beacon block; a beacon block
 * reorganised away after it was credited stays credited (a one-node dev chain does not reorganise).
 */
import { type Address, createPublicClient, createWalletClient, type Hex, http } from "viem";

/** Devnet-only source of the credited ETH: not an account anyone holds a key for; anvil lets the devnet send as it. */
const WITHDRAWAL_SOURCE: Address = "0x00000000000000000000000000000000000057ee";
const SOURCE_BALANCE = 10n ** 30n;

export interface WithdrawalCredits {
  /** Wei credited per recipient (lower-case address) so far. */
  credited(): ReadonlyMap<string, bigint>;
  stop(): Promise<void>;
}

interface BlockBody {
  data: {
    message: {
      slot: string;
      body: { execution_payload?: { withdrawals?: { address: string; amount: string }[] } };
    };
  };
}

export async function creditWithdrawals(o: {
  beaconUrl: string;
  rpcUrl: string;
  /** How often to look for new beacon blocks. */
  pollMs: number;
  log: (line: string) => void;
}): Promise<WithdrawalCredits> {
  const transport = http(o.rpcUrl);
  const client = createPublicClient({ transport, pollingInterval: 50 });
  const wallet = createWalletClient({ transport });
  await client.request({
    method: "anvil_setBalance" as never,
    params: [WITHDRAWAL_SOURCE, toQuantity(SOURCE_BALANCE)],
  });
  await client.request({ method: "anvil_impersonateAccount" as never, params: [WITHDRAWAL_SOURCE] });
  const credited = new Map<string, bigint>();
  let next = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let failing = false;

  const get = async <T>(path: string): Promise<T | undefined> => {
    const res = await fetch(o.beaconUrl + path);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`beacon GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };

  /** Credits the withdrawals of the canonical blocks from `next` up to the head block (empty slots answer 404). */
  const catchUp = async () => {
    const head = await get<{ data: { header: { message: { slot: string } } } }>("/eth/v1/beacon/headers/head");
    const headSlot = Number(head!.data.header.message.slot);
    for (; next <= headSlot && !stopped; next++) {
      const block = await get<BlockBody>(`/eth/v2/beacon/blocks/${next}`);
      if (!block || Number(block.data.message.slot) !== next) continue;
      const sums = new Map<string, bigint>();
      for (const w of block.data.message.body.execution_payload?.withdrawals ?? []) {
        const to = w.address.toLowerCase();
        sums.set(to, (sums.get(to) ?? 0n) + BigInt(w.amount));
      }
      for (const [to, gwei] of sums) {
        if (gwei === 0n) continue;
        const hash = await wallet.sendTransaction({
          account: WITHDRAWAL_SOURCE,
          to: to as Address,
          value: gwei * 10n ** 9n,
          chain: null,
        });
        const receipt = await client.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") {
          o.log(`withdrawals: crediting ${gwei} gwei to ${to} (beacon slot ${next}) reverted; not retried`);
          continue;
        }
        credited.set(to, (credited.get(to) ?? 0n) + gwei * 10n ** 9n);
      }
    }
  };

  const loop = () => {
    timer = setTimeout(() => {
      running = catchUp().then(
        () => {
          if (failing) o.log("withdrawals: crediting resumed");
          failing = false;
        },
        (error: unknown) => {
          // The beacon node or anvil busy or restarting: the same slot is tried again next time.
          if (!failing) o.log(`withdrawals: ${(error as Error).message}; retrying`);
          failing = true;
        },
      );
      void running.then(() => {
        if (!stopped) loop();
      });
    }, o.pollMs);
    timer.unref();
  };
  loop();
  return {
    credited: () => credited,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

function toQuantity(value: bigint): Hex {
  return `0x${value.toString(16)}`;
}
