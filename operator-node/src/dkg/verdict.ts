/**
 * The judgement after the complaint round: from what this member received (commitments, shares, echoes, complaints,
 * reveals), which members misbehaved, and which commitments and shares stand. No I/O; every blame rests on
 * something signed (a missing frame excepted), so another member holding the same frames reaches the same verdict.
 */
import type { Verifier } from "../consensus/types.js";
import { type CeremonyId, type SignedCommit, verifyEchoedCommit } from "./codec.js";
import { validCommitments, verifyShare } from "./feldman.js";

export type DkgFault =
  | "silent" // missed a round's deadline
  | "equivocation" // signed two different commitment vectors for one ceremony
  | "bad-commitments" // commitments that are not t valid points
  | "forged-echo" // echoed a commit its dealer did not sign
  | "no-reveal" // accused of a bad or missing share and did not reveal it
  | "bad-reveal" // revealed a share that does not match its commitments
  | "bad-share" // a share that fails its dealer's commitments after the complaint round
  | "no-partial" // no deposit partial signature before the deadline
  | "bad-partial" // a deposit partial that does not verify against the sender's share key
  | "transcript-mismatch"; // signed the deposit for another view of the ceremony

export interface Blame {
  readonly member: number;
  readonly fault: DkgFault;
  readonly detail: string;
}

export interface Echo {
  readonly complaints: readonly number[];
  readonly commits: readonly (SignedCommit | null)[];
}

export interface Evidence {
  readonly ceremony: CeremonyId;
  readonly n: number;
  readonly t: number;
  readonly self: number;
  /** Identity keys by member index, and the verifier of their signatures. */
  readonly committee: readonly Uint8Array[];
  readonly verifier: Verifier;
  /** Commit frames received directly (this member's own included), and a second, different one if a dealer sent it. */
  readonly commits: ReadonlyMap<number, SignedCommit>;
  readonly conflictingCommits: ReadonlyMap<number, SignedCommit>;
  /** Shares dealt to this member, by dealer. */
  readonly shares: ReadonlyMap<number, Uint8Array>;
  /** Echoes by sender, this member's own included. */
  readonly echoes: ReadonlyMap<number, Echo>;
  readonly reveals: ReadonlyMap<number, readonly { accuser: number; share: Uint8Array }[]>;
}

export interface Verdict {
  readonly blame: Blame[];
  /** The one commitment vector each unblamed dealer signed. */
  readonly commitments: Map<number, Uint8Array[]>;
  /** Each unblamed dealer's share for this member (revealed ones where this member complained). Not this member's own. */
  readonly myShares: Map<number, Uint8Array>;
}

const vectorKey = (v: readonly Uint8Array[]) => v.map((p) => Buffer.from(p).toString("hex")).join("");

/** Who accused `dealer`: the senders of echoes whose complaints name it (a member cannot accuse itself). */
export function accusersOf(echoes: ReadonlyMap<number, Echo>, dealer: number): number[] {
  return [...echoes]
    .filter(([from, e]) => from !== dealer && e.complaints.includes(dealer))
    .map(([from]) => from)
    .sort((a, b) => a - b);
}

export async function judge(ev: Evidence): Promise<Verdict> {
  const blame: Blame[] = [];
  const blamed = (m: number) => blame.some((b) => b.member === m);
  const accuse = (member: number, fault: DkgFault, detail: string) => {
    if (!blame.some((b) => b.member === member && b.fault === fault)) blame.push({ member, fault, detail });
  };

  for (let e = 0; e < ev.n; e++) {
    if (e !== ev.self && !ev.echoes.has(e)) accuse(e, "silent", "sent no echo before the complaint round's deadline");
  }

  const commitments = new Map<number, Uint8Array[]>();
  for (let d = 0; d < ev.n; d++) {
    const seen = new Map<string, Uint8Array[]>();
    for (const c of [ev.commits.get(d), ev.conflictingCommits.get(d)])
      if (c) seen.set(vectorKey(c.commitments), c.commitments);
    for (const [e, echo] of ev.echoes) {
      const c = echo.commits[d];
      if (e === ev.self || !c) continue;
      if (!verifyEchoedCommit(ev.ceremony, d, ev.n, ev.t, c, ev.committee[d]!, ev.verifier)) {
        accuse(e, "forged-echo", `echoed commitments of member ${d} that member ${d} did not sign`);
        continue;
      }
      seen.set(vectorKey(c.commitments), c.commitments);
    }
    if (seen.size > 1) {
      accuse(d, "equivocation", `signed ${seen.size} different commitment vectors for this ceremony`);
    } else if (seen.size === 0) {
      accuse(d, "silent", "no member received its commitments");
    } else {
      const only = [...seen.values()][0]!;
      if (await validCommitments(only, ev.t)) commitments.set(d, only);
      else accuse(d, "bad-commitments", "its commitments are not valid G1 points with a non-identity C0");
    }
  }

  // Complaints: an accused dealer must have revealed, to everyone, a share matching its commitments for each accuser.
  for (let d = 0; d < ev.n; d++) {
    const agreed = commitments.get(d);
    const accusers = accusersOf(ev.echoes, d);
    if (!agreed || d === ev.self || accusers.length === 0) continue;
    const reveal = ev.reveals.get(d);
    if (!reveal) {
      accuse(d, "no-reveal", `accused by member(s) ${accusers.join(", ")} and revealed nothing`);
      continue;
    }
    for (const a of accusers) {
      const r = reveal.find((x) => x.accuser === a);
      if (!r || !(await verifyShare(agreed, a + 1, r.share))) {
        accuse(d, "bad-reveal", `its reveal for member ${a} is missing or does not match its commitments`);
        break;
      }
    }
  }

  const myShares = new Map<number, Uint8Array>();
  const mine = ev.echoes.get(ev.self);
  for (const [d, agreed] of commitments) {
    if (d === ev.self || blamed(d)) continue;
    const share = mine?.complaints.includes(d)
      ? ev.reveals.get(d)?.find((r) => r.accuser === ev.self)?.share
      : ev.shares.get(d);
    if (share && (await verifyShare(agreed, ev.self + 1, share))) myShares.set(d, share);
    else accuse(d, "bad-share", "its share for this member does not match its commitments");
  }
  return { blame, commitments, myShares };
}
