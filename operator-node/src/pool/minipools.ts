/**
 * Mini-pools naming this operator: follow the contract's events, run the committee's DKG for each attempt, keep the
 * resulting share sealed to our own key, and confirm the result on-chain from the node's identity address (or report
 * the culprits of a failed ceremony, so the initiator can retry). Once Ready, the validator is served like any other
 * (`servedValidators`): the same committee node, consensus and slashing protection.
 *
 * Crash safety: a ceremony is marked `started` before its first frame and `sealed` together with its key, so after
 * a crash a node never reruns a ceremony id its peers have finished, and a sealed key is confirmed on the next poll.
 *
 * Exits: the initiator (or governance) asks the contract, which moves the mini-pool to Exiting and emits
 * ExitRequested; every member then signs the voluntary exit (`requestExits`), as for a registry validator whose owner
 * asked. The request is not kept in the database: the contract's state is the record, read once at start for the
 * funded mini-pools (a request may predate the checkpoint), then followed through the events. MiniPoolExited (the
 * reports showed a zero balance) ends the service of the key.
 */
import { cohortMiniPoolsAbi, decryptShare, equalBytes, publicKeyOf, thresholdOf, zeroize } from "@cohort/sdk";
import {
  type Account,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  type Log,
  type PublicClient,
  parseEventLogs,
} from "viem";
import type { OpenedValidatorShare, ServedValidator } from "../chain/committees.js";
import { Secp256k1Signer, wasmSecp256k1Verifier } from "../consensus/crypto.js";
import { runDkg, sealDkgShare } from "../dkg/index.js";
import { type Logger, reasonOf } from "../log.js";
import type { MiniPoolRecord, MiniPoolStore } from "../store/minipools.js";
import type { Transport } from "../workflow.js";

export interface MiniPoolServiceConfig {
  readonly client: Pick<
    PublicClient,
    "getBlockNumber" | "getLogs" | "readContract" | "simulateContract" | "waitForTransactionReceipt"
  >;
  readonly rpcUrl: string;
  readonly miniPools: Address;
  readonly chainId: bigint;
  readonly operatorId: bigint;
  /** The node's identity account (its secret is the identity key): sends confirmDkg / reportDkgFailure. */
  readonly account: Account;
  readonly identitySecret: Uint8Array;
  readonly encryptionSecret: Uint8Array;
  readonly encryptionPublicKey: Uint8Array;
  readonly confirmations: number;
  readonly deployBlock: bigint;
  /** Registered identity keys (from the registry sync); a mini-pool with an unknown member waits. */
  readonly identityKeyOf: (operatorId: bigint) => Uint8Array | undefined;
  /** The node's DKG channel for one operator set (identity keys in member order), on its one host. */
  readonly dkgChannel: (committee: readonly Uint8Array[]) => Transport;
  /** GENESIS_FORK_VERSION of the beacon chain the deposit is for (its domain). */
  readonly forkVersion: Uint8Array;
  /** Per DKG round. */
  readonly deadlineMs: number;
  readonly log: Logger;
}

/** MiniPoolState.Exiting in PoolTypes.sol: exit requested, balance not yet withdrawn. */
const MINIPOOL_EXITING = 7;

/** A funded mini-pool of ours whose exit the contract has requested. */
export interface MiniPoolExit {
  readonly miniPoolId: bigint;
  readonly publicKey: Uint8Array;
  /** Ascending, as committees are keyed. */
  readonly operatorIds: readonly bigint[];
}

export class MiniPoolService {
  private readonly running = new Set<string>();
  private readonly ceremonies = new Set<Promise<void>>();
  private stopped = false;
  /** Mini-pools (ours, funded) in the contract's Exiting state. */
  private readonly exiting = new Set<bigint>();
  /** Exits handed to the node in this process; one that fails is removed and handed again. */
  private readonly exitsStarted = new Set<bigint>();
  private exitScanDone = false;

  constructor(
    private readonly store: MiniPoolStore,
    private readonly cfg: MiniPoolServiceConfig,
  ) {}

  /**
   * Applies confirmed events, starts due ceremonies, resends pending confirmations. True when served keys or due exits
   * changed (the node then re-plans and hands new exits over).
   */
  async poll(): Promise<boolean> {
    const before = this.fingerprint();
    await this.syncEvents();
    if (!this.exitScanDone) await this.scanExits();
    for (const m of this.store.all()) this.advance(m);
    return this.fingerprint() !== before;
  }

