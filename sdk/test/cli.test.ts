import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, parseKeysharesFile, randomScalar } from "../src/index.js";
import { cheapKeystore, OWNER, operators, REGISTRY } from "./helpers.js";

const run = promisify(execFile);
const CLI = new URL("../bin/cohort-keys.js", import.meta.url).pathname;
const PASSWORD = "s3cret-pass phrase";

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("cohort-keys CLI (built sdk, real files)", () => {
  let dir: string;
  let secrets: Uint8Array[];
  let operatorArgs: string[];
  let base: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cohort-keys-"));
    secrets = [randomScalar(), randomScalar()];
    for (const [i, s] of secrets.entries()) {
      await writeFile(
        join(dir, `keystore-${i}.json`),
        JSON.stringify(await cheapKeystore(s, PASSWORD, i ? "scrypt" : "pbkdf2")),
      );
    }
    await writeFile(join(dir, "password.txt"), `${PASSWORD}\n`);
    await writeFile(join(dir, "wrong.txt"), "nope\n");
    const ops = await operators([1n, 2n, 3n, 4n]);
    operatorArgs = ops.flatMap((o) => ["--operator", `${o.id}:${bytesToHex(o.encryptionKey)}`]);
    base = [...operatorArgs, "--owner", OWNER, "--nonce", "5", "--chain-id", "31337", "--registry", REGISTRY];
  });

  it("splits many keystores with one password, nonces N, N+1, …, and the result verifies", async () => {
    const out = join(dir, "keyshares.json");
    const args = ["split", "--keystore", join(dir, "keystore-0.json"), "--keystore", join(dir, "keystore-1.json")];
    const res = await cli([...args, "--password-file", join(dir, "password.txt"), ...base, "--out", out]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/decrypting 2 keystore\(s\) on \d+ thread/);
    expect(res.stderr).toMatch(/\[1\/2\].*decrypted, split and encrypted/);
    expect(res.stderr).toMatch(/\[2\/2\].*decrypted, split and encrypted/);
    const file = parseKeysharesFile(await readFile(out, "utf8"));
    expect(file.validators.map((v) => v.nonce)).toEqual([5, 6]);
    const all = `${res.stdout}${res.stderr}${await readFile(out, "utf8")}`;
    expect(all).not.toContain(PASSWORD);
    for (const s of secrets) expect(all).not.toContain(bytesToHex(s).slice(2));

    const verified = await cli(["verify", "--keyshares", out]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/2 validator\(s\) verified/);

    const tampered = JSON.parse(await readFile(out, "utf8"));
    tampered.validators[1].nonce = 9;
    await writeFile(join(dir, "tampered.json"), JSON.stringify(tampered));
    const rejected = await cli(["verify", "--keyshares", join(dir, "tampered.json")]);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toMatch(/validators\[1\].*ownership/);
  });

  it("each bad input exits non-zero with one line naming the file and the problem, and writes nothing", async () => {
    await writeFile(join(dir, "not-json.json"), "hello");
    await writeFile(join(dir, "deposit.json"), "[]");
    const ks = join(dir, "keystore-0.json");
    const pw = ["--password-file", join(dir, "password.txt")];
    const cases: [string[], RegExp][] = [
      [["--keystore", ks, "--password-file", join(dir, "wrong.txt"), ...base], /keystore-0\.json: wrong password/],
      [["--keystore", join(dir, "not-json.json"), ...pw, ...base], /not-json\.json: is not JSON/],
      [["--keystore", join(dir, "deposit.json"), ...pw, ...base], /deposit\.json: is not an EIP-2335 keystore/],
      [["--keystore", join(dir, "missing.json"), ...pw, ...base], /missing\.json: cannot read/],
      [["--keystore", ks, ...pw, ...base.slice(2)], /--operator: a committee has 4, 7, 10 or 13/],
      [
        ["--keystore", ks, ...pw, ...base.map((a) => (a === "4:" ? a : a.replace(/^4:0x.*/, "4:0x1234")))],
        /--operator 4: the X25519/,
      ],
      [["--keystore", ks, ...pw, ...base.map((a) => (a === OWNER ? "0xabc" : a))], /--owner/],
    ];
    for (const [args, pattern] of cases) {
      const out = join(dir, "never.json");
      const res = await cli(["split", ...args, "--out", out]);
      expect(res.code, res.stderr).not.toBe(0);
      const errors = res.stderr
        .trim()
        .split("\n")
        .filter((line) => line.startsWith("cohort-keys:"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(pattern);
      expect(res.stderr).not.toContain(PASSWORD);
      expect((await readdir(dir)).filter((f) => f.includes("never"))).toEqual([]);
    }
  });

  it("runs from a fresh install, before any build: the bin falls back to the TypeScript source", async () => {
    // A copy of the package with src but no dist, as right after `npm ci` on a fresh clone.
    const fresh = await mkdtemp(join(tmpdir(), "cohort-keys-fresh-"));
    const root = new URL("../..", import.meta.url).pathname;
    await mkdir(join(fresh, "sdk", "bin"), { recursive: true });
    await copyFile(CLI, join(fresh, "sdk", "bin", "cohort-keys.js"));
    await symlink(join(root, "sdk", "src"), join(fresh, "sdk", "src"));
    await symlink(join(root, "node_modules"), join(fresh, "node_modules"));
    const res = await run(process.execPath, [join(fresh, "sdk", "bin", "cohort-keys.js"), "--help"]);
    expect(res.stdout).toMatch(/^usage:\n\s+cohort-keys split --keystore FILE/);
    expect(res.stderr).toBe("");
  });
});
