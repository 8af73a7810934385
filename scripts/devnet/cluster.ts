/**
 * The whole system on one machine: anvil + Cohort contracts (chain.ts), a Lodestar dev chain whose validators 0..3
 * Lodestar runs itself, genesis validators 4..7 registered as distributed validators of three overlapping committees
 * of the six demo operators (genesis-validators.ts), and the six operator nodes as processes (nodes.ts). Every start
 * is a new chain, so every start begins from empty node folders. `npm start` and the E2E tests use it.
 *
 * The two chains are linked as on a real network: the beacon chain follows the deposit contract on anvil (a deposit
 * there becomes a validator; deposit-genesis.ts, scripts/beacon/launch.ts `eth1`), the oracle's epochs are the beacon
 * chain's, and withdrawals in beacon blocks are credited on anvil (withdrawals.ts).
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { mnemonicToAccount } from "viem/accounts";
import { type Beacon, startBeacon } from "../beacon/launch.js";
import { type Devnet, type DevnetDeployment, startDevnet } from "./chain.js";
import { checkBeaconDepositRoot } from "./deposit-genesis.js";
import { registerGenesisValidators } from "./genesis-validators.js";
import { type DevnetNode, prepareNodes } from "./nodes.js";
import { creditWithdrawals, type WithdrawalCredits } from "./withdrawals.js";

const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
/** Anvil account 9 owns the genesis distributed validators (accounts 1–4 own the operators). */
const GENESIS_OWNER_ACCOUNT = 9;
/** The dev chain's genesis validators: 0..3 run inside Lodestar, 4..7 are the devnet's distributed validators. */
const GENESIS_VALIDATORS = 8;

/**
 * Genesis validators 4..7 spread over three committees of four out of six operators, so every operator serves two
 * committees and every committee shares members with the others.
 */
export const DEVNET_COMMITTEES: readonly {
  readonly operators: readonly number[];
  readonly indices: readonly number[];
}[] = [
  { operators: [1, 2, 3, 4], indices: [4, 5] },
  { operators: [3, 4, 5, 6], indices: [6] },
  { operators: [1, 2, 5, 6], indices: [7] },
];

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
  /** Chain config overrides for the beacon node (`--params.KEY value`), e.g. `{ SHARD_COMMITTEE_PERIOD: 0 }`. */
  readonly beaconParams?: Readonly<Record<string, string | number>>;
  readonly log?: (line: string) => void;
}

