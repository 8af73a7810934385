/**
 * The DKG between four real P2PNode instances on loopback sockets (libp2p, noise, yamux), with real BLS (herumi
 * WASM) and real identity signatures; results are checked independently with @noble/curves.
 */
import { decryptShare, generateEncryptionKeyPair } from "@cohort/sdk";
import {
  depositDataRoot,
  depositSigningRoot,
  executionWithdrawalCredentials,
  FULL_DEPOSIT_GWEI,
  GENESIS_FORK_VERSIONS,
} from "@cohort/sdk/deposit/deposit";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secp256k1Signer, wasmSecp256k1Verifier } from "../src/consensus/crypto.js";
import { type DkgBody, encodeSigned, HEADER_BYTES } from "../src/dkg/codec.js";
import {
  type Adversary,
  type CeremonyId,
  type DkgFailure,
  type DkgResult,
  type DkgSuccess,
  inboxOf,
  openDkgChannel,
  runDkg,
  ShareZeroizedError,
  sealDkgShare,
} from "../src/dkg/index.js";
import { type LogFields, type Logger, silentLogger } from "../src/log.js";
import type { Channel } from "../src/p2p/transport.js";
import { P2PNode } from "../src/p2p/transport.js";

const enc = new TextEncoder();
const secret = (i: number) => sha256(enc.encode(`dkg-test-key-${i}`));
const signers = [0, 1, 2, 3].map((i) => new Secp256k1Signer(secret(i)));
const committee = signers.map((s) => s.publicKey);
const withdrawalCredentials = executionWithdrawalCredentials("0x00000000000000000000000000000000000000aa");
const forkVersion = Uint8Array.from(Buffer.from(GENESIS_FORK_VERSIONS.holesky.slice(2), "hex"));
const DEADLINE_MS = 4000;

const ETH_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
const L = bls12_381.longSignatures;
const Fr = bls12_381.fields.Fr;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const big = (b: Uint8Array) => BigInt(`0x${hex(b)}`);

let nodes: P2PNode[] = [];
let channels: Channel[] = [];
let nextPool = 1n;

