/**
 * `cohort-node check` as an operator runs it: a child process against a real anvil with the contracts deployed and
 * six operators registered with endpoints (scripts/devnet/chain.ts), one validator registered into committee
 * {1,2,3,4}, the stand-in beacon chain of devnet-beacon/ over HTTP (a stand-in, not a real client), and operators
 * 2–4 as real libp2p hosts (p2p/host.ts) on their on-chain endpoints. Operator 1 runs the check.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { hexToBytes } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandInBeacon, startStandInBeacon } from "../../devnet-beacon/src/index.js";
import { type Devnet, devnetEndpoint, startDevnet } from "../../scripts/devnet/chain.js";
import { registerGenesisValidators } from "../../scripts/devnet/genesis-validators.js";
import { createKeyFile } from "../src/keys/key-file.js";
import { P2PHost } from "../src/p2p/host.js";
import { measureClockOffset } from "../src/preflight/clock.js";

const run = promisify(execFile);
const ENTRY = new URL("../src/cli/entry.ts", import.meta.url).pathname;
const MNEMONIC = "test test test test test test test test test test test junk";
const PASSWORD = "operator one password";
// Away from the devnet's 9800 and other tests' ports; each run picks its own range.
const P2P_BASE = 21000 + Math.floor(Math.random() * 20000);

let devnet: Devnet;
let beacon: StandInBeacon;
let otherBeacon: StandInBeacon;
let dir: string;
const hosts = new Map<number, P2PHost>();

interface Secrets {
  identitySecretKey: `0x${string}`;
  encryptionSecretKey: `0x${string}`;
}
const secretsOf = (id: number): Secrets =>
  JSON.parse(readFileSync(devnet.deployment.operators[id - 1]!.keyFile, "utf8")) as Secrets;

/** A peer node's host; `refuse` lists operators it does not admit (as a node whose chain sync has not seen them). */
async function startPeer(id: number, refuse: number[] = []): Promise<P2PHost> {
  const registered = new Set(
    devnet.deployment.operators.filter((o) => !refuse.includes(o.id)).map((o) => o.identityPublicKey.slice(2)),
  );
  const host = await P2PHost.create({
    privateKey: hexToBytes(secretsOf(id).identitySecretKey),
    listen: [devnetEndpoint(id, P2P_BASE)],
    admit: (key) => registered.has(Buffer.from(key).toString("hex")),
  });
  // The channel the probe opens: a node has it from start.
  await host.channel("consensus", { maxFrameBytes: 1 << 16 });
  hosts.set(id, host);
  return host;
}

