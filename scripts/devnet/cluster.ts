/**
 * The whole system on one machine: anvil + Cohort contracts (chain.ts), a Lodestar dev chain whose validators 0..3
 * Lodestar runs itself, genesis validators 4..7 registered as distributed validators of operators 1..4
 * (genesis-validators.ts), and the four operator nodes as processes (nodes.ts). `npm start` and the E2E tests use it.
 */
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { mnemonicToAccount } from "viem/accounts";
import { type Beacon, startBeacon } from "../beacon/launch.js";
import { type Devnet, type DevnetDeployment, startDevnet } from "./chain.js";
import { registerGenesisValidators } from "./genesis-validators.js";
import { type DevnetNode, prepareNodes } from "./nodes.js";

const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
/** Anvil account 9 owns the genesis distributed validators (accounts 1–4 own the operators). */
const GENESIS_OWNER_ACCOUNT = 9;

export interface ClusterOptions {
  readonly dir: string;
  /** EVM JSON-RPC port; 0 picks a free one. */
  readonly rpcPort?: number;
  /** Beacon REST port; 0 picks a free one. */
  readonly beaconPort?: number;
  readonly p2pBasePort?: number;
  readonly apiBasePort?: number;
  /** Start the node processes (default true); tests may start them one by one. */
  readonly startNodes?: boolean;
  readonly log?: (line: string) => void;
}

export interface Cluster {
  readonly devnet: Devnet;
  readonly beacon: Beacon;
  readonly nodes: readonly DevnetNode[];
  /** The deployment as written to `<dir>/deployment.json`, with `nodeApis` (operator id → API URL) and `beaconUrl`. */
  readonly deployment: ClusterDeployment;
  readonly validatorPublicKeys: readonly `0x${string}`[];
  stop(): Promise<void>;
}

export interface ClusterDeployment extends DevnetDeployment {
  beaconUrl: string;
  nodeApis: Record<string, string>;
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const dir = resolve(o.dir);
  const say = o.log ?? (() => {});
  say("starting the EVM chain and deploying the contracts…");
  const devnet = await startDevnet({ port: o.rpcPort ?? 8545, dir });
  let beacon: Beacon | undefined;
  let nodes: DevnetNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await beacon?.stop();
    await devnet.stop();
  };
  try {
    say("starting the Lodestar dev chain (validators 0..3 run inside Lodestar)…");
    beacon = await startBeacon({ dataDir: join(dir, "beacon"), restPort: o.beaconPort ?? 0 });
    say("registering genesis validators 4..7 with operators 1..4 (keystore → 3-of-4 split → registry)…");
    const { deployment } = devnet;
    const validatorPublicKeys = await registerGenesisValidators({
      rpcUrl: devnet.rpcUrl,
      registry: deployment.registry,
      token: deployment.token,
      chainId: deployment.chainId,
      owner: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: GENESIS_OWNER_ACCOUNT }),
      operators: deployment.operators,
    });
    nodes = await prepareNodes({
      dir: join(dir, "nodes"),
      deployment,
      beaconUrl: beacon.url,
      ...(o.p2pBasePort ? { p2pBasePort: o.p2pBasePort } : {}),
      ...(o.apiBasePort ? { apiBasePort: o.apiBasePort } : {}),
    });
    const full: ClusterDeployment = {
      ...deployment,
      beaconUrl: beacon.url,
      nodeApis: Object.fromEntries(nodes.map((n) => [String(n.operatorId), n.apiUrl])),
    };
    await writeFile(join(dir, "deployment.json"), `${JSON.stringify(full, null, 2)}\n`);
    if (o.startNodes !== false) {
      say("starting operator nodes 1..4…");
      for (const n of nodes) n.start();
    }
    return { devnet, beacon, nodes, deployment: full, validatorPublicKeys, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