  /** Our funded mini-pools whose exit was requested on-chain and that have not exited yet. */
  exitsDue(): MiniPoolExit[] {
    const due: MiniPoolExit[] = [];
    for (const id of this.exiting) {
      const m = this.store.get(id);
      if (m?.phase !== "active" || !m.validatorPubkey) continue;
      due.push({ miniPoolId: id, publicKey: m.validatorPubkey, operatorIds: m.operatorIds });
    }
    return due;
  }

  /**
   * Hands each due exit to `exit` (the node's voluntary-exit duty) once per process, when `serves` says this node
   * runs the validator now; a failed one is handed again on the next call. The beacon node dedups submissions, so a
   * restart handing it again is harmless.
   */
  requestExits(exit: (publicKey: Uint8Array) => Promise<unknown>, serves: (e: MiniPoolExit) => boolean): void {
    for (const e of this.exitsDue()) {
      if (this.exitsStarted.has(e.miniPoolId) || !serves(e)) continue;
      this.exitsStarted.add(e.miniPoolId);
      const validator = hex(e.publicKey);
      exit(e.publicKey).then(
        () => this.cfg.log.info("mini-pool voluntary exit submitted", { miniPool: e.miniPoolId, validator }),
        (error: unknown) => {
          this.exitsStarted.delete(e.miniPoolId);
          this.cfg.log.warn("mini-pool voluntary exit failed; retrying", {
            miniPool: e.miniPoolId,
            validator,
            reason: reasonOf(error),
          });
        },
      );
    }
  }

  /**
   * Once per process: which of our funded mini-pools are Exiting, as of the synced checkpoint (the events after it
   * add the later requests), since requests older than the checkpoint are not replayed.
   */
  private async scanExits(): Promise<void> {
    const blockNumber = this.store.checkpoint();
    if (blockNumber === undefined) return; // nothing synced yet: every request is still ahead in the events
    for (const m of this.store.all()) {
      if (m.phase !== "active") continue;
      const view = await this.cfg.client.readContract({
        address: this.cfg.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "miniPool",
        args: [m.id],
        blockNumber,
      });
      if (view.state === MINIPOOL_EXITING) this.exiting.add(m.id);
    }
    this.exitScanDone = true;
  }

