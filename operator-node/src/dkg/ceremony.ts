/**
 * One DKG ceremony for a mini-pool: joint-Feldman with complaints (the GJKR shape, without its Pedersen phase),
 * n members, threshold t = 2f+1, over the committee's authenticated p2p channel.
 *
 *   1 deal      each member draws a random polynomial, broadcasts its signed Feldman commitments and sends each
 *               peer its share (the channel is noise-encrypted; every frame is bound to ceremony and sender)
 *   2 echo      each member checks its shares against the commitments and broadcasts, signed, every commit frame
 *               it received (so a dealer that signed two different vectors is caught) and its complaints
 *   3 reveal    an accused dealer reveals the disputed shares to all; a wrong or missing reveal disqualifies it
 *   4 deposit   members sum their shares, check them against the joint commitments, threshold-sign the deposit,
 *               exchange partials, combine any t valid ones and verify the result under the validator key
 *
 * Each round waits for every peer or its own deadline, so a stalled member yields a failure naming it within
 * 4 × deadlineMs, never a hang. A disqualified member would hold no trusted share, leaving a validator without fault
 * tolerance, so any disqualification fails the ceremony (retryable with the next attempt, or with a new committee).
 */
import { isCommitteeSize, partialSign, publicKeyOf, thresholdOf, verifyPartial, zeroize } from "@cohort/sdk";
import { depositSigningRoot } from "@cohort/sdk/deposit/deposit";
import type { Signer, Verifier } from "../consensus/types.js";
import type { Logger } from "../log.js";
import type { Transport } from "../workflow.js";
import {
  type CeremonyId,
  ceremonyKey,
  type DkgBody,
  DkgCodecError,
  type DkgHeader,
  decodeFrame,
  encodeSigned,
  SIGNATURE_BYTES,
  type SignedCommit,
  verifyFrame,
} from "./codec.js";
import { combineDeposit, depositMessageOf, transcriptHash } from "./deposit.js";
import { type Dealing, deal, evalCommitments, sumCommitments, sumShares, verifyShare } from "./feldman.js";
import { inboxOf } from "./inbox.js";
import { DkgShare } from "./share.js";
import { accusersOf, type Blame, type Echo, judge } from "./verdict.js";

export class DkgConfigError extends Error {
  override readonly name = "DkgConfigError";
}

/** Test hook: rewrites (or drops, returning null) what this member sends to `to`, making it byzantine. */
export interface Adversary {
  outgoing(to: number, body: DkgBody): DkgBody | null;
}

export interface DkgConfig {
  /** The committee's DKG channel (open it with `maxFrameBytes: DKG_MAX_FRAME_BYTES`). */
  readonly channel: Transport;
  /** This node's member index (position of its operator in the ascending committee). */
  readonly self: number;
  /** The members' 33-byte identity keys, by member index. */
  readonly committee: readonly Uint8Array[];
  readonly ceremonyId: CeremonyId;
  /** The mini-pool's 32-byte withdrawal credentials. */
  readonly withdrawalCredentials: Uint8Array;
  /** The deposit amount signed (gwei); 32 ETH unless given (a mini-pool signs its pre-deposit). */
  readonly depositGwei?: bigint;
  /** Genesis fork version of the network (4 bytes): the deposit domain is computed from it. */
  readonly forkVersion: Uint8Array;
  readonly identitySigner: Signer;
  readonly identityVerifier: Verifier;
  /** How long each of the four rounds waits for the peers. */
  readonly deadlineMs: number;
  readonly log: Logger;
  readonly adversary?: Adversary;
}

/** A frame this member refused, and why (logged as well; kept so callers and tests can see them). */
export interface Refusal {
  readonly from: number;
  readonly reason: string;
}

export interface DkgSuccess {
  readonly ok: true;
  readonly validatorPubkey: Uint8Array;
  /** This member's share: seal it with `sealDkgShare`, then `zeroize()` it. */
  readonly share: DkgShare;
  /** Share public keys of every member, by member index (share index = member index + 1). */
  readonly sharePublicKeys: Uint8Array[];
  /** The joint polynomial's Feldman commitments (commitments[0] is the validator key). */
  readonly commitments: Uint8Array[];
  readonly depositSignature: Uint8Array;
  readonly depositDataRoot: Uint8Array;
  readonly refused: readonly Refusal[];
}

