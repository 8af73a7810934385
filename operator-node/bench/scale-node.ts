/**
 * BENCH-ONLY child: one operator's node (app/node.ts `startNode`: one host, one beacon client, one scheduler) serving
 * every committee the operator sits in, from a JSON config written by bench/scale.ts. Share secrets are in that file
 * as hex (random bench keys, mode 0600, in a temp folder). IPC: test/support/child-ipc.ts.
 */
import "../src/polyfill.js";
import { readFileSync } from "node:fs";
import type { NodeEvent } from "../src/app/attester.js";
import { startNode } from "../src/app/node.js";
import { jsonLogger } from "../src/log.js";
import { ShareSigner } from "../src/signer/share-signer.js";
import { SlashingProtection } from "../src/signer/slashing-protection.js";
import { ConsensusStateStore } from "../src/store/consensus-state.js";
import { openDatabase } from "../src/store/database.js";
import { serveParent } from "../test/support/child-ipc.js";

export interface ScaleNodeConfig {
  /** 0-based operator number; its identity key is `identities[operator]`. */
  operator: number;
  identitySecret: string;
  identities: string[];
  committees: {
    /** Operator numbers, ascending. */
    operators: number[];
    validators: { publicKey: string; sharePublicKeys: string[] }[];
  }[];
  shares: { validatorPublicKey: string; secret: string }[];
  beaconUrl: string;
  dbPath: string;
}

const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
const cfg = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as ScaleNodeConfig;
const db = openDatabase(cfg.dbPath);
const signer = new ShareSigner(
  new SlashingProtection(db),
  cfg.shares.map((s) => ({ validatorPublicKey: bytes(s.validatorPublicKey), secret: bytes(s.secret) })),
);
cfg.shares.length = 0;
const identities = cfg.identities.map(bytes);
const known = new Set(cfg.identities);
const counts: Record<string, number> = {};
const node = await startNode(
  {
    identitySecret: bytes(cfg.identitySecret),
    beaconUrl: cfg.beaconUrl,
    listen: ["/ip4/127.0.0.1/tcp/0"],
    admit: (key) => known.has(Buffer.from(key).toString("hex")),
    onEvent: (e: NodeEvent) => {
      counts[e.type] = (counts[e.type] ?? 0) + 1;
    },
    safetyStore: new ConsensusStateStore(db),
    // COHORT_BENCH_LOG=1: the nodes' JSON logs on stderr (warnings and misses explain a low submission count).
    ...(process.env.COHORT_BENCH_LOG ? { log: jsonLogger(`operator-${cfg.operator + 1}`) } : {}),
  },
  signer,
);
const failures = node.plan(
  cfg.committees.map((c) => ({
    label: c.operators.map((o) => o + 1).join("-"),
    members: c.operators.map((o) => identities[o]!),
    member: c.operators.indexOf(cfg.operator),
    threshold: 3,
    validators: c.validators.map((v) => ({
      publicKey: bytes(v.publicKey),
      sharePublicKeys: v.sharePublicKeys.map(bytes),
    })),
  })),
);
if (failures.length > 0) throw new Error(`committees failed to start: ${failures.map((f) => f.label).join(", ")}`);

const send = serveParent({
  setPeer: (op, addrs) => node.setPeerAddrs(identities[op]!, addrs),
  counts,
  stop: () => node.stop().then(() => void db.close()),
});
send({ type: "ready", addrs: node.listenAddrs() });
