/**
 * Four DV operator nodes (validators 4..7, interop keys split 3-of-4) against the stand-in beacon chain at Electra
 * and at Fulu (from an Electra genesis, upgraded at epoch 2), which runs validators 0..3 itself: half the stake, so nothing justifies unless the DV validators'
 * attestations are included. Every DV block goes through the spec state transition with signature checks
 * (devnet-beacon/src/chain.ts importBlock). Timeline, one epoch = 8 slots:
 *   epoch 0      no builder configured: local blocks, paying the validators' fee recipient (prepare_beacon_proposer);
 *   epoch 1..    builder settings given to every member: registrations threshold-signed with each validator's fee
 *                recipient, blocks blinded (the registration's fee recipient);
 *   epoch 2..    member 3 stopped: the other three carry every duty;
 *   epoch 3      the builder answers 6 s late: proposals fall back to local blocks within the budget;
 *   epoch 4      the builder answers again; mid-epoch the validators' fee recipient changes on every member;
 *   epoch 5..    the new fee recipient applies: registrations are signed again, and every DV block, local or the
 *                builder's, pays it (the committee refuses a block paying anyone else).
 */
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import type { CachedBeaconStateAltair } from "@lodestar/state-transition";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandInBeacon, type StandInFork, startStandInBeacon } from "../../../devnet-beacon/src/index.js";
import type { NodeEvent } from "../../src/app/attester.js";
import type { FeeRecipient } from "../../src/app/fee-recipients.js";
import { type SingleCommitteeNode, startOperatorNode } from "../../src/app/node.js";
import type { BuilderParams } from "../../src/duties/builder.js";
import { jsonLogger } from "../../src/log.js";
import { ShareSigner } from "../../src/signer/share-signer.js";
import { SlashingProtection } from "../../src/signer/slashing-protection.js";
import { openDatabase } from "../../src/store/database.js";
import { DV_INDICES, interopCommittee, N } from "../beacon/interop-committee.js";

const SLOT_SECONDS = 2;
const SLOT_MS = SLOT_SECONDS * 1000;
const DOWN_EPOCH = 2;
const SLOW_BUILDER_EPOCH = 3;
/** Finality of this epoch needs epochs ≥ DOWN_EPOCH justified with three members up. */
const FINALIZED_TARGET = 3;
const BUILDER: BuilderParams = { gasLimit: 36_000_000 };
/** The DV validators' fee recipient until FEE_CHANGE_EPOCH, and from then on (set mid-epoch before it). */
const FEE_RECIPIENT = new Uint8Array(20).fill(0x11);
const FEE_RECIPIENT_2 = new Uint8Array(20).fill(0x22);
const FEE_CHANGE_EPOCH = SLOW_BUILDER_EPOCH + 2;
const TIMING_TAG = "standin-proposal-ms";

interface DvBlock {
  proposer: number;
  /** Published blinded: the builder revealed its payload. */
  viaBuilder: boolean;
  /** The payload's fee recipient, hex. */
  feeRecipient: string;
}

