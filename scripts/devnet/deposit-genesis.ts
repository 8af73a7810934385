/**
 * The execution side of a beacon chain that follows the devnet's deposits. `lodestar dev` builds its genesis from the
 * deposits of its interop validators without any deposit contract; for it to accept later deposits made on anvil, the
 * contract there must hold exactly those deposits first, so that its deposit root is the genesis's
 * `eth1Data.depositRoot` and every later deposit's Merkle proof checks against the chain's own tree. The deposits come
 * from beacon/interop-deposits.mjs: the Lodestar 1.5.1 the beacon node runs computes them, not the workspaces'
 * @lodestar 1.46, which is another implementation.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type Account,
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  parseGwei,
} from "viem";
import { readArtifact } from "../../contracts/scripts/build.js";
import { depositContractAbi } from "../../sdk/src/abi/index.js";

const BEACON_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "beacon");

export interface InteropGenesis {
  readonly genesisForkVersion: Hex;
  readonly deposits: readonly {
    pubkey: Hex;
    withdrawalCredentials: Hex;
    amountGwei: string;
    signature: Hex;
    depositDataRoot: Hex;
  }[];
  /** The genesis state's eth1Data as `lodestar dev` computes it. */
  readonly eth1Data: { depositRoot: Hex; depositCount: number; blockHash: Hex };
}

/** The deposit contract on anvil, holding the genesis deposits; what the beacon node is started with. */
export interface DepositGenesis {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly depositContract: Address;
  /** Block of the contract's deployment: where the beacon node starts reading deposit logs. */
  readonly deployBlock: bigint;
  /** The contract's `get_deposit_root()` once the genesis deposits are in: the genesis's eth1Data.depositRoot. */
  readonly depositRoot: Hex;
  readonly depositCount: number;
}

/** Lodestar 1.5.1's dev genesis deposits for `validators` interop validators (child process in beacon/, ~2 s). */
export async function interopGenesis(validators: number): Promise<InteropGenesis> {
  try {
    // `node` as Lodestar's own bin runs it (Node 20: its native BLS has no prebuild for newer ones).
    const { stdout } = await promisify(execFile)("node", ["interop-deposits.mjs", String(validators)], {
      cwd: BEACON_DIR,
      // Only the preset: any other LODESTAR_* variable is meant for the beacon node, not for this script.
      env: { ...withoutLodestarVariables(process.env), LODESTAR_PRESET: "minimal" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout) as InteropGenesis;
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(
      `could not compute Lodestar's genesis deposits (beacon/interop-deposits.mjs): ${detail}; ` +
        "is Lodestar installed (`npm ci --prefix beacon`)?",
    );
  }
}

/**
 * Deploys the official deposit contract and makes the beacon chain's genesis deposits into it (32 ETH each, from
 * `account`), then checks that the contract's root and count are the genesis eth1Data's.
 */
export async function deployDepositGenesis(o: {
  rpcUrl: string;
  account: Account;
  validators: number;
}): Promise<DepositGenesis> {
  const genesis = await interopGenesis(o.validators);
  const transport = http(o.rpcUrl);
  const client = createPublicClient({ transport, pollingInterval: 50 });
  const wallet = createWalletClient({ account: o.account, transport });
  const artifact = readArtifact("DepositContract");
  const deployed = await client.waitForTransactionReceipt({
    hash: await wallet.deployContract({ abi: depositContractAbi, bytecode: artifact.bytecode, chain: null }),
  });
  if (deployed.status !== "success" || !deployed.contractAddress) throw new Error("deploying DepositContract failed");
  const depositContract = getAddress(deployed.contractAddress);
  for (const [i, d] of genesis.deposits.entries()) {
    const receipt = await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: depositContract,
        abi: depositContractAbi,
        functionName: "deposit",
        args: [d.pubkey, d.withdrawalCredentials, d.signature, d.depositDataRoot],
        value: parseGwei(d.amountGwei),
        chain: null,
      }),
    });
    if (receipt.status !== "success") throw new Error(`genesis deposit ${i} into the deposit contract reverted`);
  }
  const depositRoot = await client.readContract({
    address: depositContract,
    abi: depositContractAbi,
    functionName: "get_deposit_root",
  });
  const depositCount = littleEndianCount(
    await client.readContract({ address: depositContract, abi: depositContractAbi, functionName: "get_deposit_count" }),
  );
  if (depositRoot !== genesis.eth1Data.depositRoot || depositCount !== genesis.eth1Data.depositCount) {
    throw new Error(
      `the deposit contract's root ${depositRoot} (${depositCount} deposits) is not the dev genesis's ` +
        `${genesis.eth1Data.depositRoot} (${genesis.eth1Data.depositCount}): the beacon chain would refuse every ` +
        "later deposit's proof. Was the contract used before, or does beacon/ hold another Lodestar than 1.5.1?",
    );
  }
  return {
    rpcUrl: o.rpcUrl,
    chainId: await client.getChainId(),
    depositContract,
    deployBlock: deployed.blockNumber,
    depositRoot,
    depositCount,
  };
}

/**
 * Fails unless the running beacon node's genesis eth1Data is the deposit contract's genesis state: read from the node
 * (its genesis state over the debug API), not recomputed, so a node started with another genesis is caught.
 */
export async function checkBeaconDepositRoot(beaconUrl: string, genesis: DepositGenesis): Promise<void> {
  const res = await fetch(`${beaconUrl}/eth/v2/debug/beacon/states/genesis`, {
    headers: { accept: "application/json" },
  });
  if (!res.ok) {
    throw new Error(
      `the beacon node at ${beaconUrl} did not serve its genesis state (HTTP ${res.status}); ` +
        "start it with the debug API (scripts/beacon/launch.ts does) to compare deposit roots",
    );
  }
  const state = (await res.json()) as { data: { eth1_data: { deposit_root: string; deposit_count: string } } };
  const { deposit_root: root, deposit_count: count } = state.data.eth1_data;
  if (root !== genesis.depositRoot || Number(count) !== genesis.depositCount) {
    throw new Error(
      `the beacon chain's genesis deposit root ${root} (${count} deposits) differs from the deposit contract ` +
        `${genesis.depositContract}'s ${genesis.depositRoot} (${genesis.depositCount}) on ${genesis.rpcUrl}: ` +
        "deposits made there would never become validators. Start the beacon node with the same number of genesis " +
        "validators as were replayed, from beacon/'s Lodestar 1.5.1.",
    );
  }
}

/** The contract returns its count as 8 little-endian bytes. */
function littleEndianCount(bytes: Hex): number {
  return Number(Buffer.from(bytes.slice(2), "hex").readBigUInt64LE());
}

function withoutLodestarVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("LODESTAR_")));
}
