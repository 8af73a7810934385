import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consensusCommitteeId } from "@cohort/sdk";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Beacon, startBeacon } from "../../../scripts/beacon/launch.js";
import type { NodeEvent } from "../../src/app/attester.js";
import type { SingleCommitteeNode } from "../../src/app/node.js";
import { firstLeader } from "../../src/consensus/crypto.js";
import { DutyKind } from "../../src/consensus/types.js";
import { type BeaconChain, connectBeacon, slotAt, slotStartMs } from "../../src/duties/beacon.js";
import type { LogFields, Logger } from "../../src/log.js";
import type { Db } from "../../src/store/database.js";
import { blockBody } from "./chain-blocks.js";
import { DV_INDICES, interopCommittee, N, startInteropMember } from "./interop-committee.js";

// A real Lodestar dev chain (Capella from genesis, execution payloads from its engine mock) runs validators 0..3; 4..7
// are distributed validators of a 3-of-4 committee, all four members up. Member FAULTY is byzantine in one way only:
// whenever it leads a proposal's consensus, it proposes its beacon node's block rewritten to pay ATTACKER (the
// test-only rewriteFeeRecipientForTest hook). The honest members must refuse that block, so the committee decides
// an honest leader's block in a later view, and no block of ours ever pays the attacker.
const FAULTY = 0;
const ATTACKER = `0x${"ba".repeat(20)}`;
/** Each validator's own fee recipient, as its owner set it on-chain (here handed to the nodes directly). */
const payee = (validatorIndex: number) => `0x${"00".repeat(19)}${validatorIndex.toString(16).padStart(2, "0")}`;
/** Counted until the faulty member has led at least this many of our proposals (and two epochs have passed). */
const FAULTY_LED = 2;
const MAX_EPOCHS = 8;

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h.slice(2), "hex"));
const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

let beacon: Beacon;
let chain: BeaconChain;
const nodes: SingleCommitteeNode[] = [];
const dbs: Db[] = [];
const events: NodeEvent[][] = Array.from({ length: N }, () => []);
/** Warnings each member logged, with their fields. */
const warnings: { message: string; fields: LogFields }[][] = Array.from({ length: N }, () => []);
let committeeId: Uint8Array;
let firstSlot = 0;

function capturingLogger(member: number): Logger {
  return {
    info() {},
    warn: (message, fields = {}) => warnings[member]!.push({ message, fields }),
    error: (message, fields = {}) => warnings[member]!.push({ message, fields }),
  };
}

describe("fee recipients: a leader that proposes a block paying itself is refused", () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-fee-recipient-"));
    beacon = await startBeacon({ dataDir: join(dir, "beacon") });
    chain = await connectBeacon(beacon.url);
    const c = await interopCommittee("fee-recipient");
    committeeId = consensusCommitteeId(c.committee);
    const feeRecipients = c.validators.map((v, i) => ({
      publicKey: v.publicKey,
      feeRecipient: fromHex(payee(DV_INDICES[i]!)),
    }));
    for (let member = 0; member < N; member++) {
      const { node, db } = await startInteropMember(c, member, {
        dir,
        beaconUrl: beacon.url,
        feeRecipients,
        log: capturingLogger(member),
        onEvent: (e) => events[member]!.push(e),
        ...(member === FAULTY ? { rewriteFeeRecipientForTest: fromHex(ATTACKER) } : {}),
      });
      dbs[member] = db;
      nodes[member] = node;
    }
    for (const [a, na] of nodes.entries())
      for (const [b, nb] of nodes.entries()) if (a !== b) na.setPeerAddrs(b, nb.listenAddrs());
    while (nodes.some((n) => n.p2p.connectedMembers() < N - 1)) await new Promise((r) => setTimeout(r, 50));
    // Fee recipients take effect at an epoch boundary: count from the next one.
    firstSlot = (Math.floor(slotAt(chain, Date.now()) / SLOTS_PER_EPOCH) + 1) * SLOTS_PER_EPOCH;
  }, 90_000);

  afterAll(async () => {
    for (const node of nodes) await node?.stop().catch(() => {});
    for (const db of dbs) db?.close();
    await beacon?.stop();
  });

  const proposalDuties = (from: number, to: number) =>
    new Set(
      events.flatMap((list) =>
        list.flatMap((e) => (e.type === "proposal-duty" && e.slot >= from && e.slot < to ? [e.slot] : [])),
      ),
    );
  const faultyLeads = (slot: number) =>
    firstLeader({ committeeId, dutyKind: DutyKind.proposer, slot: BigInt(slot) }, N) === FAULTY;

  it(
    "honest members refuse the faulty leader's block; every block of ours pays the validator's fee recipient",
    async () => {
      let lastSlot = firstSlot + 2 * SLOTS_PER_EPOCH;
      for (;;) {
        await sleepUntil(slotStartMs(chain, lastSlot + 1));
        const led = [...proposalDuties(firstSlot, lastSlot)].filter(faultyLeads);
        if (led.length >= FAULTY_LED || lastSlot >= firstSlot + MAX_EPOCHS * SLOTS_PER_EPOCH) break;
        lastSlot += SLOTS_PER_EPOCH;
      }

      const duties = [...proposalDuties(firstSlot, lastSlot)].sort((a, b) => a - b);
      const ours: string[] = [];
      for (let slot = firstSlot; slot < lastSlot; slot++) {
        const block = await blockBody(beacon.url, slot);
        if (!block || !DV_INDICES.includes(block.proposer)) continue;
        ours.push(`${slot}:${block.proposer}`);
        expect(block.feeRecipient, `slot ${slot}, validator ${block.proposer}`).toBe(payee(block.proposer));
      }
      const led = duties.filter(faultyLeads);
      const refusedAt = (member: number) =>
        new Set(
          warnings[member]!.filter((w) => w.message.startsWith("refused a proposed block that pays another")).map((w) =>
            Number(w.fields["slot"]),
          ),
        );
      const ledWithBlock = led.filter((s) => ours.some((o) => o.startsWith(`${s}:`)));
      console.log(
        `slots ${firstSlot}..${lastSlot - 1}: our proposal duties ${duties.join(", ")}; blocks of ours ${ours.join(", ")}; ` +
          `led first by the faulty member ${led.join(", ")} (${ledWithBlock.length} of them still got an honest block)`,
      );
      expect(ours.length).toBeGreaterThan(0);
      expect(led.length).toBeGreaterThanOrEqual(FAULTY_LED);
      for (let member = 0; member < N; member++) {
        if (member === FAULTY) continue;
        // Every honest member refused the attacker's block in each slot the faulty member led.
        for (const slot of led) expect(refusedAt(member), `member ${member} slot ${slot}`).toContain(slot);
        expect(events[member]!.some((e) => e.type === "refused")).toBe(false);
      }
      // The faulty member's own check stays honest: it refuses its own rewritten block, and only in slots it led.
      for (const slot of refusedAt(FAULTY)) {
        if (slot >= firstSlot && slot < lastSlot) expect(led, `faulty member refused at ${slot}`).toContain(slot);
      }
    },
    (MAX_EPOCHS + 2) * SLOTS_PER_EPOCH * 2_000 + 60_000,
  );
});