  /** DKG validators of Ready or Active mini-pools: the key of the attempt the contract accepted. */
  servedValidators(): ServedValidator[] {
    const served: ServedValidator[] = [];
    for (const m of this.store.all()) {
      if (m.phase !== "ready" && m.phase !== "active") continue;
      const key = this.store.key(m.id, m.attempt);
      if (!key || !m.validatorPubkey || !equalBytes(key.validatorPubkey, m.validatorPubkey)) continue;
      served.push({
        publicKey: key.validatorPubkey,
        operatorIds: m.operatorIds,
        serving: true,
        open: () => this.openKey(key.validatorPubkey, key.shareIndex, key.sealed, key.sharePublicKeys, key.threshold),
      });
    }
    return served;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.ceremonies]);
  }

  private fingerprint(): string {
    const served = this.servedValidators().map((v) => Buffer.from(v.publicKey).toString("hex"));
    return `${served.join(",")}|${this.exitsDue()
      .map((e) => e.miniPoolId)
      .join(",")}`;
  }

  private async syncEvents(): Promise<void> {
    const head = await this.cfg.client.getBlockNumber({ cacheTime: 0 });
    const safe = head - BigInt(this.cfg.confirmations);
    const from = (this.store.checkpoint() ?? this.cfg.deployBlock - 1n) + 1n;
    if (from > safe) return;
    const logs = await this.cfg.client.getLogs({ address: this.cfg.miniPools, fromBlock: from, toBlock: safe });
    this.store.db
      .transaction(() => {
        for (const event of parseEventLogs({ abi: cohortMiniPoolsAbi, logs: logs as Log[] })) this.apply(event);
        this.store.setCheckpoint(safe);
      })
      .immediate();
  }

  private apply(event: MiniPoolEvent): void {
    if (event.eventName === "ExitRequested") {
      // Only Active mini-pools can be asked to exit, so ours has its key and is funded.
      if (this.store.get(event.args.id)?.phase === "active") this.exiting.add(event.args.id);
      return;
    }
    if (event.eventName === "MiniPoolExited") this.exiting.delete(event.args.id);
    if (event.eventName === "MiniPoolCreated") {
      const ids = [...event.args.operatorIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (!ids.includes(this.cfg.operatorId)) return;
      this.store.put({ id: event.args.id, operatorIds: ids, attempt: 0, phase: "awaiting_dkg", validatorPubkey: null });
      return;
    }
    const id = "id" in event.args ? event.args.id : undefined;
    const m = id === undefined ? undefined : this.store.get(id);
    const next = m && nextState(m, event);
    if (next) this.store.put(next);
  }

  /** One step for a mini-pool of ours: start its ceremony, or confirm a sealed key the contract has not seen. */
  private advance(m: MiniPoolRecord): void {
    if (m.phase !== "awaiting_dkg" || this.stopped) return;
    const tag = `${m.id}/${m.attempt}`;
    if (this.running.has(tag)) return;
    const ceremony = this.store.ceremony(m.id, m.attempt);
    if (ceremony?.outcome === "started") {
      // We crashed mid-ceremony: the peers have finished this id without us; the initiator retries.
      this.store.setCeremony(m.id, m.attempt, "abandoned", "the node restarted during this ceremony");
      this.cfg.log.warn("abandoned a DKG ceremony interrupted by a restart", { miniPool: m.id, attempt: m.attempt });
      return;
    }
    if (ceremony && ceremony.outcome !== "sealed") return;
    this.track(tag, ceremony?.outcome === "sealed" ? this.confirm(m) : this.ceremony(m));
  }

  private track(tag: string, work: Promise<void>): void {
    this.running.add(tag);
    const done = work
      .catch((e: unknown) =>
        this.cfg.log.error("mini-pool step failed; retrying on the next poll", { tag, reason: reasonOf(e) }),
      )
      .finally(() => {
        this.running.delete(tag);
        this.ceremonies.delete(done);
      });
    this.ceremonies.add(done);
  }

  private async ceremony(m: MiniPoolRecord): Promise<void> {
    const committee = m.operatorIds.map((id) => this.cfg.identityKeyOf(id));
    if (committee.some((k) => !k)) return; // the registry sync has not seen every member yet: next poll
    const withdrawalCredentials = hexToBytes(
      (await this.cfg.client.readContract({
        address: this.cfg.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName: "withdrawalCredentials",
      })) as Hex,
    );
    this.store.setCeremony(m.id, m.attempt, "started");
    const self = m.operatorIds.indexOf(this.cfg.operatorId);
    const channel = this.cfg.dkgChannel(committee as Uint8Array[]);
    this.cfg.log.info("DKG ceremony started", { miniPool: m.id, attempt: m.attempt, member: self });
    const result = await runDkg({
      channel,
      self,
      committee: committee as Uint8Array[],
      ceremonyId: { miniPoolId: m.id, attempt: m.attempt },
      withdrawalCredentials,
      // The contract deposits PRE_DEPOSIT of the bond first: that first deposit is the one the beacon chain checks.
      depositGwei:
        (await this.cfg.client.readContract({
          address: this.cfg.miniPools,
          abi: cohortMiniPoolsAbi,
          functionName: "PRE_DEPOSIT",
        })) / 1_000_000_000n,
      forkVersion: this.cfg.forkVersion,
      identitySigner: new Secp256k1Signer(this.cfg.identitySecret),
      identityVerifier: wasmSecp256k1Verifier,
      deadlineMs: this.cfg.deadlineMs,
      log: this.cfg.log,
    });
    if (!result.ok) {
      const culprits = result.culprits.map((i) => m.operatorIds[i]!);
      this.store.setCeremony(m.id, m.attempt, "failed", result.reason);
      this.cfg.log.warn("DKG ceremony failed", {
        miniPool: m.id,
        attempt: m.attempt,
        reason: result.reason,
        culprits: culprits.map(String),
      });
      await this.send("reportDkgFailure", [m.id, culprits]);
      return;
    }
    try {
      const sealed = await sealDkgShare(result.share, result.validatorPubkey, this.sealContext());
      this.store.putKey({
        validatorPubkey: result.validatorPubkey,
        miniPoolId: m.id,
        attempt: m.attempt,
        shareIndex: sealed.shareIndex,
        sealed: sealed.encrypted,
        sharePublicKeys: result.sharePublicKeys,
        threshold: thresholdOf(result.sharePublicKeys.length as 4 | 7 | 10 | 13),
        depositSignature: result.depositSignature,
        depositDataRoot: result.depositDataRoot,
      });
    } finally {
      result.share.zeroize();
    }
    this.cfg.log.info("DKG ceremony succeeded", {
      miniPool: m.id,
      attempt: m.attempt,
      validator: hex(result.validatorPubkey),
    });
    await this.confirm(m);
  }

  private async confirm(m: MiniPoolRecord): Promise<void> {
    const key = this.store.key(m.id, m.attempt);
    if (!key) return;
    const sent = await this.send("confirmDkg", [
      m.id,
      hex(key.validatorPubkey),
      hex(key.depositSignature),
      hex(key.depositDataRoot),
    ]);
    if (sent !== "refused") this.store.setCeremony(m.id, m.attempt, "confirmed", sent);
  }

  /** Simulates first, so a revert is a named contract error in the log rather than a failed transaction. */
  private async send(functionName: "confirmDkg" | "reportDkgFailure", args: readonly unknown[]): Promise<string> {
    try {
      const { request } = await this.cfg.client.simulateContract({
        address: this.cfg.miniPools,
        abi: cohortMiniPoolsAbi,
        functionName,
        args,
        account: this.cfg.account,
        // biome-ignore lint/suspicious/noExplicitAny: args are checked by viem against the ABI at run time
      } as any);
      const wallet = createWalletClient({ account: this.cfg.account, transport: http(this.cfg.rpcUrl) });
      const hash = await wallet.writeContract(request);
      const receipt = await this.cfg.client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${functionName} reverted in block ${receipt.blockNumber}`);
      this.cfg.log.info(`${functionName} sent`, { tx: hash });
      return hash;
    } catch (error) {
      const revert = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
      const name = revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : undefined;
      // Someone else's transaction already moved the mini-pool on (or we confirmed before a crash): nothing to do.
      if (name === "AlreadyConfirmed") return "already confirmed";
      if (name === "WrongState") {
        this.cfg.log.info(`${functionName} not needed: the mini-pool moved on`, { args: String(args[0]) });
        return "refused";
      }
      throw error;
    }
  }

  private sealContext() {
    return {
      encryptionPublicKey: this.cfg.encryptionPublicKey,
      chainId: this.cfg.chainId,
      // DKG shares are bound to the mini-pools contract, as registry shares are bound to the registry.
      registry: hexToBytes(this.cfg.miniPools),
      operatorId: this.cfg.operatorId,
    };
  }

  private async openKey(
    validatorPublicKey: Uint8Array,
    shareIndex: number,
    sealed: { enc: Uint8Array; ciphertext: Uint8Array },
    sharePublicKeys: Uint8Array[],
    threshold: number,
  ): Promise<OpenedValidatorShare> {
    const secret = await decryptShare(this.cfg.encryptionSecret, sealed, {
      ...this.sealContext(),
      validatorPublicKey,
    });
    if (!equalBytes(await publicKeyOf(secret), sharePublicKeys[shareIndex - 1]!)) {
      zeroize(secret);
      throw new Error("a stored DKG share does not match its public key; the database is damaged");
    }
    return { secret, sharePublicKeys, threshold };
  }
}

type MiniPoolEvent = ReturnType<typeof parseEventLogs<typeof cohortMiniPoolsAbi>>[number];

/** How an event moves a mini-pool we track; undefined for events that do not. */
function nextState(m: MiniPoolRecord, event: MiniPoolEvent): MiniPoolRecord | undefined {
  switch (event.eventName) {
    case "DkgRetry":
      return { ...m, attempt: event.args.attempt, phase: "awaiting_dkg" };
    case "MiniPoolReady":
      return { ...m, phase: "ready", validatorPubkey: hexToBytes(event.args.validatorPubkey) };
    case "MiniPoolFunded":
      return { ...m, phase: "active" };
    case "DkgConflict":
    case "DkgFailed":
      return { ...m, phase: "failed" };
    case "MiniPoolCancelled":
      return { ...m, phase: "cancelled" };
    case "MiniPoolExited":
      return { ...m, phase: "exited" };
    default:
      return undefined;
  }
}

const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString("hex")}`;