export interface DkgFailure {
  readonly ok: false;
  /** Member indices to blame, ascending. */
  readonly culprits: number[];
  readonly reason: string;
  readonly blame: readonly Blame[];
  /** Always true today: every failure is worth a fresh attempt, with the culprit back or replaced. */
  readonly retryable: boolean;
  readonly refused: readonly Refusal[];
}

export type DkgResult = DkgSuccess | DkgFailure;

interface Partial {
  readonly transcript: Uint8Array;
  readonly signature: Uint8Array;
}

/** What arrives from the peers, checked for form, origin and signature on arrival. */
class Received {
  readonly commits = new Map<number, SignedCommit>();
  readonly conflictingCommits = new Map<number, SignedCommit>();
  readonly shares = new Map<number, Uint8Array>();
  readonly echoes = new Map<number, Echo>();
  readonly reveals = new Map<number, { accuser: number; share: Uint8Array }[]>();
  readonly partials = new Map<number, Partial>();
  readonly refused: Refusal[] = [];
  private wake: (() => void) | undefined;

  /** Resolves true once `cond` holds, or with `cond()` at the deadline. */
  until(cond: () => boolean, deadline: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.wake = undefined;
          resolve(cond());
        },
        Math.max(0, deadline - Date.now()),
      );
      this.wake = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  notify(): void {
    this.wake?.();
  }

  wipe(): void {
    zeroize(...this.shares.values());
    for (const r of this.reveals.values()) zeroize(...r.map((x) => x.share));
  }
}

