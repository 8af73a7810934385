/**
 * The chain half of the local devnet: anvil + Cohort contracts + 6 registered demo operators + funded test accounts.
 * Writes `<dir>/deployment.json` (public data for the dapp, the nodes and the e2e tests) and
 * `<dir>/operators/operator-<id>.json` (each operator's secret keys, mode 0600).
 *
 * With a `beacon`, the devnet first deploys the official deposit contract holding the beacon chain's genesis deposits
 * (deposit-genesis.ts), starts the beacon node through the callback, and deploys the pool system against that
 * contract and that beacon chain's clock, so a mini-pool's deposits become validators and the oracle's epochs are the
 * chain's. Anvil then mines an empty block every second besides its instant blocks per transaction: the beacon node
 * votes only for blocks in a time window behind its clock. Measured (40 transactions sent one after another, each
 * waiting for its receipt): ~25 ms per transaction with automine plus this ticker, ~990 ms with `--block-time 1`,
 * which would slow every deployment step, node transaction and test by a second.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  parseEventLogs,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { startAnvil } from "../../contracts/deploy/anvil.js";
import type { CohortConfig } from "../../contracts/deploy/config.js";
import { type BeaconClock, type Deployment, deployCohort } from "../../contracts/deploy/deploy.js";
import { type DeploymentRecord, deploymentRecord } from "../../contracts/deploy/record.js";
import { build } from "../../contracts/scripts/build.js";
import { cohortRegistryAbi, cohortTokenAbi } from "../../sdk/src/abi/index.js";
import { signIdentityProof } from "../../sdk/src/ownership/identity.js";
import { type DepositGenesis, deployDepositGenesis } from "./deposit-genesis.js";
import { generateOperatorKeys, writeOperatorKeyFile } from "./operatorKeys.js";

/** Anvil's default accounts come from this public test mnemonic; they are for local chains only. */
const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
const ACCOUNT_COUNT = 10;
const TOKEN = 10n ** 18n;
const MINT_PER_ACCOUNT = 1_000_000n * TOKEN;
/** Gas money for each node's identity address, from which it confirms DKGs and sends oracle reports. */
const IDENTITY_FUNDING = 10n * 10n ** 18n;

/** Demo operators, owned by anvil accounts 1–6 (account 0 deploys and governs). Fees in fee-token wei per block. */
const DEMO_OPERATORS = [
  { name: "Aurora Staking", fee: 1_000_000_000n },
  { name: "Borealis Nodes", fee: 1_500_000_000n },
  { name: "Cascade Validators", fee: 2_000_000_000n },
  { name: "Dune Infrastructure", fee: 2_500_000_000n },
  { name: "Ember Operations", fee: 1_200_000_000n },
  { name: "Fjord Validation", fee: 1_800_000_000n },
] as const;

/** Default p2p port of devnet operator 1; see `devnetP2PPort`. */
export const DEVNET_P2P_BASE_PORT = 9800;

/**
 * The one p2p port devnet operator `operatorId` (1-based) listens on: the chain registers
 * `/ip4/127.0.0.1/tcp/<this>` as its endpoint and the node's config must listen on the same port.
 */
export function devnetP2PPort(operatorId: number, basePort = DEVNET_P2P_BASE_PORT): number {
  return basePort + operatorId - 1;
}

export function devnetEndpoint(operatorId: number, basePort = DEVNET_P2P_BASE_PORT): string {
  return `/ip4/127.0.0.1/tcp/${devnetP2PPort(operatorId, basePort)}`;
}

/** Mainnet-like, except fee changes wait one minute instead of three days so they can be tried by hand. */
const DEVNET_PARAMS: Partial<CohortConfig> = {
  feeDeclareTimelock: 60n,
  feeExecutionWindow: 3_600n,
};

export interface DevnetOperator {
  id: number;
  name: string;
  owner: Address;
  fee: string;
  identityPublicKey: Hex;
  /** The Ethereum account of the identity key (= CohortMiniPools.identityAddress(id)), funded with 10 ETH. */
  identityAddress: Address;
  encryptionPublicKey: Hex;
  /** Multiaddrs registered on-chain for this operator's node. */
  endpoints: string[];
  /** Path of the file holding this operator's secret keys. */
  keyFile: string;
}

/** deployment.json: the record `npm run deploy` writes (JSON-safe), plus the devnet's RPC, operators and accounts. */
export interface DevnetDeployment extends DeploymentRecord {
  rpcUrl: string;
  operators: DevnetOperator[];
  accounts: Address[];
}

export interface Devnet {
  rpcUrl: string;
  /** anvil's process id. */
  pid: number;
  deployment: DevnetDeployment;
  stop(): Promise<void>;
}

export interface DevnetOptions {
  /** 0 picks a free port. */
  port?: number;
  dir?: string;
  host?: string;
  /** Base of the p2p ports registered as operator endpoints (`devnetP2PPort`). */
  p2pBasePort?: number;
  /** A beacon chain that follows this chain's deposits (see the file comment). */
  beacon?: DevnetBeacon;
}

