import { CohortError, openShare, zeroize } from "@cohort/sdk";
import type { Address, PublicClient } from "viem";
import type { NodeConfigFile } from "../config/node-config.js";
import { type Logger, reasonOf, silentLogger } from "../log.js";
import type { ChainState } from "../store/chain-state.js";
import { decodeRegistryLogs, type RegistryEvent } from "./events.js";

export interface ChainSyncConfig {
  /** Only the two calls the sync makes, so any viem client (or a test double of one) fits. */
  client: Pick<PublicClient, "getBlockNumber" | "getLogs">;
  registry: Address;
  chainId: bigint;
  operatorId: bigint;
  /** The node's X25519 secret: used to prove each new share decrypts, never stored by the sync. */
  encryptionSecret: Uint8Array;
  /** Blocks a log must be buried under before it is applied (reorg safety). */
  confirmations: number;
  /** Where to start on a fresh database: the registry's deployment block. */
  deployBlock: bigint;
  /** Largest block range per eth_getLogs call. */
  batchBlocks?: bigint;
  log?: Logger;
}

/** The node's judgement of a registration naming it: its share index, or why it refuses to serve it. */
type Verdict = { shareIndex: number; refusal: null } | { shareIndex: null; refusal: string };

/**
 * Follows the registry's events into `ChainState`. Each batch of confirmed blocks is applied in one SQLite
 * transaction together with the new checkpoint, so a crash re-applies a whole batch or none of it, and a restart
 * resumes at the checkpoint. Cryptographic checks (async) run before that transaction (sync).
 */
/** The sync a node's configuration file asks for (`start` and `check` replay the registry the same way). */
export function chainSyncOf(
  state: ChainState,
  cfg: NodeConfigFile,
  ctx: { client: ChainSyncConfig["client"]; chainId: bigint; encryptionSecret: Uint8Array; log?: Logger },
): ChainSync {
  return new ChainSync(state, {
    client: ctx.client,
    registry: cfg.execution.registry,
    chainId: ctx.chainId,
    operatorId: cfg.operatorId,
    encryptionSecret: ctx.encryptionSecret,
    confirmations: cfg.execution.confirmations,
    deployBlock: cfg.execution.deployBlock,
    ...(ctx.log ? { log: ctx.log } : {}),
  });
}

export class ChainSync {
  private readonly log: Logger;

  constructor(
    private readonly state: ChainState,
    private readonly config: ChainSyncConfig,
  ) {
    this.log = config.log ?? silentLogger;
  }

  /** Applies confirmed blocks until caught up; returns the number of events applied. */
  async syncToHead(): Promise<number> {
    // cacheTime 0: viem otherwise serves a cached head for its polling interval, and the sync would lag behind.
    const head = await this.config.client.getBlockNumber({ cacheTime: 0 });
    const safe = head - BigInt(this.config.confirmations);
    const backfillTo = this.state.feeRecipientBackfillTo();
    if (backfillTo !== undefined) await this.backfillFeeRecipients(backfillTo);
    let applied = 0;
    for (;;) {
      const from = (this.state.checkpoint() ?? this.config.deployBlock - 1n) + 1n;
      if (from > safe) return applied;
      const to = minBigint(safe, from + (this.config.batchBlocks ?? 2000n) - 1n);
      const logs = await this.config.client.getLogs({ address: this.config.registry, fromBlock: from, toBlock: to });
      const events = decodeRegistryLogs(logs);
      const verdicts = await this.judge(events);
      this.state.db
        .transaction(() => {
          for (const event of events) this.apply(event, verdicts.get(event));
          this.state.setCheckpoint(to);
        })
        .immediate();
      applied += events.length;
      if (events.length > 0) this.log.info("chain events applied", { from, to, events: events.length });
    }
  }

  /** Polls until `signal` aborts; RPC failures are logged and retried with backoff, never fatal. */
  async run(signal: AbortSignal, intervalMs = 2000): Promise<void> {
    let backoff = intervalMs;
    while (!signal.aborted) {
      try {
        await this.syncToHead();
        backoff = intervalMs;
      } catch (error) {
        backoff = Math.min(backoff * 2, 60_000);
        this.log.warn("chain sync failed; retrying", { error: describe(error), retryInMs: backoff });
      }
      await sleep(backoff, signal);
    }
  }

  /**
   * A database synced before fee recipients were followed (the migration leaves a marker at its checkpoint) passed
   * their events unread: those blocks are read once more, for fee recipients only, in one transaction with the
   * marker's removal.
   */
  private async backfillFeeRecipients(to: bigint): Promise<void> {
    const batch = this.config.batchBlocks ?? 2000n;
    const events: RegistryEvent[] = [];
    for (let from = this.config.deployBlock; from <= to; from += batch) {
      const logs = await this.config.client.getLogs({
        address: this.config.registry,
        fromBlock: from,
        toBlock: minBigint(to, from + batch - 1n),
      });
      events.push(...decodeRegistryLogs(logs));
    }
    this.state.db
      .transaction(() => {
        for (const event of events) followFeeRecipient(this.state, event);
        this.state.feeRecipientBackfillDone();
      })
      .immediate();
    this.log.info("fee recipients read from the blocks synced before they were followed", { to });
  }

