/**
 * Operation pools of the stand-in beacon chain. They hold only what the chain has already verified; block building
 * picks from them. Bounded: entries older than RETAIN_SLOTS are pruned every slot.
 */
import { aggregateSignatures, Signature } from "@chainsafe/blst";
import { BitArray } from "@chainsafe/ssz";
import type { phase0 } from "@lodestar/types";
import { toRootHex } from "@lodestar/utils";

export const RETAIN_SLOTS = 64;

export interface PooledAggregate {
  data: phase0.AttestationData;
  committeeIndex: number;
  bits: BitArray;
  signature: Uint8Array;
}

function aggregate(sigs: Uint8Array[]): Uint8Array {
  return aggregateSignatures(sigs.map((s) => Signature.fromBytes(s, true))).toBytes();
}

function overlaps(a: BitArray, b: BitArray): boolean {
  return a.uint8Array.some((byte, i) => (byte & (b.uint8Array[i] ?? 0)) !== 0);
}

function isSubset(a: BitArray, b: BitArray): boolean {
  return a.uint8Array.every((byte, i) => (byte & ~(b.uint8Array[i] ?? 0)) === 0);
}

/** Attestations per (data root, committee): single votes are merged into non-overlapping aggregates. */
export class AttestationPool {
  private readonly byKey = new Map<string, PooledAggregate[]>();

  private key(dataRoot: Uint8Array, committeeIndex: number): string {
    return `${toRootHex(dataRoot)}/${committeeIndex}`;
  }

  add(dataRoot: Uint8Array, entry: PooledAggregate): void {
    const key = this.key(dataRoot, entry.committeeIndex);
    const list = this.byKey.get(key) ?? [];
    this.byKey.set(key, list);
    if (list.some((e) => isSubset(entry.bits, e.bits))) return;
    const mergeable = list.find((e) => !overlaps(e.bits, entry.bits));
    if (mergeable) {
      mergeable.bits = new BitArray(
        mergeable.bits.uint8Array.map((b, i) => b | (entry.bits.uint8Array[i] ?? 0)),
        mergeable.bits.bitLen,
      );
      mergeable.signature = aggregate([mergeable.signature, entry.signature]);
    } else {
      list.push({ ...entry, bits: entry.bits.clone() });
    }
  }

  best(dataRoot: Uint8Array, committeeIndex: number): PooledAggregate | undefined {
    const list = this.byKey.get(this.key(dataRoot, committeeIndex)) ?? [];
    return list.reduce<PooledAggregate | undefined>(
      (best, e) => (best && best.bits.getTrueBitIndexes().length >= e.bits.getTrueBitIndexes().length ? best : e),
      undefined,
    );
  }

  /** The best aggregate of every (data, committee), for block building. */
  all(): { dataRoot: string; entry: PooledAggregate }[] {
    const out: { dataRoot: string; entry: PooledAggregate }[] = [];
    for (const [key, list] of this.byKey) {
      const best = this.best(Buffer.from(key.slice(2, 66), "hex"), Number(key.split("/")[1]));
      if (best && list.length > 0) out.push({ dataRoot: key.split("/")[0] as string, entry: best });
    }
    return out;
  }

  prune(currentSlot: number): void {
    for (const [key, list] of this.byKey) {
      if ((list[0]?.data.slot ?? 0) + RETAIN_SLOTS < currentSlot) this.byKey.delete(key);
    }
  }
}

/** Sync committee messages per (slot, block root): signature by validator index. */
export class SyncMessagePool {
  private readonly bySlotRoot = new Map<string, Map<number, Uint8Array>>();
  private readonly contributions = new Map<string, { bits: BitArray; signature: Uint8Array }>();

  add(slot: number, root: Uint8Array, validatorIndex: number, signature: Uint8Array): void {
    const key = `${slot}/${toRootHex(root)}`;
    const m = this.bySlotRoot.get(key) ?? new Map<number, Uint8Array>();
    this.bySlotRoot.set(key, m);
    m.set(validatorIndex, signature);
  }

  signatures(slot: number, root: Uint8Array): Map<number, Uint8Array> {
    return this.bySlotRoot.get(`${slot}/${toRootHex(root)}`) ?? new Map();
  }

  addContribution(slot: number, root: Uint8Array, subcommittee: number, bits: BitArray, signature: Uint8Array): void {
    const key = `${slot}/${toRootHex(root)}/${subcommittee}`;
    const known = this.contributions.get(key);
    if (!known || bits.getTrueBitIndexes().length > known.bits.getTrueBitIndexes().length) {
      this.contributions.set(key, { bits, signature });
    }
  }

  contribution(
    slot: number,
    root: Uint8Array,
    subcommittee: number,
  ): { bits: BitArray; signature: Uint8Array } | undefined {
    return this.contributions.get(`${slot}/${toRootHex(root)}/${subcommittee}`);
  }

  prune(currentSlot: number): void {
    for (const map of [this.bySlotRoot, this.contributions] as Map<string, unknown>[]) {
      for (const key of map.keys()) if (Number(key.split("/")[0]) + RETAIN_SLOTS < currentSlot) map.delete(key);
    }
  }
}

export function aggregateSignatureBytes(sigs: Uint8Array[]): Uint8Array {
  return aggregate(sigs);
}
