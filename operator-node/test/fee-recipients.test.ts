/**
 * Fee recipients in the node: the rule (registry choice or owner, the pool for mini-pool validators), the one
 * prepare_beacon_proposer request per epoch against a real HTTP server, the proposal validity check (full and
 * blinded blocks), builder registrations per validator, and the proposer workflow end to end against a stand-in
 * beacon route set with its test hook. The event → fee recipient mapping against the real registry is in
 * chain-sync.test.ts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SLOTS_PER_EPOCH } from "@lodestar/params";
import { type BlindedBeaconBlock, type capella, ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeeRecipientError, FeeRecipients } from "../src/app/fee-recipients.js";
import { isAcceptableBlock, ProposerWorkflow } from "../src/app/proposer.js";
import { feeRecipientOf, feeRecipientsOf } from "../src/chain/fee-recipients.js";
import type { BeaconChain } from "../src/duties/beacon.js";
import { isAcceptableRegistrations, registrationsFor } from "../src/duties/builder.js";
import { decodeProposal, encodeProposal } from "../src/duties/proposer.js";
import type { LogFields, Logger } from "../src/log.js";
import type { Decision } from "../src/workflow.js";
import { forkScheduleConfig, GENESIS_VALIDATORS_ROOT } from "./helpers/spec-roots.js";

// Capella from genesis, Deneb from epoch 2 (minimal preset: slots 0..15 Capella, 16.. Deneb).
const DENEB_SLOT = 2 * SLOTS_PER_EPOCH;
const config = forkScheduleConfig({ ALTAIR: 0, BELLATRIX: 0, CAPELLA: 0, DENEB: 2 });

const OWNER = new Uint8Array(20).fill(0x11);
const OTHER = new Uint8Array(20).fill(0x22);
const THIRD = new Uint8Array(20).fill(0x33);
const key = (n: number) => new Uint8Array(48).fill(n);
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

/** A node:http server standing in for the routes a test names; every request is recorded with its JSON body. */
interface Route {
  status: number;
  json?: unknown;
}
interface StandIn {
  url: string;
  requests: { method: string; path: string; contentType: string | undefined; body: unknown }[];
  respond: (method: string, path: string) => Route;
  close(): Promise<void>;
}
async function standIn(respond: StandIn["respond"]): Promise<StandIn> {
  const s: Partial<StandIn> = { requests: [], respond };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      const path = req.url ?? "";
      s.requests!.push({
        method: req.method ?? "",
        path,
        contentType: req.headers["content-type"],
        body: text ? JSON.parse(text) : undefined,
      });
      const r = s.respond!(req.method ?? "", path);
      res.writeHead(r.status, { "content-type": "application/json" });
      res.end(JSON.stringify(r.json ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = () => new Promise<void>((r) => server.close(() => r()));
  return s as StandIn;
}

function chainAt(url: string, genesisTime = Math.floor(Date.now() / 1000)): BeaconChain {
  return {
    url,
    api: undefined as never,
    config,
    genesisTime,
    genesisValidatorsRoot: GENESIS_VALIDATORS_ROOT,
    secondsPerSlot: 2,
  };
}

function recordingLog(): Logger & { lines: { level: string; message: string; fields: LogFields }[] } {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      void lines.push({ level, message, fields });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

describe("the fee recipient rule", () => {
  const registry = {
    feeRecipientOf: (pk: Uint8Array) => (pk[0] === 1 ? (hex(OWNER) as Address) : undefined),
  };
  const pool = hex(THIRD) as Address;

  it("a registry validator pays what the registry says; a mini-pool validator pays the pool; others are unknown", () => {
    const sources = { registry, miniPools: { pool, keys: new Set([hex(key(2))]) } };
    expect(feeRecipientOf(sources, key(1))).toBe(hex(OWNER));
    expect(feeRecipientOf(sources, key(2))).toBe(pool);
    expect(feeRecipientOf(sources, key(3))).toBeUndefined();
    expect(feeRecipientOf({ registry }, key(2))).toBeUndefined();
    expect(
      feeRecipientsOf(
        sources,
        [key(1), key(2), key(3)].map((publicKey) => ({ publicKey })),
      ),
    ).toEqual([
      { publicKey: key(1), feeRecipient: OWNER },
      { publicKey: key(2), feeRecipient: THIRD },
    ]);
  });
});

describe("prepare_beacon_proposer, one request per epoch (real HTTP server)", () => {
  let beacon: StandIn;
  let failing = false;
  beforeAll(async () => {
    beacon = await standIn((method, path) =>
      method === "POST" && path === "/eth/v1/validator/prepare_beacon_proposer" && !failing
        ? { status: 200 }
        : { status: 500, json: { code: 500, message: "stand-in refuses" } },
    );
  });
  afterAll(() => beacon.close());

  it("sends every served validator with a known index and fee recipient, staged changes from `apply` on", async () => {
    const indices = new Map([
      [hex(key(1)), 3],
      [hex(key(2)), 9],
    ]);
    let indicesVersion = 1;
    const log = recordingLog();
    const service = new FeeRecipients({
      chain: chainAt(beacon.url),
      served: () => [key(1), key(2), key(3)],
      indexOf: (pk) => indices.get(hex(pk)),
      indicesVersion: () => indicesVersion,
      log,
    });
    const sent = () => beacon.requests.filter((r) => r.path === "/eth/v1/validator/prepare_beacon_proposer");
    service.stage([
      { publicKey: key(1), feeRecipient: OWNER },
      { publicKey: key(2), feeRecipient: OTHER },
      { publicKey: key(3), feeRecipient: OWNER },
    ]);
    // Staged only: nothing known yet, nothing sent.
    await service.onSlot(8);
    expect(service.of(key(1))).toBeUndefined();
    expect(sent()).toHaveLength(0);

    service.apply();
    await service.onSlot(8);
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).toMatchObject({ method: "POST", contentType: "application/json" });
    // Validator 3 has no index yet: left out.
    expect(sent()[0]!.body).toEqual([
      { validator_index: "3", fee_recipient: hex(OWNER) },
      { validator_index: "9", fee_recipient: hex(OTHER) },
    ]);
    // Once per epoch.
    for (const slot of [9, 10, 15]) await service.onSlot(slot);
    expect(sent()).toHaveLength(1);
    await service.onSlot(16);
    expect(sent()).toHaveLength(2);

    // A change waits for the boundary's `apply`.
    service.stage([
      { publicKey: key(1), feeRecipient: OWNER },
      { publicKey: key(2), feeRecipient: THIRD },
      { publicKey: key(3), feeRecipient: OWNER },
    ]);
    await service.onSlot(17);
    expect(sent()).toHaveLength(2);
    expect(service.of(key(2))).toEqual(OTHER);
    service.apply();
    await service.onSlot(24);
    expect(sent()).toHaveLength(3);
    expect(sent()[2]!.body).toEqual([
      { validator_index: "3", fee_recipient: hex(OWNER) },
      { validator_index: "9", fee_recipient: hex(THIRD) },
    ]);
    // An index found mid-epoch is sent at once.
    indices.set(hex(key(3)), 12);
    indicesVersion++;
    await service.onSlot(25);
    expect(sent()).toHaveLength(4);
    expect((sent()[3]!.body as unknown[]).length).toBe(3);

    // Refused: logged once with what to do, retried every slot, never thrown; recovery is logged.
    failing = true;
    await service.onSlot(32);
    await service.onSlot(33);
    expect(sent()).toHaveLength(6);
    const warnings = log.lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/prepare_beacon_proposer.*check that beacon\.url/);
    expect(warnings[0]!.fields["reason"]).toMatch(/HTTP 500/);
    failing = false;
    await service.onSlot(34);
    await service.onSlot(35);
    expect(sent()).toHaveLength(7);
    expect(log.lines.at(-1)).toMatchObject({ level: "info", message: expect.stringMatching(/again/) });
  });

  it("refuses a fee recipient that is not 20 bytes", () => {
    const service = new FeeRecipients({
      chain: chainAt(beacon.url),
      served: () => [],
      indexOf: () => undefined,
      indicesVersion: () => 0,
      log: recordingLog(),
    });
    expect(() => service.stage([{ publicKey: key(1), feeRecipient: new Uint8Array(32) }])).toThrow(FeeRecipientError);
  });

  it("a beacon node that cannot be reached is one warning, not a crash", async () => {
    const log = recordingLog();
    const service = new FeeRecipients({
      chain: chainAt("http://127.0.0.1:9"),
      served: () => [key(1)],
      indexOf: () => 1,
      indicesVersion: () => 0,
      log,
    });
    service.stage([{ publicKey: key(1), feeRecipient: OWNER }]);
    service.apply();
    await service.onSlot(0);
    await service.onSlot(1);
    expect(log.lines.filter((l) => l.level === "warn")).toHaveLength(1);
  });
});

// ------------------------------------------------------------------ blocks

const PARENT = sha256(Uint8Array.of(1));
const REVEAL = new Uint8Array(96).fill(7);
const duty = (slot: number) => ({ validatorIndex: 5, pubkey: key(5), slot });

function capellaBlock(
  slot: number,
  feeRecipient: Uint8Array,
  blockHash = sha256(Uint8Array.of(slot)),
): capella.BeaconBlock {
  const block = ssz.capella.BeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = 5;
  block.parentRoot = PARENT;
  block.body.randaoReveal = REVEAL;
  block.body.executionPayload.feeRecipient = feeRecipient;
  block.body.executionPayload.blockHash = blockHash;
  return block;
}

function denebBlinded(slot: number, feeRecipient: Uint8Array): BlindedBeaconBlock {
  const block = ssz.deneb.BlindedBeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = 5;
  block.parentRoot = PARENT;
  block.body.randaoReveal = REVEAL;
  block.body.executionPayloadHeader.feeRecipient = feeRecipient;
  block.body.executionPayloadHeader.blockHash = sha256(Uint8Array.of(slot, 1));
  return block;
}

describe("the proposal validity check and the validator's fee recipient", () => {
  it("full block: the one paying the validator's fee recipient is accepted, one paying anyone else refused", () => {
    const own = capellaBlock(9, OWNER);
    expect(isAcceptableBlock(capellaBlock(9, OWNER), own, duty(9), REVEAL, OWNER)).toBe(true);
    expect(isAcceptableBlock(capellaBlock(9, OTHER), own, duty(9), REVEAL, OWNER)).toBe(false);
    // No fee recipient known: nothing checked (the other rules still are).
    expect(isAcceptableBlock(capellaBlock(9, OTHER), own, duty(9), REVEAL)).toBe(true);
    expect(isAcceptableBlock(capellaBlock(10, OWNER), own, duty(9), REVEAL, OWNER)).toBe(false);
  });

  it("blinded block (Deneb on, decoded from the consensus value): the payload header's fee recipient decides", () => {
    const own = denebBlinded(DENEB_SLOT, OWNER);
    for (const builder of [false, true]) {
      const value = (fr: Uint8Array) =>
        decodeProposal(config, DENEB_SLOT, encodeProposal(config, { builder, blinded: denebBlinded(DENEB_SLOT, fr) }))
          ?.blinded;
      expect(isAcceptableBlock(value(OWNER), own, duty(DENEB_SLOT), REVEAL, OWNER)).toBe(true);
      expect(isAcceptableBlock(value(OTHER), own, duty(DENEB_SLOT), REVEAL, OWNER)).toBe(false);
    }
  });

  it("phase0 blocks pay no one, nor Bellatrix blocks before the merge (read from our own block, not the peer's)", () => {
    const phase0 = ssz.phase0.BeaconBlock.defaultValue();
    Object.assign(phase0, { slot: 9, proposerIndex: 5, parentRoot: PARENT });
    phase0.body.randaoReveal = REVEAL;
    expect(isAcceptableBlock(phase0, phase0, duty(9), REVEAL, OWNER)).toBe(true);
    const preMerge = capellaBlock(9, new Uint8Array(20), new Uint8Array(32));
    expect(isAcceptableBlock(capellaBlock(9, OTHER), preMerge, duty(9), REVEAL, OWNER)).toBe(true);
    // A peer cannot claim "pre-merge" with a zero block hash once our own block has a payload.
    expect(isAcceptableBlock(preMerge, capellaBlock(9, OWNER), duty(9), REVEAL, OWNER)).toBe(false);
  });
});

describe("builder registrations carry each validator's own fee recipient", () => {
  it("a round registers each validator with its fee recipient, and refuses a list with another one", () => {
    const chain = chainAt("http://127.0.0.1:9", 1000);
    const list = registrationsFor(
      chain,
      3,
      [
        { pubkey: key(1), feeRecipient: OWNER },
        { pubkey: key(2), feeRecipient: OTHER },
      ],
      { gasLimit: 30_000_000 },
    );
    expect(list.map((r) => [hex(r.pubkey), hex(r.feeRecipient), r.gasLimit])).toEqual([
      [hex(key(1)), hex(OWNER), 30_000_000],
      [hex(key(2)), hex(OTHER), 30_000_000],
    ]);
    const timestamp = list[0]!.timestamp;
    expect(timestamp).toBe(1000 + 3 * SLOTS_PER_EPOCH * 2);
    const ours = new Map([
      [hex(key(1)).slice(2), OWNER],
      [hex(key(2)).slice(2), OTHER],
    ]);
    expect(isAcceptableRegistrations(list, ours, { gasLimit: 30_000_000 }, timestamp)).toBe(true);
    const swapped = list.map((r, i) => ({ ...r, feeRecipient: i === 0 ? OTHER : r.feeRecipient }));
    expect(isAcceptableRegistrations(swapped, ours, { gasLimit: 30_000_000 }, timestamp)).toBe(false);
    // A validator whose fee recipient this member does not know is not registered by it.
    expect(isAcceptableRegistrations(list, new Map([...ours].slice(0, 1)), { gasLimit: 30_000_000 }, timestamp)).toBe(
      false,
    );
  });
});

// ------------------------------------------------------------------ the proposer workflow, end to end

describe("the proposer workflow (Capella, a stand-in beacon node over HTTP, a scripted consensus)", () => {
  let beacon: StandIn;
  /** What our beacon node builds: a block paying this. */
  let builtFor = OWNER;
  beforeAll(async () => {
    beacon = await standIn((method, path) => {
      const slot = Number(/\/eth\/v2\/validator\/blocks\/(\d+)/.exec(path)?.[1]);
      if (method === "GET" && !Number.isNaN(slot))
        return {
          status: 200,
          json: { version: "capella", data: ssz.capella.BeaconBlock.toJson(capellaBlock(slot, builtFor)) },
        };
      return { status: 200 };
    });
  });
  afterAll(() => beacon.close());

  /** One proposal of slot 9: what this member proposed, its validity predicate, what it published. */
  async function propose(opts: {
    decide: (own: capella.BeaconBlock) => capella.BeaconBlock;
    rewriteFeeRecipientForTest?: Uint8Array;
  }) {
    const chain = chainAt(beacon.url);
    const log = recordingLog();
    let proposed: capella.BeaconBlock | undefined;
    let isValid: ((v: Uint8Array) => boolean) | undefined;
    const types = ssz.capella.BeaconBlock;
    const sig = new Uint8Array(96).fill(9);
    const events: { type: string }[] = [];
    const workflow = new ProposerWorkflow({
      chain,
      committeeId: new Uint8Array(32),
      shareIndex: 1,
      consensus: {
        propose: async (instance, value, _deadline, valid) => {
          proposed = types.deserialize(value);
          isValid = valid;
          return { instance, value: types.serialize(opts.decide(proposed)), proof: undefined as never } as Decision;
        },
        stop: async () => {},
      },
      signer: { signUnslashable: () => sig, signBlock: () => sig } as never,
      parsigex: { broadcast: async () => {} } as never,
      sigagg: { expect: () => {}, add: () => {} } as never,
      combined: { wait: async () => REVEAL } as never,
      log,
      onEvent: (e) => events.push(e),
      dutyAt: (slot) => (slot === 9 ? duty(9) : undefined),
      feeRecipientOf: (pk) => (hex(pk) === hex(key(5)) ? OWNER : undefined),
      ...(opts.rewriteFeeRecipientForTest ? { rewriteFeeRecipientForTest: opts.rewriteFeeRecipientForTest } : {}),
    });
    const before = beacon.requests.length;
    workflow.onDuty({ kind: 1, slot: 9n }, performance.now() + 10_000);
    for (let i = 0; i < 200 && !events.some((e) => e.type === "proposed" || e.type === "missed"); i++)
      await new Promise((r) => setTimeout(r, 25));
    const published = beacon.requests
      .slice(before)
      .filter((r) => r.path === "/eth/v1/beacon/blocks")
      .map((r) => ssz.capella.SignedBeaconBlock.fromJson(r.body).message);
    return { proposed: proposed!, isValid: isValid!, published, events, log };
  }

  it("proposes its beacon node's block, refuses (and logs) a peer's block paying someone else, publishes the decided one", async () => {
    const r = await propose({ decide: (own) => own });
    expect(hex(r.proposed.body.executionPayload.feeRecipient)).toBe(hex(OWNER));
    expect(r.isValid(ssz.capella.BeaconBlock.serialize(capellaBlock(9, OWNER)))).toBe(true);
    expect(r.isValid(ssz.capella.BeaconBlock.serialize(capellaBlock(9, OTHER)))).toBe(false);
    expect(r.log.lines.some((l) => /refused a proposed block that pays another fee recipient/.test(l.message))).toBe(
      true,
    );
    expect(r.published.map((b) => hex(b.body.executionPayload.feeRecipient))).toEqual([hex(OWNER)]);
  });

  it("TEST HOOK rewriteFeeRecipientForTest: this member proposes a block paying the given address; its own check stays honest", async () => {
    const r = await propose({
      decide: (own) => ({ ...own, body: { ...own.body } }),
      rewriteFeeRecipientForTest: THIRD,
    });
    expect(hex(r.proposed.body.executionPayload.feeRecipient)).toBe(hex(THIRD));
    expect(r.isValid(ssz.capella.BeaconBlock.serialize(r.proposed))).toBe(false);
    expect(r.isValid(ssz.capella.BeaconBlock.serialize(capellaBlock(9, OWNER)))).toBe(true);
  });

  it("warns when its own beacon node builds a block paying someone else (a preparation not applied)", async () => {
    builtFor = OTHER;
    try {
      const r = await propose({ decide: () => capellaBlock(9, OWNER) });
      expect(
        r.log.lines.some((l) => /our beacon node built a block paying another fee recipient/.test(l.message)),
      ).toBe(true);
    } finally {
      builtFor = OWNER;
    }
  });
});