function validate(cfg: DkgConfig): { n: number; t: number } {
  const n = cfg.committee.length;
  if (!isCommitteeSize(n)) throw new DkgConfigError(`a committee has 4, 7, 10 or 13 members, got ${n}`);
  if (!Number.isInteger(cfg.self) || cfg.self < 0 || cfg.self >= n) {
    throw new DkgConfigError(`self ${cfg.self} is not a member index below ${n}`);
  }
  if (cfg.withdrawalCredentials.length !== 32) throw new DkgConfigError("withdrawal credentials are 32 bytes");
  if (cfg.forkVersion.length !== 4) throw new DkgConfigError("the genesis fork version is 4 bytes");
  if (!(cfg.deadlineMs > 0)) throw new DkgConfigError("deadlineMs must be positive");
  return { n, t: thresholdOf(n) };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const sameCommit = (a: SignedCommit, b: SignedCommit) =>
  a.commitments.every((c, j) => hex(c) === hex(b.commitments[j]!));

/**
 * Runs this member's side of a ceremony. Resolves (never rejects on anything a peer does) with the validator key,
 * this member's share and the threshold-signed deposit, or with the members to blame. A retry must use the next
 * attempt number: a ceremony id runs once per node. A member returns as soon as it holds t partials, so keep the
 * channel open a while after (a round's deadline) for peers still collecting theirs.
 */
export async function runDkg(cfg: DkgConfig): Promise<DkgResult> {
  const { n, t } = validate(cfg);
  const { self, log, ceremonyId } = cfg;
  const header: DkgHeader = { ceremony: ceremonyId, sender: self, n, t };
  const got = new Received();
  const sentShares: Uint8Array[] = [];
  const priority = BigInt(ceremonyId.attempt);
  const refuse = (from: number, reason: string) => {
    got.refused.push({ from, reason });
    log.warn("refused a DKG frame", { from, reason });
  };
  const onFrame = (from: number, bytes: Uint8Array) => {
    try {
      const refused = accept(cfg, n, t, got, from, bytes);
      if (refused) refuse(from, refused);
    } finally {
      bytes.fill(0); // it may hold a share; everything kept was copied out
    }
    got.notify();
  };
  const emit = (to: number, body: DkgBody, bytes?: Uint8Array) => {
    const out = cfg.adversary ? cfg.adversary.outgoing(to, body) : body;
    if (!out) return;
    const frame = bytes && out === body ? bytes : encodeSigned(header, out, cfg.identitySigner);
    // Share frames are the only secret ones; the rest must stay intact in the queues for peers still finishing.
    if (out.type === "share") sentShares.push(frame);
    cfg.channel.send(to, frame, priority);
  };
  const peers = Array.from({ length: n }, (_, i) => i).filter((i) => i !== self);
  const close = inboxOf(cfg.channel).open(ceremonyKey(ceremonyId), onFrame);
  const fields = { miniPoolId: ceremonyId.miniPoolId.toString(), attempt: ceremonyId.attempt, self };
  let dealing: Dealing | undefined;
  let share: Uint8Array | undefined;
  try {
    const dealt = await deal(n, t);
    dealing = dealt;
    // Round 1: deal.
    const commitBody: DkgBody = { type: "commit", commitments: dealt.commitments };
    const commitFrame = encodeSigned(header, commitBody, cfg.identitySigner);
    got.commits.set(self, {
      commitments: dealt.commitments,
      signature: commitFrame.slice(commitFrame.length - SIGNATURE_BYTES),
    });
    for (const p of peers) emit(p, commitBody, commitFrame);
    for (const p of peers) emit(p, { type: "share", recipient: p, share: dealt.shares[p]! });
    log.info("dkg round 1: dealt", fields);
    await got.until(() => peers.every((p) => got.commits.has(p) && got.shares.has(p)), Date.now() + cfg.deadlineMs);

    // Round 2: check the shares, echo the commits, complain.
    const complaints: number[] = [];
    for (const p of peers) {
      const c = got.commits.get(p);
      const s = got.shares.get(p);
      if (!c || !s || !(await verifyShare(c.commitments, self + 1, s))) complaints.push(p);
    }
    const echo: Echo = { complaints, commits: Array.from({ length: n }, (_, d) => got.commits.get(d) ?? null) };
    got.echoes.set(self, echo);
    const echoBody: DkgBody = { type: "echo", complaints, commits: echo.commits as (SignedCommit | null)[] };
    const echoFrame = encodeSigned(header, echoBody, cfg.identitySigner);
    for (const p of peers) emit(p, echoBody, echoFrame);
    log.info("dkg round 2: echoed", { ...fields, complaints });
    await got.until(() => peers.every((p) => got.echoes.has(p)), Date.now() + cfg.deadlineMs);

    // Round 3: answer the complaints against this member; wait for the accused peers' reveals.
    const accusers = accusersOf(got.echoes, self);
    if (accusers.length > 0) {
      const revealBody: DkgBody = {
        type: "reveal",
        reveals: accusers.map((a) => ({ accuser: a, share: dealt.shares[a]! })),
      };
      const revealFrame = encodeSigned(header, revealBody, cfg.identitySigner);
      for (const p of peers) emit(p, revealBody, revealFrame);
    }
    const accused = peers.filter((d) => accusersOf(got.echoes, d).length > 0);
    log.info("dkg round 3: complaints", { ...fields, accusedMe: accusers, accused });
    await got.until(() => accused.every((d) => got.reveals.has(d)), Date.now() + cfg.deadlineMs);

    const verdict = await judge({
      ceremony: ceremonyId,
      n,
      t,
      self,
      committee: cfg.committee,
      verifier: cfg.identityVerifier,
      commits: got.commits,
      conflictingCommits: got.conflictingCommits,
      shares: got.shares,
      echoes: got.echoes,
      reveals: got.reveals,
    });
    if (verdict.blame.length > 0) return fail(verdict.blame, got.refused, log, fields);

    // Round 4: the joint key, this member's share, and the threshold-signed deposit.
    const vectors = Array.from({ length: n }, (_, d) => verdict.commitments.get(d)!);
    const joint = await sumCommitments(vectors);
    const validatorPubkey = joint[0]!;
    const sharePublicKeys: Uint8Array[] = [];
    for (let m = 0; m < n; m++) sharePublicKeys.push(await evalCommitments(joint, m + 1));
    share = await sumShares([dealt.shares[self]!, ...verdict.myShares.values()]);
    // The one check no path may skip: the share must be the one the joint commitments (and so the key) promise.
    if (hex(await publicKeyOf(share)) !== hex(sharePublicKeys[self]!)) {
      throw new Error("internal error: the summed share does not match its share public key; report this bug");
    }
    const message = depositMessageOf(validatorPubkey, cfg.withdrawalCredentials, cfg.depositGwei);
    const root = depositSigningRoot(message, cfg.forkVersion);
    const transcript = transcriptHash(ceremonyId, joint, cfg.withdrawalCredentials, cfg.forkVersion);
    const mine: Partial = { transcript, signature: await partialSign(share, root) };
    got.partials.set(self, mine);
    const partialBody: DkgBody = { type: "partial", ...mine };
    const partialFrame = encodeSigned(header, partialBody, cfg.identitySigner);
    for (const p of peers) emit(p, partialBody, partialFrame);
    log.info("dkg round 4: signed the deposit", fields);

    const valid = new Map<number, Uint8Array>([[self, mine.signature]]);
    const blame: Blame[] = [];
    const checked = new Set<number>([self]);
    const deadline = Date.now() + cfg.deadlineMs;
    for (;;) {
      for (const [m, p] of got.partials) {
        if (checked.has(m)) continue;
        checked.add(m);
        if (hex(p.transcript) !== hex(transcript)) {
          blame.push({
            member: m,
            fault: "transcript-mismatch",
            detail: "signed the deposit for another ceremony view",
          });
        } else if (!(await verifyPartial(sharePublicKeys[m]!, root, p.signature))) {
          blame.push({ member: m, fault: "bad-partial", detail: "its deposit partial fails its share public key" });
        } else valid.set(m, p.signature);
      }
      if (valid.size >= t) break;
      const more = await got.until(() => [...got.partials.keys()].some((m) => !checked.has(m)), deadline);
      if (!more) {
        for (const p of peers) {
          if (!checked.has(p))
            blame.push({ member: p, fault: "no-partial", detail: "sent no deposit partial in time" });
        }
        return fail(blame, got.refused, log, fields);
      }
    }
    const partials = [...valid].map(([m, signature]) => ({ index: m + 1, signature }));
    const deposit = await combineDeposit(message, cfg.forkVersion, partials, t);
    log.info("dkg done", { ...fields, validatorPubkey: hex(validatorPubkey) });
    const result: DkgSuccess = {
      ok: true,
      validatorPubkey,
      share: new DkgShare(self + 1, sharePublicKeys[self]!, share),
      sharePublicKeys,
      commitments: joint,
      depositSignature: deposit.signature,
      depositDataRoot: deposit.depositDataRoot,
      refused: got.refused,
    };
    share = undefined; // owned by the handle now
    return result;
  } finally {
    close();
    zeroize(share, ...(dealing?.shares ?? []), ...sentShares);
    got.wipe();
  }
}

function fail(blame: readonly Blame[], refused: readonly Refusal[], log: Logger, fields: object): DkgFailure {
  const culprits = [...new Set(blame.map((b) => b.member))].sort((a, b) => a - b);
  const reason =
    `DKG failed; blame: ${blame.map((b) => `member ${b.member} ${b.fault} (${b.detail})`).join("; ")}. ` +
    "Retry with the next attempt once the culprits are back, or replace them.";
  log.warn("dkg failed", { ...(fields as Record<string, string | number>), culprits, reason });
  return { ok: false, culprits, reason, blame, retryable: true, refused };
}

/**
 * Checks one frame's form, origin and signature, and files it. Returns why it was refused, or undefined if kept.
 */
function accept(
  cfg: DkgConfig,
  n: number,
  t: number,
  got: Received,
  from: number,
  bytes: Uint8Array,
): string | undefined {
  let frame: ReturnType<typeof decodeFrame>;
  try {
    frame = decodeFrame(bytes);
  } catch (e) {
    if (!(e instanceof DkgCodecError)) throw e;
    return `malformed: ${e.message}`;
  }
  if (frame.sender !== from) return `claims to be member ${frame.sender}, but member ${from} sent it`;
  if (frame.n !== n || frame.t !== t) return `is for a ${frame.t}-of-${frame.n} committee`;
  if (ceremonyKey(frame.ceremony) !== ceremonyKey(cfg.ceremonyId)) return "belongs to another ceremony";
  if (!verifyFrame(frame, cfg.committee[from]!, cfg.identityVerifier)) return "bad identity signature";
  const body = frame.body;
  const firstOnly = <V>(map: Map<number, V>, value: V, what: string) => {
    if (map.has(from)) return `a second ${what}; the first one stands`;
    map.set(from, value);
    return undefined;
  };
  switch (body.type) {
    case "commit": {
      const c = { commitments: body.commitments, signature: frame.signature };
      const first = got.commits.get(from);
      if (!first) got.commits.set(from, c);
      // Two different signed vectors from one dealer: proof of equivocation, kept for the verdict.
      else if (!sameCommit(first, c)) got.conflictingCommits.set(from, c);
      return undefined;
    }
    case "share":
      if (body.recipient !== cfg.self) return `a share addressed to member ${body.recipient}`;
      return firstOnly(got.shares, body.share, "share");
    case "echo":
      return firstOnly(got.echoes, { complaints: body.complaints, commits: body.commits }, "echo");
    case "reveal":
      return firstOnly(got.reveals, body.reveals, "reveal");
    case "partial":
      return firstOnly(got.partials, { transcript: body.transcript, signature: body.signature }, "partial");
  }
}
