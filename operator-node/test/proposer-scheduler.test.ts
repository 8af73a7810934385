import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { afterEach, describe, expect, it } from "vitest";
import { type BeaconChain, slotAt } from "../src/duties/beacon.js";
import { ProposerScheduler } from "../src/duties/proposer-scheduler.js";
import type { Logger } from "../src/log.js";

// A stand-in for the one Beacon API route the scheduler reads, answering as Lodestar 1.5.1 does (recorded on the dev
// chain, see README "Proposals"): asked for the NEXT epoch, it returns that epoch's proposers numbered with the
// CURRENT epoch's slots, under the current epoch's dependent root. Real HTTP on loopback; 250 ms slots.

const SECONDS_PER_SLOT = 0.25;
const OURS = new Set([4, 5, 6, 7]);
/** Deterministic proposer of a slot: 8 validators, ours are 4..7. */
const proposerOf = (slot: number) => (slot * 5 + 3) % 8;

let server: Server | undefined;
afterEach(() => server?.close());

async function standIn(genesisTime: number): Promise<{ chain: BeaconChain; requests: number[] }> {
  const requests: number[] = [];
  const chain = { genesisTime, secondsPerSlot: SECONDS_PER_SLOT } as BeaconChain;
  server = createServer((req, res) => {
    const m = /^\/eth\/v1\/validator\/duties\/proposer\/(\d+)$/.exec(req.url ?? "");
    if (!m) return res.writeHead(404).end();
    const asked = Number(m[1]);
    requests.push(asked);
    const current = Math.floor(Math.max(0, slotAt(chain, Date.now())) / SLOTS_PER_EPOCH);
    if (asked !== current && asked !== current + 1) return res.writeHead(400).end("epoch out of range");
    const startSlot = current * SLOTS_PER_EPOCH;
    const data = Array.from({ length: SLOTS_PER_EPOCH }, (_, i) => ({
      pubkey: `0x${"ab".repeat(48)}`,
      validator_index: String(proposerOf(asked * SLOTS_PER_EPOCH + i)),
      slot: String(startSlot + i),
    }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ dependent_root: `0x${String(current).padStart(64, "0")}`, data }));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  (chain as { url: string }).url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  return { chain, requests };
}

const quiet: Logger = { info() {}, warn() {}, error() {} };

describe("ProposerScheduler against a beacon node that numbers next-epoch duties wrongly", () => {
  it("fires every one of our proposer slots in every epoch, not only the first", async () => {
    const genesisTime = Date.now() / 1000 + 0.1;
    const { chain } = await standIn(genesisTime);
    const scheduler = new ProposerScheduler(chain, () => OURS, quiet);
    const fired: number[] = [];
    const stop = scheduler.subscribe((duty) => fired.push(Number(duty.slot)));
    const epochs = 3;
    await new Promise((r) => setTimeout(r, (epochs * SLOTS_PER_EPOCH + 0.5) * SECONDS_PER_SLOT * 1000 + 100));
    stop();
    const expected = Array.from({ length: epochs * SLOTS_PER_EPOCH }, (_, s) => s).filter((s) =>
      OURS.has(proposerOf(s)),
    );
    expect(expected.some((s) => s >= 2 * SLOTS_PER_EPOCH)).toBe(true);
    expect(fired).toEqual(expected);
    for (const s of fired) expect(scheduler.dutyAt(s) === undefined || scheduler.dutyAt(s)!.slot === s).toBe(true);
  });

  it("hands a slot that passed while its epoch's duties were unavailable out once, already expired", async () => {
    const genesisTime = Date.now() / 1000 + 0.1;
    const { chain } = await standIn(genesisTime);
    // The beacon node is down for the first slots of epoch 1: the stand-in refuses until then.
    const downUntilSlot = SLOTS_PER_EPOCH + 4;
    const realUrl = chain.url;
    let up = false;
    (chain as { url: string }).url = "http://127.0.0.1:1";
    const scheduler = new ProposerScheduler(chain, () => OURS, quiet);
    const fired: { slot: number; expired: boolean }[] = [];
    const stop = scheduler.subscribe((duty, deadline) => {
      fired.push({ slot: Number(duty.slot), expired: deadline <= performance.now() });
    });
    const timer = setInterval(() => {
      // Up a little before the slot starts, so that slot's own load already succeeds.
      if (!up && slotAt(chain, Date.now() + 80) >= downUntilSlot) {
        up = true;
        (chain as { url: string }).url = realUrl;
      }
    }, 20);
    await new Promise((r) => setTimeout(r, (2 * SLOTS_PER_EPOCH + 0.5) * SECONDS_PER_SLOT * 1000 + 100));
    clearInterval(timer);
    stop();
    const ours = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => from + i).filter((s) => OURS.has(proposerOf(s)));
    // The epoch's slots before the outage's end are handed out late and expired (so the workflow reports them
    // missed); an earlier epoch's duties can no longer be asked for (beacon nodes serve the current and next only).
    const late = ours(SLOTS_PER_EPOCH, downUntilSlot + 1);
    expect(late.length).toBeGreaterThan(0);
    for (const s of late) expect(fired.filter((f) => f.slot === s)).toHaveLength(1);
    expect(fired.filter((f) => f.expired).map((f) => f.slot)).toEqual(late.filter((s) => s < downUntilSlot));
  });
});