interface Run {
  beacon: StandInBeacon;
  nodes: (SingleCommitteeNode | undefined)[];
  events: NodeEvent[][];
  /** slot → ms from slot start to the first member's publication. */
  published: Map<number, number>;
  /** slot → proposer, read while each epoch is current (the epoch cache holds only then). */
  proposers: Map<number, number>;
  /** DV blocks by slot as they become head (the stand-in prunes old blocks). */
  blocks: Map<number, DvBlock>;
  /** epoch → DV timely-target flags, the last reading while the epoch was the head state's previous one. */
  participation: Map<number, boolean[]>;
  /** Every DV validator paying `feeRecipient`. */
  feeRecipients: (feeRecipient: Uint8Array) => FeeRecipient[];
  stopSampling: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const slotStart = (b: StandInBeacon, slot: number) => (b.chain.genesisTime + slot * SLOT_SECONDS) * 1000;
const untilSlot = async (b: StandInBeacon, slot: number) => {
  while (Date.now() < slotStart(b, slot)) await sleep(Math.min(200, slotStart(b, slot) - Date.now()));
};

async function startRun(fork: StandInFork, fuluForkEpoch: number | undefined): Promise<Run> {
  const beacon = await startStandInBeacon({
    fork,
    ...(fuluForkEpoch === undefined ? {} : { fuluForkEpoch }),
    port: 0,
    slotSeconds: SLOT_SECONDS,
    genesisValidators: 8,
    ownValidators: 4,
    // The DV nodes connect before genesis: a missed epoch-0 duty would delay justification.
    genesisDelaySeconds: 8,
  });
  const { committee, perMember, validators, identity } = await interopCommittee(`standin-${fork}`);
  // The builder's side of a blinded publication: the slots whose payload the builder revealed.
  const unblinded = new Set<number>();
  const unblind = beacon.chain.unblind.bind(beacon.chain);
  beacon.chain.unblind = (signed) => {
    unblinded.add(signed.message.slot);
    return unblind(signed);
  };
  const feeRecipients = (feeRecipient: Uint8Array): FeeRecipient[] =>
    validators.map((v) => ({ publicKey: v.publicKey, feeRecipient }));
  const events: NodeEvent[][] = Array.from({ length: N }, () => []);
  const published = new Map<number, number>();
  const nodes: (SingleCommitteeNode | undefined)[] = [];
  for (let member = 0; member < N; member++) {
    nodes.push(
      await startOperatorNode({
        member,
        identitySecret: identity(member),
        committee,
        signer: new ShareSigner(new SlashingProtection(openDatabase(":memory:")), perMember[member]!),
        validators,
        threshold: 3,
        beaconUrl: beacon.url,
        listen: ["/ip4/127.0.0.1/tcp/0"],
        feeRecipients: feeRecipients(FEE_RECIPIENT),
        onEvent: (e) => {
          events[member]!.push(e);
          if (e.type === "proposed" && !published.has(e.slot))
            published.set(e.slot, Date.now() - slotStart(beacon, e.slot));
        },
        ...(process.env["COHORT_TEST_LOG"] ? { log: jsonLogger(`member-${member}`) } : {}),
      }),
    );
  }
  for (const [a, na] of nodes.entries())
    for (const [b, nb] of nodes.entries()) if (a !== b) na!.setPeerAddrs(b, nb!.listenAddrs());
  while (nodes.some((n) => n!.p2p.connectedMembers() < N - 1)) await sleep(50);
  const proposers = new Map<number, number>();
  const blocks = new Map<number, DvBlock>();
  const participation = new Map<number, boolean[]>();
  let sampled = -1;
  const timer = setInterval(() => {
    const head = beacon.chain.headBlock().signed.message;
    for (const b of dvBlocks(beacon, unblinded, Math.max(1, head.slot - SLOTS_PER_EPOCH), head.slot))
      blocks.set(b.slot, b);
    const headEpoch = Math.floor(head.slot / SLOTS_PER_EPOCH);
    if (headEpoch > 0) participation.set(headEpoch - 1, dvTargetFlags(beacon));
    const epoch = Math.floor(Math.max(0, beacon.chain.currentSlot()) / SLOTS_PER_EPOCH);
    if (epoch === sampled) return;
    sampled = epoch;
    const state = beacon.chain.stateAtSlot(Math.max(epoch * SLOTS_PER_EPOCH, beacon.chain.headState().slot));
    state.epochCtx.getBeaconProposers().forEach((p, i) => {
      proposers.set(epoch * SLOTS_PER_EPOCH + i, p);
    });
  }, 250);
  return {
    beacon,
    nodes,
    events,
    published,
    proposers,
    blocks,
    participation,
    feeRecipients,
    stopSampling: () => clearInterval(timer),
  };
}

/** DV blocks in the chain by slot: proposer, whether the builder revealed its payload, the payload's fee recipient. */
function dvBlocks(b: StandInBeacon, unblinded: ReadonlySet<number>, from: number, to: number) {
  const out: ({ slot: number } & DvBlock)[] = [];
  for (let slot = from; slot <= to; slot++) {
    const block = b.chain.blockById(String(slot));
    if (!block || block.signed.message.slot !== slot) continue;
    const m = block.signed.message;
    if (!DV_INDICES.includes(m.proposerIndex)) continue;
    const feeRecipient = (m.body as { executionPayload: { feeRecipient: Uint8Array } }).executionPayload.feeRecipient;
    out.push({ slot, proposer: m.proposerIndex, viaBuilder: unblinded.has(slot), feeRecipient: hex(feeRecipient) });
  }
  return out;
}

/** Timely-target participation (flag bit 1) of the DV validators in the head state's previous epoch. */
function dvTargetFlags(b: StandInBeacon): boolean[] {
  const state = b.chain.headState() as CachedBeaconStateAltair;
  return DV_INDICES.map((i) => (state.previousEpochParticipation.get(i) & 0b010) !== 0);
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

// Fulu from Electra at epoch 2: the node switches at the epoch the beacon node's spec announces, and the chain
// justifies and finalizes Fulu epochs (3 and after) with the DV validators.
describe.each([
  { fork: "electra", fuluForkEpoch: undefined, name: "Electra" },
  { fork: "fulu", fuluForkEpoch: 2, name: "Fulu (Electra genesis, Fulu from epoch 2)" },
] as const)("four DV nodes on the stand-in beacon at $name", ({ fork, fuluForkEpoch }) => {
  let run: Run;

  beforeAll(async () => {
    run = await startRun(fork, fuluForkEpoch);
  }, 60_000);

  afterAll(async () => {
    run?.stopSampling();
    for (const n of run?.nodes ?? []) await n?.stop().catch(() => {});
    await run?.beacon.stop();
  });

  it("attests (included, the chain finalizes), proposes full and blinded blocks the state transition accepts, with one member down", async () => {
    const { beacon, nodes } = run;
    // Epoch 1: the committee gets its builder settings.
    await untilSlot(beacon, SLOTS_PER_EPOCH);
    for (const n of nodes) n!.setBuilder(BUILDER);
    // Epoch 2: member 3 goes down for good.
    await untilSlot(beacon, DOWN_EPOCH * SLOTS_PER_EPOCH);
    await nodes[3]!.stop();
    nodes[3] = undefined;
    // Epoch 3: a slow builder; epoch 4: a prompt one again.
    await untilSlot(beacon, SLOW_BUILDER_EPOCH * SLOTS_PER_EPOCH);
    beacon.chain.builderDelayMs = 3 * SLOT_MS;
    await untilSlot(beacon, (SLOW_BUILDER_EPOCH + 1) * SLOTS_PER_EPOCH);
    beacon.chain.builderDelayMs = 0;
    // Mid-epoch, so the change certainly waits for the next boundary on every member.
    await untilSlot(beacon, (FEE_CHANGE_EPOCH - 1) * SLOTS_PER_EPOCH + SLOTS_PER_EPOCH / 2);
    for (const n of nodes) n?.setFeeRecipients(run.feeRecipients(FEE_RECIPIENT_2));
    // Finality.
    const limit = (FINALIZED_TARGET + 5) * SLOTS_PER_EPOCH;
    let slot = (SLOW_BUILDER_EPOCH + 1) * SLOTS_PER_EPOCH;
    while (beacon.chain.headState().finalizedCheckpoint.epoch < FINALIZED_TARGET && slot < limit) {
      slot++;
      await untilSlot(beacon, slot);
      // The stand-in's own slot work at the boundary runs first.
      await sleep(100);
    }
    const head = beacon.chain.headState();
    // One more epoch for the last one's participation to be read.
    await untilSlot(beacon, head.slot + SLOTS_PER_EPOCH);
    run.stopSampling();
    const blocks = [...run.blocks].map(([slot, b]) => ({ slot, ...b })).sort((a, b) => a.slot - b.slot);
    const participation = [...run.participation].map(([epoch, flags]) => ({ epoch, flags }));
    const byEpoch = (e: number) => blocks.filter((x) => Math.floor(x.slot / SLOTS_PER_EPOCH) === e);
    // Publication times by path: local blocks with no builder configured (epoch 0), local blocks after the builder
    // failed its budget (the slow epoch), blinded blocks.
    const timesOf = (pick: (slot: number, viaBuilder: boolean) => boolean) =>
      [...run.published].flatMap(([slot, ms]) => {
        const b = blocks.find((x) => x.slot === slot);
        return b && pick(slot, b.viaBuilder) ? [ms] : [];
      });
    const inEpoch = (slot: number, e: number) => Math.floor(slot / SLOTS_PER_EPOCH) === e;
    const full = timesOf((slot, viaBuilder) => !viaBuilder && inEpoch(slot, 0));
    const fallback = timesOf((slot, viaBuilder) => !viaBuilder && inEpoch(slot, SLOW_BUILDER_EPOCH));
    const blinded = timesOf((_slot, viaBuilder) => viaBuilder);
    const misses = [0, 1, 2].flatMap((m) =>
      run.events[m]!.flatMap((e) =>
        e.type === "missed" && !e.kind.startsWith("sync")
          ? [`m${m}:${e.kind}@${e.slot}/${e.validatorIndex}:${e.reason}`]
          : [],
      ),
    );
    // Sync committee duties are another workflow's (app/sync-committee.ts); only this one's misses are listed.
    console.log(`${TIMING_TAG} ${fork} missed: ${misses.join(" ") || "none"}`);
    console.log(
      `${TIMING_TAG} ${fork}: finalized ${head.finalizedCheckpoint.epoch} at slot ${head.slot}; DV blocks ` +
        `${blocks.map((b) => `${b.slot}${b.viaBuilder ? "b" : "l"}`).join(" ")}; participation ` +
        `${participation.map((p) => `${p.epoch}:${p.flags.map(Number).join("")}`).join(" ")}; slot start → published ` +
        `full n=${full.length} p50 ${quantile(full, 0.5)} ms p99 ${quantile(full, 0.99)} ms, ` +
        `blinded n=${blinded.length} p50 ${quantile(blinded, 0.5)} ms p99 ${quantile(blinded, 0.99)} ms, ` +
        `builder-fallback n=${fallback.length} p50 ${quantile(fallback, 0.5)} ms p99 ${quantile(fallback, 0.99)} ms`,
    );

    expect(beacon.chain.config.getForkName(head.slot)).toBe(fork);
    if (fuluForkEpoch !== undefined) {
      // DV blocks on both sides of the boundary, each passed through its fork's state transition.
      const boundary = fuluForkEpoch * SLOTS_PER_EPOCH;
      expect(beacon.chain.config.getForkName(boundary - 1)).toBe("electra");
      expect(blocks.some((b) => b.slot < boundary)).toBe(true);
      expect(blocks.some((b) => b.slot >= boundary)).toBe(true);
    }
    // The chain finalized with half its stake from the DV validators: their attestations were included.
    expect(head.finalizedCheckpoint.epoch).toBeGreaterThanOrEqual(FINALIZED_TARGET);
    // And directly: the state's timely-target flags. A duty whose consensus ran out of time on the shared two cores
    // is a missed attestation, not a wrong one: at least 80% of (epoch, validator) pairs from epoch 1 on, and every
    // DV validator included after the member went down.
    const counted = participation.filter((x) => x.epoch >= 1).flatMap((x) => x.flags);
    expect(counted.length).toBeGreaterThanOrEqual(4 * 4);
    expect(counted.filter(Boolean).length / counted.length).toBeGreaterThanOrEqual(0.8);
    const afterDown = participation.filter((x) => x.epoch >= DOWN_EPOCH);
    for (const v of DV_INDICES.keys())
      expect(
        afterDown.some((x) => x.flags[v]),
        `validator ${DV_INDICES[v]}`,
      ).toBe(true);
    // Blocks: local before the builder, blinded after, local while the builder is slow, blinded again after; the
    // one member down changes none of it.
    expect(byEpoch(0).length).toBeGreaterThan(0);
    expect(byEpoch(0).every((b) => !b.viaBuilder)).toBe(true);
    const builderEpochs = blocks.filter(
      (b) => b.slot >= 2 * SLOTS_PER_EPOCH - 1 && Math.floor(b.slot / SLOTS_PER_EPOCH) !== SLOW_BUILDER_EPOCH,
    );
    expect(builderEpochs.filter((b) => b.viaBuilder).length).toBeGreaterThan(0);
    expect(byEpoch(DOWN_EPOCH).length + byEpoch(SLOW_BUILDER_EPOCH + 1).length).toBeGreaterThan(0);
    expect(byEpoch(SLOW_BUILDER_EPOCH).length).toBeGreaterThan(0);
    expect(byEpoch(SLOW_BUILDER_EPOCH).every((b) => !b.viaBuilder)).toBe(true);
    // No DV proposer slot after the first epoch went empty.
    const dvSlots = [...run.proposers]
      .filter(([s, p]) => s >= SLOTS_PER_EPOCH && s <= head.slot && DV_INDICES.includes(p))
      .map(([s]) => s);
    expect(dvSlots.length).toBeGreaterThan(4);
    const missed = dvSlots.filter((s) => !blocks.some((b) => b.slot === s));
    expect(missed.length, `missed DV slots ${missed.join(",")}`).toBeLessThanOrEqual(Math.floor(dvSlots.length / 10));
    for (const m of [0, 1, 2]) expect(run.events[m]!.filter((e) => e.type === "refused")).toEqual([]);
    // Every DV block pays the validators' fee recipient of its epoch, local or the builder's; the new one reaches
    // the builder's blocks (registrations signed again) and local ones.
    const change = FEE_CHANGE_EPOCH * SLOTS_PER_EPOCH;
    const wrong = blocks.filter((b) => b.feeRecipient !== hex(b.slot < change ? FEE_RECIPIENT : FEE_RECIPIENT_2));
    expect(wrong.map((b) => `${b.slot}:${b.feeRecipient}`)).toEqual([]);
    expect(blocks.some((b) => b.slot >= change && b.viaBuilder)).toBe(true);
    expect(blocks.some((b) => b.slot >= change)).toBe(true);
    // Registrations: signed once per fee recipient (two), resubmitted every epoch in between.
    for (const m of [0, 1, 2]) {
      const signed = run.events[m]!.filter((e) => e.type === "registration-signed");
      expect(signed.map((e) => e.validators)).toEqual([4, 4]);
      const submitted = new Set(run.events[m]!.flatMap((e) => (e.type === "registrations-submitted" ? [e.epoch] : [])));
      expect(submitted.size).toBeGreaterThanOrEqual(4);
    }
  }, 240_000);
});
