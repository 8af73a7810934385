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

export async function clockSlot(beaconUrl: string): Promise<number> {
  const g = await get<{ data: { genesis_time: string } }>(beaconUrl, "/eth/v1/beacon/genesis");
  const spec = await get<{ data: { SECONDS_PER_SLOT: string } }>(beaconUrl, "/eth/v1/config/spec");
  return Math.floor((Date.now() / 1000 - Number(g!.data.genesis_time)) / Number(spec!.data.SECONDS_PER_SLOT));
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

/** Committee members by (slot, committee index) of an epoch, from the head state. */
export async function committeesOf(beaconUrl: string, epoch: number): Promise<Map<string, number[]>> {
  const body = await get<{ data: { slot: string; index: string; validators: string[] }[] }>(
    beaconUrl,
    `/eth/v1/beacon/states/head/committees?epoch=${epoch}`,
  );
  return new Map(body!.data.map((c) => [`${c.slot}/${c.index}`, c.validators.map(Number)]));
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

export const epochOf = (slot: number) => Math.floor(slot / SLOTS_PER_EPOCH);
export { SLOTS_PER_EPOCH };
