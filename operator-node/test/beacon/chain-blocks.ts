/**
 * What the beacon chain itself recorded, read over its REST API: proposer duties of the current epoch, the canonical
 * block of a slot, and which validators' attestations the chain's blocks include. Tests count from these, never
 * from what the nodes say about themselves.
 */
const SLOTS_PER_EPOCH = 8; // minimal preset of the dev chain

async function get<T>(beaconUrl: string, path: string): Promise<T | undefined> {
  const res = await fetch(beaconUrl + path);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`beacon GET ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

export async function headSlot(beaconUrl: string): Promise<number> {
  const h = await get<{ data: { header: { message: { slot: string } } } }>(beaconUrl, "/eth/v1/beacon/headers/head");
  return Number(h!.data.header.message.slot);
}

const clocks = new Map<string, Promise<{ genesis: number; secondsPerSlot: number }>>();

/** The wall clock's slot. Genesis time and slot length are asked once per beacon node: polling stays off its CPU. */
export async function clockSlot(beaconUrl: string): Promise<number> {
  let clock = clocks.get(beaconUrl);
  if (!clock) {
    clock = (async () => {
      const g = await get<{ data: { genesis_time: string } }>(beaconUrl, "/eth/v1/beacon/genesis");
      const spec = await get<{ data: { SECONDS_PER_SLOT: string } }>(beaconUrl, "/eth/v1/config/spec");
      return { genesis: Number(g!.data.genesis_time), secondsPerSlot: Number(spec!.data.SECONDS_PER_SLOT) };
    })();
    clocks.set(beaconUrl, clock);
    clock.catch(() => clocks.delete(beaconUrl));
  }
  const { genesis, secondsPerSlot } = await clock;
  return Math.floor((Date.now() / 1000 - genesis) / secondsPerSlot);
}

/** The current epoch's proposer of each slot (asked while the epoch is current: the only answer that is final). */
export async function proposersOf(beaconUrl: string, epoch: number): Promise<Map<number, number>> {
  const body = await get<{ data: { slot: string; validator_index: string }[] }>(
    beaconUrl,
    `/eth/v1/validator/duties/proposer/${epoch}`,
  );
  return new Map(body!.data.map((d) => [Number(d.slot), Number(d.validator_index)]));
}

/** The proposer of the canonical block at `slot`, or undefined when the slot has none (missed). */
export async function blockProposer(beaconUrl: string, slot: number): Promise<number | undefined> {
  const h = await get<{ data: { header: { message: { slot: string; proposer_index: string } } } }>(
    beaconUrl,
    `/eth/v1/beacon/headers/${slot}`,
  );
  if (!h || Number(h.data.header.message.slot) !== slot) return undefined;
  return Number(h.data.header.message.proposer_index);
}

interface Attestation {
  aggregation_bits: string;
  data: { slot: string; index: string };
}

/** Attestations in the canonical block at `slot` (none for a missed slot). */
export async function blockAttestations(beaconUrl: string, slot: number): Promise<Attestation[]> {
  const b = await get<{ data: { message: { slot: string; body: { attestations: Attestation[] } } } }>(
    beaconUrl,
    `/eth/v2/beacon/blocks/${slot}`,
  );
  if (!b || Number(b.data.message.slot) !== slot) return [];
  return b.data.message.body.attestations;
}

/**
 * Committee members by (slot, committee index) of an epoch, from the head state.
 *
 * Lodestar 1.5.1 labels its answer wrongly (beacon-node/lib/api/impl/beacon/state/index.js `getEpochCommittees`:
 * the shuffling's outer array is per slot of the epoch and the inner one per committee, but it names the outer
 * position `index` and the inner one `slot`): `{index: slotInEpoch, slot: committeeIndex}`. Told apart from a correct
 * answer by its slots: a correct one names every slot of the epoch, absolute; the 1.5.1 one names committee
 * positions (here only 0). Ambiguous only at epoch 0 with exactly SLOTS_PER_EPOCH committees a slot.
 */
export async function committeesOf(beaconUrl: string, epoch: number): Promise<Map<string, number[]>> {
  const body = await get<{ data: { slot: string; index: string; validators: string[] }[] }>(
    beaconUrl,
    `/eth/v1/beacon/states/head/committees?epoch=${epoch}`,
  );
  const first = epoch * SLOTS_PER_EPOCH;
  const slots = new Set(body!.data.map((c) => Number(c.slot)));
  const correct = slots.size === SLOTS_PER_EPOCH && [...slots].every((s) => s >= first && s < first + SLOTS_PER_EPOCH);
  return new Map(
    body!.data.map((c) => [
      correct ? `${c.slot}/${c.index}` : `${first + Number(c.index)}/${c.slot}`,
      c.validators.map(Number),
    ]),
  );
}

/** Bit `i` of an SSZ bitlist in 0x-hex (little-endian bit order within each byte). */
function bit(bits: string, i: number): boolean {
  const byte = Number.parseInt(bits.slice(2 + 2 * Math.floor(i / 8), 4 + 2 * Math.floor(i / 8)), 16);
  return ((byte >> (i % 8)) & 1) === 1;
}

/**
 * For each attestation slot in [from, to): which of `validators` had an attestation duty (from `committees`, collected
 * by the caller with committeesOf while each epoch was recent: Lodestar serves only the head state's neighbourhood)
 * and which of them the chain's blocks in (from, scanTo) include an attestation from.
 */
export async function attestationInclusion(
  beaconUrl: string,
  committees: ReadonlyMap<string, number[]>,
  validators: ReadonlySet<number>,
  from: number,
  to: number,
  scanTo: number,
): Promise<{ duties: Map<number, Set<number>>; included: Map<number, Set<number>> }> {
  const duties = new Map<number, Set<number>>();
  for (const [key, members] of committees) {
    const slot = Number(key.split("/")[0]);
    if (slot < from || slot >= to) continue;
    for (const v of members) if (validators.has(v)) (duties.get(slot) ?? duties.set(slot, new Set()).get(slot)!).add(v);
  }
  const included = new Map<number, Set<number>>();
  for (let s = from + 1; s < scanTo; s++) {
    for (const a of await blockAttestations(beaconUrl, s)) {
      const slot = Number(a.data.slot);
      const members = committees.get(`${slot}/${a.data.index}`);
      if (!members || slot < from || slot >= to) continue;
      members.forEach((v, i) => {
        if (validators.has(v) && bit(a.aggregation_bits, i)) {
          (included.get(slot) ?? included.set(slot, new Set()).get(slot)!).add(v);
        }
      });
    }
  }
  return { duties, included };
}

/** The finalized checkpoint's epoch of the head state. */
export async function finalizedEpoch(beaconUrl: string): Promise<number> {
  const body = await get<{ data: { finalized: { epoch: string } } }>(
    beaconUrl,
    "/eth/v1/beacon/states/head/finality_checkpoints",
  );
  return Number(body!.data.finalized.epoch);
}

/** The slots in [from, to) that have a canonical block (the others the chain missed itself). */
export async function canonicalSlots(beaconUrl: string, from: number, to: number): Promise<Set<number>> {
  const slots = new Set<number>();
  for (let s = from; s < to; s++) if ((await blockProposer(beaconUrl, s)) !== undefined) slots.add(s);
  return slots;
}

/** Whether the head state knows a validator with this public key (0x-hex) at all, e.g. after a deposit. */
export async function knowsValidator(beaconUrl: string, pubkey: string): Promise<boolean> {
  const res = await fetch(`${beaconUrl}/eth/v1/beacon/states/head/validators/${pubkey}`);
  if (res.status === 404) return false;
  if (!res.ok) throw new Error(`beacon GET validator ${pubkey}: HTTP ${res.status}`);
  return true;
}

/** Waits (polling the wall clock against the chain's genesis) until the clock reaches `slot`. */
export async function untilSlot(beaconUrl: string, slot: number): Promise<void> {
  while ((await clockSlot(beaconUrl)) < slot) await new Promise((r) => setTimeout(r, 250));
}

/**
 * Collects the committees of every epoch from `first` while each is current (Lodestar answers only around its head
 * state), until `stop()` says so; resolves with everything collected. Runs beside whatever the test does meanwhile.
 */
export function collectCommittees(
  beaconUrl: string,
  first: number,
  stop: (epoch: number) => boolean,
): Promise<Map<string, number[]>> {
  return (async () => {
    const all = new Map<string, number[]>();
    for (let e = first; !stop(e); e++) {
      await untilSlot(beaconUrl, e * SLOTS_PER_EPOCH);
      for (const [k, v] of await committeesOf(beaconUrl, e)) all.set(k, v);
    }
    return all;
  })();
}

/** Duties and inclusions of a set of validators over slots, with the slots the chain missed itself left out. */
export interface InclusionCount {
  /** Duties at slots that have a canonical block. */
  readonly duties: number;
  /** Of those, duties whose attestation some canonical block includes. */
  readonly included: number;
  /** Duties at slots the chain missed itself (no canonical block at the duty's slot): not counted. */
  readonly skipped: number;
  /** Per validator: [included, duties] over counted slots. */
  readonly byValidator: Map<number, [number, number]>;
  /** Counted duties not included, as "slot:validator". */
  readonly missing: string[];
}

export function countInclusion(
  r: { duties: Map<number, Set<number>>; included: Map<number, Set<number>> },
  canonical: ReadonlySet<number>,
  only: (slot: number, validator: number) => boolean = () => true,
): InclusionCount {
  let duties = 0;
  let included = 0;
  let skipped = 0;
  const byValidator = new Map<number, [number, number]>();
  const missing: string[] = [];
  for (const [slot, vs] of [...r.duties].sort(([a], [b]) => a - b)) {
    for (const v of vs) {
      if (!only(slot, v)) continue;
      if (!canonical.has(slot)) {
        skipped++;
        continue;
      }
      const row = byValidator.get(v) ?? byValidator.set(v, [0, 0]).get(v)!;
      duties++;
      row[1]++;
      if (r.included.get(slot)?.has(v)) {
        included++;
        row[0]++;
      } else missing.push(`${slot}:${v}`);
    }
  }
  return { duties, included, skipped, byValidator, missing };
}

export const epochOf = (slot: number) => Math.floor(slot / SLOTS_PER_EPOCH);
export { SLOTS_PER_EPOCH };

/** A canonical block's sync aggregate bits and fee recipient (Altair / Bellatrix on), or undefined for a missed slot. */
export async function blockBody(
  beaconUrl: string,
  slot: number,
): Promise<{ proposer: number; syncBits: string; feeRecipient: string | undefined } | undefined> {
  const b = await get<{
    data: {
      message: {
        slot: string;
        proposer_index: string;
        body: { sync_aggregate?: { sync_committee_bits: string }; execution_payload?: { fee_recipient: string } };
      };
    };
  }>(beaconUrl, `/eth/v2/beacon/blocks/${slot}`);
  if (!b || Number(b.data.message.slot) !== slot) return undefined;
  const { body } = b.data.message;
  if (!body.sync_aggregate) throw new Error(`block ${slot} has no sync aggregate: the chain is not Altair or later`);
  return {
    proposer: Number(b.data.message.proposer_index),
    syncBits: body.sync_aggregate.sync_committee_bits,
    feeRecipient: body.execution_payload?.fee_recipient.toLowerCase(),
  };
}

/** The sync committee serving `epoch`: validator index by position (a validator may hold several positions). */
export async function syncCommitteeOf(beaconUrl: string, epoch: number): Promise<number[]> {
  const body = await get<{ data: { validators: string[] } }>(
    beaconUrl,
    `/eth/v1/beacon/states/head/sync_committees?epoch=${epoch}`,
  );
  return body!.data.validators.map(Number);
}

/**
 * Sync-committee participation of `validators` in the canonical blocks of [from, to): per validator, in how many
 * blocks at least one of its positions has its bit set, out of the blocks whose committee holds it. A block's
 * aggregate signs the previous slot's root, by the committee of the block's own epoch.
 */
export async function syncParticipation(
  beaconUrl: string,
  validators: ReadonlySet<number>,
  from: number,
  to: number,
): Promise<Map<number, [set: number, blocks: number]>> {
  const committees = new Map<number, number[]>();
  const out = new Map<number, [number, number]>();
  for (let slot = from; slot < to; slot++) {
    const block = await blockBody(beaconUrl, slot);
    if (!block) continue;
    const epoch = epochOf(slot);
    const committee =
      committees.get(epoch) ?? committees.set(epoch, await syncCommitteeOf(beaconUrl, epoch)).get(epoch)!;
    const seen = new Map<number, boolean>();
    committee.forEach((v, i) => {
      if (validators.has(v)) seen.set(v, (seen.get(v) ?? false) || bit(block.syncBits, i));
    });
    for (const [v, set] of seen) {
      const row = out.get(v) ?? out.set(v, [0, 0]).get(v)!;
      row[1]++;
      if (set) row[0]++;
    }
  }
  return out;
}