beforeAll(async () => {
  nodes = await Promise.all(
    [0, 1, 2, 3].map((i) => P2PNode.create({ privateKey: secret(i), committee, listen: ["/ip4/127.0.0.1/tcp/0"] })),
  );
  channels = await Promise.all(nodes.map((n) => openDkgChannel(n)));
  for (const a of nodes) for (const b of nodes) if (a !== b) a.setPeerAddrs(b.self, b.listenAddrs());
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

/** A fresh ceremony id per test: one mini-pool, attempt 0. */
function freshCeremony(): CeremonyId {
  return { miniPoolId: nextPool++, attempt: 0 };
}

function run(member: number, ceremonyId: CeremonyId, adversary?: Adversary, log: Logger = silentLogger) {
  return runDkg({
    channel: channels[member]!,
    self: member,
    committee,
    ceremonyId,
    withdrawalCredentials,
    forkVersion,
    identitySigner: signers[member]!,
    identityVerifier: wasmSecp256k1Verifier,
    deadlineMs: DEADLINE_MS,
    log,
    ...(adversary ? { adversary } : {}),
  });
}

async function runAll(ceremonyId: CeremonyId, adversaries: Record<number, Adversary> = {}, logs: Logger[] = []) {
  return Promise.all([0, 1, 2, 3].map((m) => run(m, ceremonyId, adversaries[m], logs[m])));
}

/** Keeps what a member logged, to see which path the ceremony took. */
function recordingLogger(): Logger & { lines: { message: string; fields: LogFields }[] } {
  const lines: { message: string; fields: LogFields }[] = [];
  const keep = (message: string, fields: LogFields = {}) => void lines.push({ message, fields });
  return { lines, info: keep, warn: keep, error: keep };
}

function successes(results: DkgResult[]): DkgSuccess[] {
  for (const r of results) if (!r.ok) throw new Error(`unexpected failure: ${r.reason}`);
  return results as DkgSuccess[];
}

/** Everything members must agree on, and the per-member share checks, on noble. */
function expectConsistent(results: DkgSuccess[]): void {
  const [first] = results;
  for (const r of results) {
    expect(hex(r.validatorPubkey)).toBe(hex(first!.validatorPubkey));
    expect(r.sharePublicKeys.map(hex)).toEqual(first!.sharePublicKeys.map(hex));
    expect(r.commitments.map(hex)).toEqual(first!.commitments.map(hex));
    expect(hex(r.depositSignature)).toBe(hex(first!.depositSignature));
    expect(hex(r.depositDataRoot)).toBe(hex(first!.depositDataRoot));
    // The share matches its share public key (noble), which matches the joint commitments.
    const x = r.share.index;
    expect(hex(r.share.publicKey)).toBe(hex(r.sharePublicKeys[x - 1]!));
    r.share.use((s) => expect(hex(L.getPublicKey(s).toBytes())).toBe(hex(r.share.publicKey)));
  }
  expect(new Set(results.map((r) => r.share.index)).size).toBe(results.length);
}

function lagrangeAtZero(indices: number[]): bigint[] {
  return indices.map((i) =>
    indices.reduce((acc, j) => (j === i ? acc : Fr.mul(acc, Fr.div(BigInt(j), Fr.sub(BigInt(j), BigInt(i))))), 1n),
  );
}

function failures(results: DkgResult[], members: number[]): DkgFailure[] {
  return members.map((m) => {
    const r = results[m]!;
    if (r.ok) throw new Error(`member ${m} succeeded where it should have failed`);
    return r;
  });
}

describe("DKG over four real P2P nodes", () => {
  it("honest run: one key, consistent shares, every 3-subset signs for it, the deposit verifies (noble)", async () => {
    const results = successes(await runAll(freshCeremony()));
    expectConsistent(results);
    const pubkey = results[0]!.validatorPubkey;

    // Any t = 3 shares sign (noble) to a signature that verifies under the DKG key.
    const message = enc.encode("any message the committee signs");
    const h = L.hash(message, ETH_DST);
    const partials = results.map((r) => r.share.use((s) => L.sign(h, s)));
    for (const subset of [
      [1, 2, 3],
      [1, 2, 4],
      [1, 3, 4],
      [2, 3, 4],
    ]) {
      const lambdas = lagrangeAtZero(subset);
      const combined = subset.map((x, k) => partials[x - 1]!.multiply(lambdas[k]!)).reduce((a, b) => a.add(b));
      expect(L.verify(combined, h, pubkey)).toBe(true);
    }
    // No 2 shares do.
    const two = lagrangeAtZero([1, 2]);
    expect(L.verify(partials[0]!.multiply(two[0]!).add(partials[1]!.multiply(two[1]!)), h, pubkey)).toBe(false);

    // The deposit: signed under the deposit domain, and its data root is the one the deposit contract computes.
    const deposit = { publicKey: pubkey, withdrawalCredentials, amountGwei: FULL_DEPOSIT_GWEI };
    const root = depositSigningRoot(deposit, forkVersion);
    const sig = results[0]!.depositSignature;
    expect(L.verify(L.Signature.fromBytes(sig), L.hash(root, ETH_DST), pubkey)).toBe(true);
    expect(hex(results[0]!.depositDataRoot)).toBe(hex(depositDataRoot(deposit, sig)));

    // Shares are unlike each other and no share is the key (interpolating 3 is the only way to the key's secret).
    const secretOf3 = [1, 2, 3].reduce(
      (acc, x, k) => Fr.add(acc, Fr.mul(lagrangeAtZero([1, 2, 3])[k]!, results[x - 1]!.share.use(big))),
      0n,
    );
    expect(hex(bls12_381.G1.Point.BASE.multiply(secretOf3).toBytes())).toBe(hex(pubkey));

    // Sealed to the operator's own X25519 key, the share opens like a staker-registered one.
    const keys = await generateEncryptionKeyPair();
    const context = {
      encryptionPublicKey: keys.publicKey,
      chainId: 17000n,
      registry: new Uint8Array(20).fill(7),
      operatorId: 42n,
    };
    const sealed = await sealDkgShare(results[2]!.share, pubkey, context);
    const opened = await decryptShare(keys.secretKey, sealed.encrypted, {
      chainId: 17000n,
      registry: context.registry,
      validatorPublicKey: pubkey,
      operatorId: 42n,
    });
    expect(hex(opened)).toBe(results[2]!.share.use(hex));
    expect(sealed.sharePublicKey).toEqual(results[2]!.sharePublicKeys[2]);

    for (const r of results) r.share.zeroize();
    expect(() => results[0]!.share.use(() => 0)).toThrow(ShareZeroizedError);
    expect(JSON.stringify(results[1]!.share)).not.toMatch(/secret/);
  });

  it("a bad share to one peer, then a correct reveal: the complaint is resolved and the ceremony succeeds", async () => {
    const id = freshCeremony();
    const badShareTo2: Adversary = {
      outgoing: (to, body) => (body.type === "share" && to === 2 ? { ...body, share: tweak(body.share) } : body),
    };
    const logs = [0, 1, 2, 3].map(() => recordingLogger());
    const results = successes(await runAll(id, { 1: badShareTo2 }, logs));
    expectConsistent(results);
    // The path taken: member 2 complained about member 1, which answered with a reveal.
    expect(logs[2]!.lines.find((l) => l.message === "dkg round 2: echoed")?.fields.complaints).toEqual([1]);
    expect(logs[1]!.lines.find((l) => l.message === "dkg round 3: complaints")?.fields.accusedMe).toEqual([2]);
    for (const m of [0, 1, 3]) {
      expect(logs[m]!.lines.find((l) => l.message === "dkg round 2: echoed")?.fields.complaints).toEqual([]);
    }
  });

  it("a bad share and no reveal: the dealer is disqualified and every honest member fails naming it", async () => {
    const id = freshCeremony();
    const silentDealer: Adversary = {
      outgoing: (to, body) => {
        if (body.type === "share" && to === 2) return { ...body, share: tweak(body.share) };
        return body.type === "reveal" ? null : body;
      },
    };
    const results = await runAll(id, { 1: silentDealer });
    for (const f of failures(results, [0, 2, 3])) {
      expect(f.culprits).toEqual([1]);
      expect(f.blame.map((b) => b.fault)).toContain("no-reveal");
      expect(f.retryable).toBe(true);
      expect(f.reason).toMatch(/member 1/);
    }
  });

  it("equivocating commitments (different to one peer) are caught through the echoes", async () => {
    const id = freshCeremony();
    const other = await import("../src/dkg/feldman.js").then((f) => f.deal(4, 3));
    const twoFaced: Adversary = {
      outgoing: (to, body) => {
        if (to !== 0) return body;
        if (body.type === "commit") return { type: "commit", commitments: other.commitments };
        if (body.type === "share") return { ...body, share: other.shares[0]! }; // consistent with what 0 was shown
        return body;
      },
    };
    const results = await runAll(id, { 3: twoFaced });
    for (const f of failures(results, [0, 1, 2])) {
      expect(f.culprits).toEqual([3]);
      expect(f.blame.find((b) => b.member === 3)?.fault).toBe("equivocation");
    }
  });

  it("a stalled member: the others fail naming it after the deadlines, and a retry with it back succeeds", async () => {
    const id = freshCeremony();
    const started = Date.now();
    const results = await Promise.all([0, 1, 2].map((m) => run(m, id)));
    const elapsed = Date.now() - started;
    for (const f of failures(results, [0, 1, 2])) {
      expect(f.culprits).toEqual([3]);
      expect(f.blame.filter((b) => b.member === 3).map((b) => b.fault)).toContain("silent");
    }
    // It waited the rounds out rather than failing early (a lower bound, not a speed claim).
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS);

    const retry = successes(await runAll({ ...id, attempt: 1 }));
    expectConsistent(retry);
    for (const r of retry) r.share.zeroize();
  });

  it("malformed and misattributed frames are refused with a reason, and the ceremony still succeeds", async () => {
    const id = freshCeremony();
    // Sent by member 1 before anyone starts: member 0's inbox holds them and hands them to the ceremony.
    const prefix = encodeSigned({ ceremony: id, sender: 1, n: 4, t: 3 }, junkShare(0), signers[1]!).subarray(
      0,
      HEADER_BYTES,
    );
    const unknownType = encodeSigned({ ceremony: id, sender: 1, n: 4, t: 3 }, junkShare(0), signers[1]!);
    unknownType[1] = 9;
    const truncated = encodeSigned({ ceremony: id, sender: 1, n: 4, t: 3 }, junkShare(0), signers[1]!).subarray(0, 80);
    const posingAs2 = encodeSigned({ ceremony: id, sender: 2, n: 4, t: 3 }, junkShare(0), signers[1]!);
    const forged = encodeSigned({ ceremony: id, sender: 1, n: 4, t: 3 }, junkShare(0), signers[3]!);
    const garbage = Uint8Array.from([...prefix, ...crypto.getRandomValues(new Uint8Array(200))]);
    const inbox = inboxOf(channels[0]!);
    const heldBefore = inbox.stats.held;
    for (const frame of [unknownType, truncated, posingAs2, forged, garbage]) channels[1]!.send(0, frame, 0n);
    // All five must be in member 0's inbox before anyone starts, or the ceremony could finish before late ones land.
    await until(() => inbox.stats.held === heldBefore + 5, "member 0 holds the five early frames");

    const results = successes(await runAll(id));
    expectConsistent(results);
    const reasons = results[0]!.refused.map((r) => r.reason);
    expect(reasons.some((r) => /unknown DKG message type 9/.test(r))).toBe(true);
    expect(reasons.some((r) => /claims to be member 2/.test(r))).toBe(true);
    expect(reasons.some((r) => /bad identity signature/.test(r))).toBe(true);
    expect(reasons.filter((r) => /malformed/.test(r)).length).toBeGreaterThanOrEqual(3);
    expect(results[0]!.refused.every((r) => r.from === 1)).toBe(true);
  });
});

function tweak(share: Uint8Array): Uint8Array {
  const out = share.slice();
  out[31]! ^= 1;
  return out;
}

function junkShare(recipient: number): DkgBody {
  return { type: "share", recipient, share: new Uint8Array(32).fill(9) };
}

/** Resolves once `condition` holds, checked on every timer turn; the test's own timeout bounds the wait. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
