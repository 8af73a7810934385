/**
 * TEST-ONLY child runner: one operator node in its own process, so a test can SIGKILL it (no graceful flush) and
 * start it again on the same SQLite file. Stand-in for `cohort-node start --config` until that command exists.
 *
 *   node --import tsx test/support/node-child.ts <config.json>
 *
 * The config holds share secrets as hex (test keys only; the file is the test's, mode 0600, in a temp folder).
 * Talks to the parent over IPC: sends {ready, addrs}, {event}, {cpu}; accepts {peers}, {cpu}, {stop}.
 */
import "../../src/polyfill.js";
import { readFileSync } from "node:fs";
import type { NodeEvent } from "../../src/app/attester.js";
import { startOperatorNode } from "../../src/app/node.js";
import { ShareSigner } from "../../src/signer/share-signer.js";
import { SlashingProtection } from "../../src/signer/slashing-protection.js";
import { ConsensusStateStore } from "../../src/store/consensus-state.js";
import { openDatabase } from "../../src/store/database.js";
import { type CpuReport, serveParent } from "./child-ipc.js";

export interface ChildNodeConfig {
  member: number;
  identitySecret: string;
  committee: string[];
  validators: { publicKey: string; sharePublicKeys: string[] }[];
  shares: { validatorPublicKey: string; secret: string }[];
  threshold: number;
  beaconUrl: string;
  dbPath: string;
  listen?: string[];
  /** Send every NodeEvent to the parent (tests); benchmarks with 1,000 validators only want counts. */
  events?: boolean;
}

/** What this child sends (child-ipc.ts), with its events typed. */
export type FromChild = { type: "ready"; addrs: string[] } | { type: "event"; event: NodeEvent } | CpuReport;

const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
const cfg = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as ChildNodeConfig;
const db = openDatabase(cfg.dbPath);
const signer = new ShareSigner(
  new SlashingProtection(db),
  cfg.shares.map((s) => ({ validatorPublicKey: bytes(s.validatorPublicKey), secret: bytes(s.secret) })),
);
cfg.shares.length = 0;
const send = (m: FromChild) => process.send?.(m);
const counts: Record<string, number> = {};
const onEvent = (event: NodeEvent) => {
  counts[event.type] = (counts[event.type] ?? 0) + 1;
  if (cfg.events !== false) send({ type: "event", event });
};
const node = await startOperatorNode({
  member: cfg.member,
  identitySecret: bytes(cfg.identitySecret),
  committee: cfg.committee.map(bytes),
  signer,
  validators: cfg.validators.map((v) => ({
    publicKey: bytes(v.publicKey),
    sharePublicKeys: v.sharePublicKeys.map(bytes),
  })),
  threshold: cfg.threshold,
  beaconUrl: cfg.beaconUrl,
  listen: cfg.listen ?? ["/ip4/127.0.0.1/tcp/0"],
  onEvent,
  // Same file as the slashing records: a SIGKILLed node comes back with its votes and locks as well.
  safetyStore: new ConsensusStateStore(db),
});

serveParent({
  setPeer: (member, addrs) => node.setPeerAddrs(member, addrs),
  counts,
  stop: () => node.stop().then(() => void db.close()),
});
send({ type: "ready", addrs: node.listenAddrs() });