function writeConfig(name: string, overrides: { registry?: string; beaconUrl?: string; peers?: object } = {}): string {
  const d = devnet.deployment;
  const file = join(dir, name);
  const config = {
    operatorId: 1,
    keyFile: "key.json",
    passwordFile: "password",
    dataDir: "data",
    execution: {
      rpcUrl: d.rpcUrl,
      registry: overrides.registry ?? d.registry,
      deployBlock: d.deployBlock,
      confirmations: 0,
    },
    beacon: { url: overrides.beaconUrl ?? beacon.url, genesisValidatorsRoot: genesisRoot(beacon) },
    p2p: { host: "127.0.0.1", port: P2P_BASE },
    ...(overrides.peers ? { peers: overrides.peers } : {}),
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

const genesisRoot = (b: StandInBeacon) => `0x${Buffer.from(b.chain.genesisValidatorsRoot).toString("hex")}`;

async function check(configFile: string) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", ENTRY, "check", "--config", configFile],
      {
        env: { ...process.env, LODESTAR_PRESET: "minimal" },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cohort-check-"));
  devnet = await startDevnet({ port: 0, dir: join(dir, "devnet"), p2pBasePort: P2P_BASE });
  const d = devnet.deployment;
  await registerGenesisValidators({
    rpcUrl: d.rpcUrl,
    registry: d.registry,
    token: d.token,
    chainId: d.chainId,
    owner: mnemonicToAccount(MNEMONIC, { addressIndex: 9 }),
    operators: d.operators.slice(0, 4),
    indices: [4],
  });
  const secrets = secretsOf(1);
  const { file, keys } = await createKeyFile(PASSWORD, {
    scryptN: 2 ** 12,
    secrets: {
      identitySecret: hexToBytes(secrets.identitySecretKey),
      encryptionSecret: hexToBytes(secrets.encryptionSecretKey),
    },
  });
  keys.identitySecret.fill(0);
  keys.encryptionSecret.fill(0);
  writeFileSync(join(dir, "key.json"), JSON.stringify(file), { mode: 0o600 });
  writeFileSync(join(dir, "password"), `${PASSWORD}\n`, { mode: 0o600 });
  beacon = await startStandInBeacon({ fork: "electra" });
  // Another chain: more genesis validators, so another genesis validators root.
  otherBeacon = await startStandInBeacon({ fork: "electra", genesisValidators: 16 });
  for (const id of [2, 3, 4]) await startPeer(id);
}, 240_000);

afterAll(async () => {
  for (const h of hosts.values()) await h.stop();
  await beacon?.stop();
  await otherBeacon?.stop();
  await devnet?.stop();
});

const lineOf = (stdout: string, subject: string) => stdout.split("\n").find((l) => l.slice(2).startsWith(subject));

describe("cohort-node check", () => {
  it("passes against the configured chain, registry, beacon node and every committee peer", async () => {
    const res = await check(writeConfig("ok.json"));
    expect(res.code, res.stdout + res.stderr).toBe(0);
    for (const subject of [
      "execution RPC",
      "registry",
      "key file",
      "beacon node",
      "beacon sync",
      "beacon chain",
      "system clock",
      "data dir",
    ]) {
      expect(lineOf(res.stdout, subject), `${subject}\n${res.stdout}`).toMatch(/^✓ /);
    }
    expect(lineOf(res.stdout, "beacon chain")).toContain("as configured");
    expect(lineOf(res.stdout, "committees")).toMatch(/^✓ committees: 1-2-3-4 \(1 validator\(s\)\); reaching 3 peer/);
    for (const id of [2, 3, 4]) {
      expect(lineOf(res.stdout, `peer ${id} `)).toMatch(
        new RegExp(`^✓ peer ${id} .*/tcp/${P2P_BASE + id - 1} \\(on-chain endpoint\\): TCP, noise handshake, admitted`),
      );
    }
    // Operators 5 and 6 share no committee with operator 1: not dialled.
    expect(res.stdout).not.toMatch(/peer [56]/);
    expect(res.stdout).not.toContain("✗");
    expect(res.stdout + res.stderr).not.toContain(PASSWORD);
  });

  it("fails on a registry address that holds another contract or none", async () => {
    const token = await check(writeConfig("token.json", { registry: devnet.deployment.token }));
    expect(token.code).toBe(1);
    expect(lineOf(token.stdout, "registry")).toMatch(/^✗ registry: the contract at 0x[0-9a-fA-F]{40} does not answer/);
    expect(token.stdout).toMatch(/→ set execution.registry to the registry address/);
    expect(lineOf(token.stdout, "peers")).toMatch(/^✗ peers: not checked/);

    const empty = await check(writeConfig("empty.json", { registry: `0x${"42".repeat(20)}` }));
    expect(empty.code).toBe(1);
    expect(lineOf(empty.stdout, "registry")).toMatch(/^✗ registry: no contract at 0x4242/);
  });

  it("fails on a beacon node of another chain", async () => {
    const res = await check(writeConfig("other-beacon.json", { beaconUrl: otherBeacon.url }));
    expect(res.code).toBe(1);
    expect(lineOf(res.stdout, "beacon node")).toMatch(/^✓ /);
    expect(lineOf(res.stdout, "beacon chain")).toContain(
      `its genesis validators root is ${genesisRoot(otherBeacon)}, beacon.genesisValidatorsRoot says ${genesisRoot(beacon)}`,
    );
    expect(lineOf(res.stdout, "beacon chain")).toMatch(/^✗ /);
  });

  it("fails on a peer that does not answer, and on an address where another operator's node answers", async () => {
    await hosts.get(4)!.stop();
    hosts.delete(4);
    // Operator 3 "moved" to operator 2's address by a wrong override: the handshake proves another key.
    const res = await check(writeConfig("peer-down.json", { peers: { "3": `127.0.0.1:${P2P_BASE + 1}` } }));
    expect(res.code).toBe(1);
    expect(lineOf(res.stdout, "peer 2 ")).toMatch(/^✓ /);
    expect(lineOf(res.stdout, "peer 3 ")).toMatch(/^✗ peer 3 .*config peers override|^✗ peer 3 .*handshake failed/);
    expect(lineOf(res.stdout, "peer 4 ")).toMatch(/^✗ peer 4 .*tcp failed \(ECONNREFUSED\)/);
    expect(res.stdout).toMatch(/→ nothing answers there: ask operator 4/);
    expect(res.stdout).toMatch(/→ the node there is not operator 3's registered identity/);
  });

  it("fails on a peer whose node does not admit this operator", async () => {
    await hosts.get(2)!.stop();
    await startPeer(2, [1]);
    const res = await check(writeConfig("refused.json"));
    expect(res.code).toBe(1);
    expect(lineOf(res.stdout, "peer 2 ")).toMatch(/^✗ peer 2 .*admission failed/);
    expect(res.stdout).toMatch(/→ operator 2's node refused us/);
    expect(lineOf(res.stdout, "peer 3 ")).toMatch(/^✓ /);
  });
});

describe("clock probe (Date header timed to its tick)", () => {
  /** A real HTTP server whose clock runs `skewMs` ahead of ours. */
  async function skewedServer(skewMs: number) {
    const server = createServer((_req, res) => {
      res.sendDate = false;
      res.setHeader("Date", new Date(Date.now() + skewMs).toUTCString());
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
  }

  it.each([0, 700, -1300, 2400])("finds a skew of %i ms within its stated uncertainty", async (skewMs) => {
    const server = await skewedServer(skewMs);
    try {
      const { offsetMs, uncertaintyMs } = await measureClockOffset(server.url);
      expect(uncertaintyMs).toBeLessThan(200);
      expect(Math.abs(offsetMs - skewMs)).toBeLessThanOrEqual(uncertaintyMs + 5);
    } finally {
      server.close();
    }
  });
});
