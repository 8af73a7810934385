/**
 * Deploys the fee token, the registry and the pool system (pool, mini-pools, oracle; plus the official beacon deposit
 * contract unless one is given) from contracts/out (run the build first).
 */
import {
  type Account,
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  getContractAddress,
  type Hex,
  http,
  isAddress,
  keccak256,
  type PublicClient,
  toBytes,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { cohortPoolAbi, cohortRegistryAbi, cohortTokenAbi } from "../../sdk/src/abi/index.js";
import { readArtifact } from "../scripts/build.js";
import { type CohortConfig, defaultConfig, defaultPoolConfig, type PoolConfig } from "./config.js";

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
  /** Overrides of the default pool-system parameters. */
  poolParams?: Partial<PoolConfig>;
  /** An existing beacon deposit contract (a real network's); by default the official one is deployed here. */
  depositContract?: Address;
  /**
   * The beacon chain's clock, which the oracle checks report epochs against. Defaults to a chain whose genesis is the
   * latest block's time, with mainnet's 12-second slots and 32-slot epochs.
   */
  beaconClock?: BeaconClock;
}

export interface BeaconClock {
  genesisTime: bigint;
  secondsPerEpoch: bigint;
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
  /** The liquid staking pool (cETH), holder of all staked ETH and every mini-pool's withdrawal address. */
  pool: Address;
  miniPools: Address;
  oracle: Address;
  depositContract: Address;
  poolConfig: PoolConfig;
  /** The oracle's beacon clock. */
  beaconClock: BeaconClock;
  /**
   * Whether the registry already accepts the oracle's `deactivateOperator`. Only when the deployer is governance;
   * otherwise governance must call `registry.setPoolOracle(oracle)`.
   */
  poolOracleLinked: boolean;
}

async function deployContract(
  wallet: WalletClient,
  client: PublicClient,
  account: Account | Address,
  name: string,
  args: readonly unknown[],
  libraries: Record<string, Address> = {},
): Promise<{ address: Address; blockNumber: bigint }> {
  const artifact = readArtifact(name);
  const hash = await wallet.deployContract({
    abi: artifact.abi,
    bytecode: link(name, artifact.bytecode, libraries),
    args,
    account,
    chain: null,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploying ${name} failed (${hash})`);
  return { address: getAddress(receipt.contractAddress), blockNumber: receipt.blockNumber };
}

/** Replaces solc's `__$<keccak256(source:name)[0..34]>$__` placeholders with the deployed libraries' addresses. */
function link(name: string, bytecode: Hex, libraries: Record<string, Address>): Hex {
  let linked: string = bytecode;
  for (const [qualifiedName, address] of Object.entries(libraries)) {
    const placeholder = `__$${keccak256(toBytes(qualifiedName)).slice(2, 36)}$__`;
    linked = linked.split(placeholder).join(address.slice(2).toLowerCase());
  }
  if (linked.includes("__$")) throw new Error(`${name} needs a library that was not deployed first`);
  return linked as Hex;
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
  // The registry calls the BLS verifier as a linked library (inlined it would pass the 24 KB code limit).
  const bls = await deployContract(wallet, client, account, "BlsSignature", []);
  const registry = await deployContract(
    wallet,
    client,
    account,
    "CohortRegistry",
    [token.address, governance, config],
    {
      "BlsSignature.sol:BlsSignature": bls.address,
    },
  );

  const poolConfig: PoolConfig = { ...defaultPoolConfig, ...options.poolParams };
  // A chain without the EIP-7002 predeploy (anvil) gets exits signalled by event only, not calls into an empty account.
  if (!(await client.getCode({ address: poolConfig.exitRequestContract }))) {
    poolConfig.exitRequestContract = "0x0000000000000000000000000000000000000000";
  }
  const depositContract = options.depositContract
    ? getAddress(options.depositContract)
    : (await deployContract(wallet, client, account, "DepositContract", [])).address;
  // The three pool contracts point at each other through immutables, so their CREATE addresses are fixed in advance
  // from the deployer's next nonces (pool, then mini-pools, then oracle).
  const nonce = await client.getTransactionCount({ address: deployer, blockTag: "pending" });
  const miniPoolsAt = getContractAddress({ from: deployer, nonce: BigInt(nonce + 1) });
  const oracleAt = getContractAddress({ from: deployer, nonce: BigInt(nonce + 2) });
  const pool = await deployContract(wallet, client, account, "CohortPool", [
    registry.address,
    depositContract,
    miniPoolsAt,
    oracleAt,
    governance,
    poolConfig,
  ]);
  const miniPools = await deployContract(wallet, client, account, "CohortMiniPools", [
    pool.address,
    registry.address,
    oracleAt,
  ]);
  const beaconClock = options.beaconClock ?? {
    genesisTime: (await client.getBlock()).timestamp,
    secondsPerEpoch: 12n * 32n,
  };
  const oracle = await deployContract(wallet, client, account, "CohortOracle", [
    pool.address,
    miniPools.address,
    registry.address,
    beaconClock.genesisTime,
    beaconClock.secondsPerEpoch,
  ]);
  if (miniPools.address !== miniPoolsAt || oracle.address !== oracleAt) {
    throw new Error("pool contracts landed at unexpected addresses: was another transaction sent from the deployer?");
  }
  const poolOracleLinked = governance === deployer;
  if (poolOracleLinked) {
    const hash = await wallet.writeContract({
      address: registry.address,
      abi: cohortRegistryAbi,
      functionName: "setPoolOracle",
      args: [oracle.address],
      account,
      chain: null,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`setPoolOracle failed (${hash})`);
  }

  // Sanity: the ABI the sdk exports is the one deployed (catches a stale generated file).
  await client.readContract({ address: registry.address, abi: cohortRegistryAbi, functionName: "token" });
  await client.readContract({ address: token.address, abi: cohortTokenAbi, functionName: "owner" });
  await client.readContract({ address: pool.address, abi: cohortPoolAbi, functionName: "miniPools" });

  return {
    chainId,
    rpcUrl,
    registry: registry.address,
    token: token.address,
    deployer,
    governance,
    blockNumber: registry.blockNumber,
    config,
    pool: pool.address,
    miniPools: miniPools.address,
    oracle: oracle.address,
    depositContract,
    poolConfig,
    beaconClock,
    poolOracleLinked,
  };
}
