import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { verifyIdentityProof } from "@cohort/sdk";
import { hexToBytes } from "viem";
import { describe, expect, it } from "vitest";
import { SlashingProtection } from "../src/signer/slashing-protection.js";
import { openDatabase } from "../src/store/database.js";

const run = promisify(execFile);
const ENTRY = new URL("../src/cli/entry.ts", import.meta.url).pathname;
const GVR = `0x${"11".repeat(32)}`;

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", ENTRY, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("cohort-node CLI", () => {
  it("init without --password-file and without a terminal says how to give the password, and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-cli-"));
    const keyFile = join(dir, "node.key.json");
    const init = await cli(["init", "--key-file", keyFile]);
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/no terminal to ask on; pass --password-file FILE/);
    expect(() => statSync(keyFile)).toThrow();
  });

  it("init writes a 0600 key file whose public keys `keys` prints without the password", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-node-cli-"));
    writeFileSync(join(dir, "pw"), "a long operator password\n");
    const keyFile = join(dir, "node-key.json");
    const init = await cli(["init", "--key-file", keyFile, "--password-file", join(dir, "pw")]);
    expect(init.code, init.stderr).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(init.stdout).toMatch(/identity public key \(secp256k1\):\s+0x0[23][0-9a-f]{64}\n/);
    expect(init.stdout).toMatch(/encryption public key \(X25519\):\s+0x[0-9a-f]{64}\n/);
    const keys = await cli(["keys", "--key-file", keyFile]);
    expect(keys.stdout).toBe(init.stdout);
    expect(readFileSync(keyFile, "utf8")).not.toContain("a long operator password");
    const before = readFileSync(keyFile, "utf8");
    const again = await cli(["init", "--key-file", keyFile, "--password-file", join(dir, "pw")]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; refusing to overwrite/);
    expect(readFileSync(keyFile, "utf8")).toBe(before);
  }, 240_000); // four real scrypt (n=2^18) runs and three process starts: seconds alone, minutes on a loaded CI box

  it("keys --owner prints the identity proof registerOperator checks, for that owner, chain and registry only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-node-cli-"));
    writeFileSync(join(dir, "pw"), "a long operator password\n");
    const keyFile = join(dir, "node-key.json");
    expect((await cli(["init", "--key-file", keyFile, "--password-file", join(dir, "pw")])).code).toBe(0);
    const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const registry = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
    const args = ["keys", "--key-file", keyFile, "--owner", owner, "--chain-id", "560048", "--registry", registry];
    const res = await cli([...args, "--password-file", join(dir, "pw")]);
    expect(res.code, res.stderr).toBe(0);
    const identityKey = hexToBytes(
      /identity public key \(secp256k1\):\s+(0x[0-9a-f]{66})/.exec(res.stdout)![1] as `0x${string}`,
    );
    const proofHex = new RegExp(
      `identity proof for owner ${owner} \\(chain 560048, registry ${registry}\\):\n(0x[0-9a-f]{130})\n`,
    ).exec(res.stdout)?.[1];
    expect(proofHex, res.stdout).toBeDefined();
    const proof = hexToBytes(proofHex as `0x${string}`);
    const context = { chainId: 560048n, registry, owner } as const;
    expect(verifyIdentityProof(identityKey, proof, context)).toBe(true);
    // Bound to its context: another sender, chain or registry cannot reuse it.
    expect(verifyIdentityProof(identityKey, proof, { ...context, owner: registry })).toBe(false);
    expect(verifyIdentityProof(identityKey, proof, { ...context, chainId: 31337n })).toBe(false);
    expect(verifyIdentityProof(identityKey, proof, { ...context, registry: owner })).toBe(false);

    const partial = await cli(["keys", "--key-file", keyFile, "--owner", owner, "--password-file", join(dir, "pw")]);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/needs --owner, --chain-id and --registry together/);
    const wrongPassword = join(dir, "wrong");
    writeFileSync(wrongPassword, "not the password at all\n");
    const denied = await cli([...args, "--password-file", wrongPassword]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).not.toMatch(/identity proof/);
  }, 240_000); // three real scrypt (n=2^18) runs

  it("slashing export → import moves the signing history between databases", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-node-cli-"));
    const source = join(dir, "a.sqlite");
    const db = openDatabase(source);
    new SlashingProtection(db).checkAndRecordAttestation({
      pubkey: new Uint8Array(48).fill(3),
      sourceEpoch: 4,
      targetEpoch: 5,
      signingRoot: new Uint8Array(32).fill(1),
    });
    db.close();
    const out = join(dir, "interchange.json");
    const exported = await cli(["slashing", "export", "--db", source, "--genesis-validators-root", GVR, "--out", out]);
    expect(exported.code, exported.stderr).toBe(0);
    const target = join(dir, "b.sqlite");
    const imported = await cli(["slashing", "import", "--db", target, "--genesis-validators-root", GVR, "--file", out]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/1 validator/);
    const wrongChain = await cli([
      "slashing",
      "import",
      "--db",
      target,
      "--genesis-validators-root",
      `0x${"22".repeat(32)}`,
      "--file",
      out,
    ]);
    expect(wrongChain.code).not.toBe(0);
    expect(wrongChain.stderr).toMatch(/^cohort-node: .*another chain/);
  });

  it("bad input gets one clear line and exit code 1", async () => {
    const res = await cli(["keys", "--key-file", "/nonexistent/key.json"]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe("cohort-node: /nonexistent/key.json: cannot read the key file");
  });
});
