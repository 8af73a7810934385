/** Deploys the fee token and the registry from contracts/out (run the build first). */
import {
  type Account,
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  isAddress,
  type PublicClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { cohortRegistryAbi, cohortTokenAbi } from "../../sdk/src/abi/index.js";
import { readArtifact } from "../scripts/build.js";
import { type CohortConfig, defaultConfig } from "./config.js";

export interface DeployOptions {
  rpcUrl: string;
  /** Signs locally. Give this or `account`. */
  deployerPrivateKey?: Hex;
  /** A viem account, or the address of an account the node has unlocked (anvil's test accounts). */
  account?: Account | Address;
  /** Owner of the registry and of the token (minting). Defaults to the deployer. */
  governance?: Address;
  /** Overrides of the default governance parameters. */
  params?: Partial<CohortConfig>;
}

export interface Deployment {
  chainId: number;
  rpcUrl: string;
  registry: Address;
  token: Address;
  deployer: Address;
  governance: Address;
  /** Block of the registry deployment: where event indexers start. */
  blockNumber: bigint;
  config: CohortConfig;
}

async function deployContract(
  wallet: WalletClient,
  client: PublicClient,
  account: Account | Address,
  name: string,
  args: readonly unknown[],
): Promise<{ address: Address; blockNumber: bigint }> {
  const artifact = readArtifact(name);
  const hash = await wallet.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args,
    account,
    chain: null,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploying ${name} failed (${hash})`);
  return { address: getAddress(receipt.contractAddress), blockNumber: receipt.blockNumber };
}

export async function deployCohort(options: DeployOptions): Promise<Deployment> {
  const { rpcUrl } = options;
  const account = options.deployerPrivateKey ? privateKeyToAccount(options.deployerPrivateKey) : options.account;
  if (!account) throw new Error("deployCohort needs deployerPrivateKey or account");
  const deployerInput = typeof account === "string" ? account : account.address;
  if (!isAddress(deployerInput)) throw new Error(`invalid deployer address ${deployerInput}`);
  const deployer = getAddress(deployerInput);
  const governance = getAddress(options.governance ?? deployer);
  const config: CohortConfig = { ...defaultConfig, ...options.params };

  const transport = http(rpcUrl);
  // Local chains mine at once; the default 4 s receipt polling would dominate deploy time.
  const client = createPublicClient({ transport, pollingInterval: 50 });
  const wallet = createWalletClient({ transport });
  const chainId = await client.getChainId();

  const token = await deployContract(wallet, client, account, "CohortToken", [governance]);
  const registry = await deployContract(wallet, client, account, "CohortRegistry", [token.address, governance, config]);

  // Sanity: the ABI the sdk exports is the one deployed (catches a stale generated file).
  await client.readContract({ address: registry.address, abi: cohortRegistryAbi, functionName: "token" });
  await client.readContract({ address: token.address, abi: cohortTokenAbi, functionName: "owner" });

  return {
    chainId,
    rpcUrl,
    registry: registry.address,
    token: token.address,
    deployer,
    governance,
    blockNumber: registry.blockNumber,
    config,
  };
}
