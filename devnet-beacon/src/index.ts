/**
 * Launcher of the stand-in beacon chain (a stand-in, not a real client: no client of Electra or Fulu installs here).
 * Genesis is a few seconds ahead so the first slot starts after the API is up; every slot the chain's own
 * validators propose at its start and attest at a third of it, as real validator clients would.
 */
import type { AddressInfo } from "node:net";
import { ACTIVE_PRESET, PresetName } from "@lodestar/params";
import { createApiServer } from "./api.js";
import { StandInChain } from "./chain.js";
import { interopGenesisState, type StandInFork, standInChainConfig } from "./genesis.js";
import { OwnValidators } from "./validators.js";

export { StandInChain, StandInRejection } from "./chain.js";
export type { StandInFork } from "./genesis.js";
export { OwnValidators } from "./validators.js";

export interface StandInOptions {
  fork: StandInFork;
  /** 0 picks a free port. */
  port?: number;
  slotSeconds?: number;
  genesisValidators?: number;
  /** How many of the genesis validators (0..ownValidators-1) the stand-in runs itself. */
  ownValidators?: number;
  /** Seconds from now to genesis. */
  genesisDelaySeconds?: number;
  /** Spec SHARD_COMMITTEE_PERIOD (epochs before a validator may exit); small to test exits. */
  shardCommitteePeriod?: number;
  /**
   * With `fork: "fulu"`: the epoch Fulu starts (default 0, a Fulu genesis). A later epoch starts the chain at Electra
   * and upgrades it there, so validator clients meet the fork boundary.
   */
  fuluForkEpoch?: number;
  log?: (line: string) => void;
  /** Milliseconds since the epoch; tests pass a controlled clock to step slots deterministically. */
  nowMs?: () => number;
  /** false: no slot timers, the caller runs `own.propose(slot)` / `own.attest(slot)` itself (tests). */
  runSlots?: boolean;
}

export interface StandInBeacon {
  url: string;
  chain: StandInChain;
  own: OwnValidators;
  stop(): Promise<void>;
}

export class StandInConfigError extends Error {
  override readonly name = "StandInConfigError";
}

export async function startStandInBeacon(opts: StandInOptions): Promise<StandInBeacon> {
  if (ACTIVE_PRESET !== PresetName.minimal) {
    throw new StandInConfigError(
      `the stand-in beacon runs the minimal preset; set LODESTAR_PRESET=minimal before @lodestar/params is imported`,
    );
  }
  const slotSeconds = opts.slotSeconds ?? 2;
  const genesisValidators = opts.genesisValidators ?? 8;
  const own = opts.ownValidators ?? 4;
  if (own > genesisValidators) throw new StandInConfigError(`ownValidators (${own}) exceeds genesisValidators`);
  if (genesisValidators < 8) throw new StandInConfigError("at least 8 genesis validators, one per minimal-preset slot");
  const log = opts.log ?? (() => {});
  const config = standInChainConfig(opts.fork, slotSeconds, {
    ...(opts.shardCommitteePeriod === undefined ? {} : { SHARD_COMMITTEE_PERIOD: opts.shardCommitteePeriod }),
    ...(opts.fork === "fulu" && opts.fuluForkEpoch !== undefined ? { FULU_FORK_EPOCH: opts.fuluForkEpoch } : {}),
  });
  const nowMs = opts.nowMs ?? Date.now;
  const genesisTime = Math.floor(nowMs() / 1000) + (opts.genesisDelaySeconds ?? 2);
  const chain = new StandInChain(config, interopGenesisState(config, genesisValidators, genesisTime), nowMs);
  const validators = new OwnValidators(
    chain,
    Array.from({ length: own }, (_, i) => i),
  );
  const server = createApiServer(chain, log);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const slotMs = slotSeconds * 1000;
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const at = (ms: number, fn: () => void) => {
    const t = setTimeout(
      () => {
        timers.delete(t);
        if (stopped) return;
        try {
          fn();
        } catch (e) {
          log(`stand-in beacon: ${(e as Error).message}`);
        }
      },
      Math.max(0, ms - Date.now()),
    );
    timers.add(t);
  };
  const schedule = (slot: number) => {
    const start = genesisTime * 1000 + slot * slotMs;
    at(start, () => {
      if (validators.propose(slot)) log(`stand-in beacon: slot ${slot} proposed by its own validator`);
      schedule(slot + 1);
    });
    at(start + slotMs / 3, () => validators.attest(slot));
  };
  if (opts.runSlots !== false) schedule(1);
  log(`stand-in beacon (${opts.fork}, ${genesisValidators} validators, own 0..${own - 1}) at ${url}`);
  return {
    url,
    chain,
    own: validators,
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
