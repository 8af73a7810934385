/**
 * `npm run deploy -- --rpc-url URL --governance 0x… [--private-key-file FILE] [--out FILE] [--deploy-deposit-contract]`
 *
 * Deploys the Cohort contracts to any EVM chain through the same deployCohort the devnet uses, and writes the public
 * deployment record that the dapp build (VITE_DEPLOYMENT_FILE) and the operators' node configs read. On a public
 * network it recognises (by chain id) the pool points at the network's own beacon deposit contract and the oracle at
 * its beacon clock. Without --private-key-file the RPC's first unlocked account signs (anvil's test accounts).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Address, createPublicClient, getAddress, type Hex, http, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type BeaconClock, deployCohort } from "../contracts/deploy/deploy.js";
import { type DeploymentRecord, deploymentRecord } from "../contracts/deploy/record.js";
import { build } from "../contracts/scripts/build.js";
import { publicNetwork } from "../operator-node/src/preflight/networks.js";

export class DeployUsageError extends Error {
  override readonly name = "DeployUsageError";
}

const USAGE = `usage: npm run deploy -- --rpc-url URL --governance 0x… [--private-key-file FILE] [--out FILE]
                         [--deploy-deposit-contract]
  --private-key-file   a file holding the deployer's 0x private key (mode 0600); without it the RPC's first unlocked
                       account signs (local chains only)
  --out                where to write the deployment record (default deployments/<network>.json)
  --deploy-deposit-contract
                       deploy a beacon deposit contract even on a known public chain id (a local chain that borrows
                       the id, e.g. anvil --chain-id 560048); on a real network the network's own one is used`;

export async function main(argv: string[]): Promise<DeploymentRecord> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "rpc-url": { type: "string" },
      governance: { type: "string" },
      "private-key-file": { type: "string" },
      out: { type: "string" },
      "deploy-deposit-contract": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const rpcUrl = values["rpc-url"];
  if (!rpcUrl || !/^https?:\/\//.test(rpcUrl)) throw new DeployUsageError(`--rpc-url must be an http(s) URL\n${USAGE}`);
  const governanceInput = values.governance;
  if (!governanceInput || !isAddress(governanceInput)) {
    throw new DeployUsageError(`--governance must be the 0x address that will govern the contracts\n${USAGE}`);
  }
  const governance = getAddress(governanceInput);
  const account = values["private-key-file"]
    ? privateKeyToAccount(await readPrivateKey(values["private-key-file"]))
    : await unlockedAccount(rpcUrl);

  const client = createPublicClient({ transport: http(rpcUrl) });
  const chainId = await client.getChainId();
  const known = publicNetwork(chainId);
  let depositContract: Address | undefined;
  let beaconClock: BeaconClock | undefined;
  if (known && !values["deploy-deposit-contract"]) {
    const code = await client.getCode({ address: known.depositContract });
    if (!code || code === "0x") {
      throw new DeployUsageError(
        `chain id ${chainId} is ${known.name}'s, but ${known.name}'s deposit contract ${known.depositContract} is not on this chain; ` +
          "for a local chain that only borrows the id, pass --deploy-deposit-contract",
      );
    }
    depositContract = known.depositContract;
  }
  if (known) {
    // The oracle checks report epochs against the network's beacon clock, not the deployment block's time.
    beaconClock = {
      genesisTime: BigInt(known.genesisTime),
      secondsPerEpoch: BigInt(known.secondsPerSlot * known.slotsPerEpoch),
    };
  }
  const network = known?.name ?? `chain-${chainId}`;
  const out = resolve(values.out ?? `deployments/${network}.json`);

  await build({ quiet: true });
  process.stderr.write(
    `deploying to ${network} (chain id ${chainId}) from ${typeof account === "string" ? account : account.address}…\n`,
  );
  const deployed = await deployCohort({
    rpcUrl,
    account,
    governance,
    ...(depositContract ? { depositContract } : {}),
    ...(beaconClock ? { beaconClock } : {}),
  });
  const record = deploymentRecord(deployed, network);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(
    [
      `wrote ${out}`,
      `registry    ${record.registry}  (node config execution.registry)`,
      `deploy block ${record.deployBlock}  (node config execution.deployBlock)`,
      `mini-pools  ${record.miniPools}  (node config execution.miniPools)`,
      `token ${record.token}  pool ${record.pool}  oracle ${record.oracle}  deposit contract ${record.depositContract}`,
      record.poolOracleLinked
        ? "the registry accepts the oracle already"
        : `next: governance ${governance} calls registry.setPoolOracle(${record.oracle})`,
      `dapp: VITE_DEPLOYMENT_FILE=${out} VITE_CHAINS=${known ? known.name : "anvil"} npm run build:dapp`,
      "",
    ].join("\n"),
  );
  return record;
}

async function readPrivateKey(file: string): Promise<Hex> {
  const text = (
    await readFile(file, "utf8").catch(() => {
      throw new DeployUsageError(`${file}: cannot read the private key file`);
    })
  ).trim();
  const key = text.startsWith("0x") ? text : `0x${text}`;
  // Never echo the file's content, even in an error.
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new DeployUsageError(`${file}: expected one 32-byte hex private key`);
  return key as Hex;
}

async function unlockedAccount(rpcUrl: string): Promise<Address> {
  const accounts = await createPublicClient({ transport: http(rpcUrl) })
    .request({ method: "eth_accounts" } as never)
    .catch(() => [] as Address[]);
  const first = (accounts as Address[])[0];
  if (!first) throw new DeployUsageError("the RPC has no unlocked account: pass --private-key-file FILE");
  return getAddress(first);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const known = error instanceof DeployUsageError;
    process.stderr.write(`deploy: ${known ? (error as Error).message : (error as Error).stack}\n`);
    process.exit(1);
  });
}