export interface Cluster {
  readonly devnet: Devnet;
  readonly beacon: Beacon;
  /** Withdrawals of the beacon chain's blocks credited on anvil. */
  readonly withdrawals: WithdrawalCredits;
  readonly nodes: readonly DevnetNode[];
  /** The deployment as written to `<dir>/deployment.json`, with `nodeApis` (operator id → API URL) and `beaconUrl`. */
  readonly deployment: ClusterDeployment;
  /** In DEVNET_COMMITTEES order: validators 4, 5, 6, 7. */
  readonly validatorPublicKeys: readonly `0x${string}`[];
  /**
   * Reports the first process of the system (a node, Lodestar or anvil) that exits, with its cause and the last lines
   * of its log, once; returns the unsubscribe function.
   */
  watch(onDeath: (death: ProcessDeath) => void): () => void;
  /** Resolves once every node answers /health with 200; rejects after `timeoutMs`. */
  waitHealthy(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ProcessDeath {
  readonly name: string;
  readonly cause: string;
  readonly lastLines: readonly string[];
}

export interface ClusterDeployment extends DevnetDeployment {
  beaconUrl: string;
  nodeApis: Record<string, string>;
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const dir = resolve(o.dir);
  const say = o.log ?? (() => {});
  say("starting the EVM chain with the deposit contract and the beacon chain's genesis deposits…");
  let beacon: Beacon | undefined;
  let devnet: Devnet;
  try {
    devnet = await startDevnet({
      port: o.rpcPort ?? 8545,
      dir,
      ...(o.p2pBasePort ? { p2pBasePort: o.p2pBasePort } : {}),
      beacon: {
        genesisValidators: GENESIS_VALIDATORS,
        start: async (deposits) => {
          say(
            `starting the Lodestar dev chain following deposit contract ${deposits.depositContract} ` +
              "(validators 0..3 run inside Lodestar)…",
          );
          beacon = await startBeacon({
            dataDir: join(dir, "beacon"),
            restPort: o.beaconPort ?? 0,
            genesisValidators: GENESIS_VALIDATORS,
            ...(o.beaconParams ? { params: o.beaconParams } : {}),
            eth1: deposits,
          });
          await checkBeaconDepositRoot(beacon.url, deposits);
          say(`deposit root ${deposits.depositRoot} (${deposits.depositCount} deposits) is the beacon genesis's`);
          say("deploying the contracts…");
          return {
            genesisTime: BigInt(beacon.genesisTime),
            secondsPerEpoch: BigInt(beacon.secondsPerSlot * beacon.slotsPerEpoch),
          };
        },
      },
    });
  } catch (error) {
    await beacon?.stop();
    throw error;
  }
  let withdrawals: WithdrawalCredits | undefined;
  let nodes: DevnetNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await withdrawals?.stop();
    await beacon?.stop();
    await devnet.stop();
  };
  try {
    if (!beacon) throw new Error("the devnet did not start its beacon node");
    withdrawals = await creditWithdrawals({
      beaconUrl: beacon.url,
      rpcUrl: devnet.rpcUrl,
      pollMs: beacon.secondsPerSlot * 1000,
      log: say,
    });
    const { deployment } = devnet;
    const validatorPublicKeys: `0x${string}`[] = [];
    for (const c of DEVNET_COMMITTEES) {
      say(`registering genesis validators ${c.indices.join(", ")} with operators ${c.operators.join(", ")} (3-of-4)…`);
      const operators = c.operators.map((id) => {
        const op = deployment.operators.find((o) => o.id === id);
        if (!op) throw new Error(`the devnet has no operator ${id}`);
        return op;
      });
      validatorPublicKeys.push(
        ...(await registerGenesisValidators({
          rpcUrl: devnet.rpcUrl,
          registry: deployment.registry,
          token: deployment.token,
          chainId: deployment.chainId,
          owner: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: GENESIS_OWNER_ACCOUNT }),
          operators,
          indices: c.indices,
        })),
      );
    }
    // A node folder from an earlier start holds the state of a chain that no longer exists (its SQLite file has that
    // chain's operators and checkpoints): every start is a new chain, so it starts from empty folders.
    await rm(join(dir, "nodes"), { recursive: true, force: true });
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
      say(`starting operator nodes ${nodes.map((n) => n.operatorId).join(", ")}…`);
      for (const n of nodes) n.start();
    }
    const running = beacon;
    const watch = (onDeath: (d: ProcessDeath) => void) => {
      let reported = false;
      const report = async (name: string, cause: string, lines: () => Promise<string[]>) => {
        if (reported) return;
        reported = true;
        onDeath({ name, cause, lastLines: await lines() });
      };
      const offs = [
        ...nodes.map((n) =>
          n.onExit((cause) => void report(`operator node ${n.operatorId}`, cause, () => n.lastLogLines(15))),
        ),
        running.onExit((cause) => void report("Lodestar", cause, () => tail(running.logFile, 15))),
      ];
      // anvil is not our child here: its process is polled.
      const anvilPoll = setInterval(() => {
        try {
          process.kill(devnet.pid, 0);
        } catch {
          void report("anvil", "is gone", async () => []);
        }
      }, 1000);
      return () => {
        clearInterval(anvilPoll);
        for (const off of offs) off();
      };
    };
    const waitHealthy = async (timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      const pending = new Set(nodes);
      while (pending.size > 0) {
        for (const n of [...pending]) {
          const res = await fetch(`${n.apiUrl}/health`).catch(() => undefined);
          if (res?.ok) pending.delete(n);
        }
        if (pending.size === 0) return;
        if (Date.now() > deadline) {
          const names = [...pending].map((n) => n.operatorId).join(", ");
          throw new Error(`operator nodes ${names} did not answer /health within ${timeoutMs / 1000} s`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    return { devnet, beacon, withdrawals, nodes, deployment: full, validatorPublicKeys, watch, waitHealthy, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function tail(file: string, n: number): Promise<string[]> {
  try {
    return (await readFile(file, "utf8")).trimEnd().split("\n").slice(-n);
  } catch {
    return [];
  }
}