  private async judge(events: RegistryEvent[]): Promise<Map<RegistryEvent, Verdict>> {
    const verdicts = new Map<RegistryEvent, Verdict>();
    for (const event of events) {
      if (event.kind !== "ValidatorAdded" && event.kind !== "ValidatorCommitteeChanged") continue;
      if (!event.operatorIds.includes(this.config.operatorId)) continue;
      verdicts.set(event, await this.openOwnShare(event));
    }
    return verdicts;
  }

  private async openOwnShare(
    event: Extract<RegistryEvent, { kind: "ValidatorAdded" | "ValidatorCommitteeChanged" }>,
  ): Promise<Verdict> {
    const { chainId, registry, operatorId, encryptionSecret } = this.config;
    const registration = { ...event, chainId, registry };
    try {
      const share = await openShare(registration, operatorId, encryptionSecret);
      zeroize(share.secret);
      return { shareIndex: share.index, refusal: null };
    } catch (error) {
      const refusal = describe(error);
      this.log.warn("refused a validator registration", {
        validator: hexOf(event.publicKey),
        owner: event.owner,
        block: event.blockNumber,
        reason: refusal,
      });
      return { shareIndex: null, refusal };
    }
  }

  private apply(event: RegistryEvent, verdict: Verdict | undefined): void {
    const s = this.state;
    const tracked = "publicKey" in event ? s.validator(event.publicKey) : undefined;
    followFeeRecipient(s, event);
    switch (event.kind) {
      case "OperatorAdded":
        s.upsertOperator({
          id: event.operatorId,
          owner: event.owner,
          identityKey: event.identityKey,
          encryptionKey: event.encryptionKey,
          name: event.name,
          active: true,
        });
        return;
      case "OperatorRemoved":
        s.deactivateOperator(event.operatorId);
        return;
      case "OperatorEndpointsUpdated":
        s.setOperatorEndpoints(event.operatorId, event.endpoints);
        return;
      case "ValidatorAdded":
      case "ValidatorCommitteeChanged":
        if (verdict) {
          s.putValidator({
            publicKey: event.publicKey,
            owner: event.owner,
            operatorIds: event.operatorIds,
            nonce: event.nonce,
            payload: event.payload,
            shareIndex: verdict.shareIndex,
            status: verdict.refusal ? "refused" : "active",
            statusBlock: event.blockNumber,
            refusal: verdict.refusal,
            movedInBlock: event.kind === "ValidatorCommitteeChanged" ? event.blockNumber : null,
            handoverEpoch: null,
          });
        } else if (tracked) {
          s.setStatus(event.publicKey, "moved", event.blockNumber);
        }
        return;
      case "ValidatorRemoved":
        if (tracked) s.setStatus(event.publicKey, "removed", event.blockNumber);
        return;
      case "ValidatorExitRequested":
        if (tracked?.status === "active") s.setStatus(event.publicKey, "exit_requested", event.blockNumber);
        return;
      case "CommitteeLiquidated":
        for (const v of s.committeeValidators(event.owner, event.operatorIds)) {
          if (v.status === "active" || v.status === "exit_requested")
            s.setStatus(v.publicKey, "liquidated", event.blockNumber);
        }
        return;
      case "CommitteeReactivated":
        for (const v of s.committeeValidators(event.owner, event.operatorIds)) {
          if (v.status === "liquidated") s.setStatus(v.publicKey, "active", event.blockNumber);
        }
        return;
      case "FeeRecipientUpdated":
        return; // followFeeRecipient
    }
  }
}

/**
 * The fee-recipient part of an event, as the registry keeps it: the owner's choice until the key is removed, a new
 * registration starting from its owner (the default), a move keeping it. Kept for every key, not only ours: a
 * validator may move into one of our committees later.
 */
function followFeeRecipient(s: ChainState, event: RegistryEvent): void {
  if (event.kind === "FeeRecipientUpdated") s.setFeeRecipient(event.publicKey, event.feeRecipient);
  else if (event.kind === "ValidatorAdded" || event.kind === "ValidatorRemoved") s.clearFeeRecipient(event.publicKey);
}

function describe(error: unknown): string {
  if (error instanceof CohortError) return `${error.code}: ${error.shortMessage}`;
  return error instanceof Error ? reasonOf(error) : "unknown error";
}

const hexOf = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
const minBigint = (a: bigint, b: bigint) => (a < b ? a : b);

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