export interface DevnetBeacon {
  /** Genesis validators of the beacon chain, whose deposits the contract must hold first. */
  readonly genesisValidators: number;
  /** Starts the beacon node following `deposits` and returns its clock (for the oracle). */
  start(deposits: DepositGenesis): Promise<BeaconClock>;
}

/** How often anvil mines an empty block while a beacon node follows it. */
const EMPTY_BLOCK_MS = 1_000;

export async function startDevnet({
  port = 8545,
  dir = ".devnet",
  host = "127.0.0.1",
  p2pBasePort = DEVNET_P2P_BASE_PORT,
  beacon,
}: DevnetOptions = {}): Promise<Devnet> {
  const outDir = resolve(dir);
  await build({ quiet: true });
  const anvil = await startAnvil({ port, host });
  try {
    let linked: { depositContract: Address; beaconClock: BeaconClock } | undefined;
    if (beacon) {
      const deposits = await deployDepositGenesis({
        rpcUrl: anvil.rpcUrl,
        account: devnetAccounts()[0]!,
        validators: beacon.genesisValidators,
      });
      anvil.mineEvery(EMPTY_BLOCK_MS);
      linked = { depositContract: deposits.depositContract, beaconClock: await beacon.start(deposits) };
    }
    const deployment = await setUpChain(anvil.rpcUrl, outDir, p2pBasePort, linked);
    return { rpcUrl: anvil.rpcUrl, pid: anvil.pid, deployment, stop: () => anvil.stop() };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

function devnetAccounts() {
  return Array.from({ length: ACCOUNT_COUNT }, (_, i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }));
}

async function setUpChain(
  rpcUrl: string,
  outDir: string,
  p2pBasePort: number,
  linked?: { depositContract: Address; beaconClock: BeaconClock },
): Promise<DevnetDeployment> {
  const accounts = devnetAccounts();
  const [governance] = accounts as [(typeof accounts)[number]];
  const deployed: Deployment = await deployCohort({ rpcUrl, account: governance, params: DEVNET_PARAMS, ...linked });

  const transport = http(rpcUrl);
  const client = createPublicClient({ transport, pollingInterval: 50 });
  const send = async (account: (typeof accounts)[number], request: Parameters<typeof client.simulateContract>[0]) => {
    const { request: prepared } = await client.simulateContract({ ...request, account });
    const hash = await createWalletClient({ account, transport }).writeContract(prepared);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${request.functionName} failed (${hash})`);
    return receipt;
  };

  // Start from a clean output: stale key files from an earlier chain would not match the new registry.
  await rm(join(outDir, "operators"), { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const operators: DevnetOperator[] = [];
  for (const [i, demo] of DEMO_OPERATORS.entries()) {
    const owner = accounts[i + 1]!;
    const keys = generateOperatorKeys();
    // Ids are handed out 1, 2, … on a fresh registry; checked against the event below.
    const expectedId = i + 1;
    const endpoints = [devnetEndpoint(expectedId, p2pBasePort)];
    const receipt = await send(owner, {
      address: deployed.registry,
      abi: cohortRegistryAbi,
      functionName: "registerOperator",
      args: [
        keys.identityPublicKey,
        keys.encryptionPublicKey,
        demo.name,
        demo.fee,
        endpoints,
        bytesToHex(
          signIdentityProof(hexToBytes(keys.identitySecretKey), {
            chainId: BigInt(deployed.chainId),
            registry: deployed.registry,
            owner: owner.address,
          }),
        ),
      ],
    });
    const [added] = parseEventLogs({ abi: cohortRegistryAbi, logs: receipt.logs, eventName: "OperatorAdded" });
    const id = Number(added!.args.operatorId);
    if (id !== expectedId) throw new Error(`devnet operator ${demo.name} got id ${id}, expected ${expectedId}`);
    const identityAddress = privateKeyToAccount(keys.identitySecretKey).address;
    const funding = await createWalletClient({ account: owner, transport }).sendTransaction({
      to: identityAddress,
      value: IDENTITY_FUNDING,
      chain: null,
    });
    await client.waitForTransactionReceipt({ hash: funding });
    const keyFile = await writeOperatorKeyFile(outDir, {
      operatorId: id,
      name: demo.name,
      owner: owner.address,
      ...keys,
    });
    operators.push({
      id,
      name: demo.name,
      owner: owner.address,
      fee: demo.fee.toString(),
      identityPublicKey: keys.identityPublicKey,
      identityAddress,
      encryptionPublicKey: keys.encryptionPublicKey,
      endpoints,
      keyFile,
    });
  }

  for (const account of accounts) {
    await send(governance, {
      address: deployed.token,
      abi: cohortTokenAbi,
      functionName: "mint",
      args: [account.address, MINT_PER_ACCOUNT],
    });
  }

  const deployment: DevnetDeployment = {
    ...deploymentRecord(deployed, "devnet"),
    rpcUrl,
    operators,
    accounts: accounts.map((a) => a.address),
  };
  await writeFile(join(outDir, "deployment.json"), `${JSON.stringify(deployment, null, 2)}\n`);
  return deployment;
}
