/**
 * The beacon-chain indices of a committee's validators, resolved again every epoch. A validator is usually
 * registered with its committee before the beacon chain has processed its deposit; it gets an index (and duties) only
 * later, and the node must pick that up without a restart.
 */
import type { Logger } from "../log.js";
import { validatorIndices } from "./attester.js";
import type { BeaconChain } from "./beacon.js";

export class ValidatorIndexBook {
  private readonly known = new Map<string, number>();
  private pubkeys: readonly Uint8Array[];
  /** Bumped whenever the set of known indices changes, so duty caches know to reload. */
  version = 0;

  constructor(
    private readonly chain: BeaconChain,
    pubkeys: readonly Uint8Array[],
    private readonly log: Logger,
  ) {
    this.pubkeys = pubkeys;
  }

  /** The validators to look up from now on (all the node serves, including those joining at the next epoch). */
  setPubkeys(pubkeys: readonly Uint8Array[]): void {
    this.pubkeys = pubkeys;
    const wanted = new Set(pubkeys.map(hex));
    for (const k of this.known.keys()) {
      if (!wanted.has(k)) {
        this.known.delete(k);
        this.version++;
      }
    }
  }

  /**
   * Starts looking up validators that join at the next epoch boundary, without dropping anyone: a validator leaves
   * the book only when the plan that drops it takes effect (`setPubkeys` then), so the current epoch's duties stay.
   */
  addPubkeys(pubkeys: readonly Uint8Array[]): void {
    const have = new Set(this.pubkeys.map(hex));
    const added = pubkeys.filter((p) => !have.has(hex(p)));
    if (added.length > 0) this.pubkeys = [...this.pubkeys, ...added];
  }

  /** The index of a validator, if the beacon chain knows it. */
  indexOf(pubkey: Uint8Array): number | undefined {
    return this.known.get(hex(pubkey));
  }

  /** Looks up the validators without an index yet; a failure is logged and retried at the next call. */
  async refresh(): Promise<void> {
    const missing = this.pubkeys.filter((p) => !this.known.has(hex(p)));
    if (missing.length === 0) return;
    try {
      const found = await validatorIndices(this.chain, missing);
      for (const [pubkey, index] of found) this.known.set(pubkey, index);
      if (found.size > 0) this.version++;
      if (found.size > 0) this.log.info("validators found on the beacon chain", { indices: [...found.values()] });
      if (this.known.size < this.pubkeys.length) {
        this.log.warn("some validators are not on the beacon chain yet; they get duties once they are", {
          known: this.known.size,
          configured: this.pubkeys.length,
        });
      }
    } catch (e) {
      this.log.warn("could not look up validator indices; retrying next epoch", { reason: String(e) });
    }
  }

  /** The indices known now, ascending. */
  list(): number[] {
    return [...this.known.values()].sort((a, b) => a - b);
  }

  set(): ReadonlySet<number> {
    return new Set(this.known.values());
  }

  get size(): number {
    return this.known.size;
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
