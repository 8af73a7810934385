#!/usr/bin/env node
// Runs before `npm start`, `npm test` and `npm run bench`, with nothing but Node: on a fresh clone (or after a
// lockfile changed) it installs exactly what the lockfiles pin, so both commands work from a clean checkout.
// Two installs: the workspaces, and beacon/ (Lodestar 1.5.1 with overrides the workspaces must not inherit).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

for (const dir of [root, join(root, "beacon")]) {
  const stamp = join(dir, "node_modules", ".cohort-lock-sha256");
  // beacon/'s postinstall patches Lodestar (patch-lodestar.mjs): a changed patch must reinstall too.
  const hash = createHash("sha256").update(readFileSync(join(dir, "package-lock.json")));
  if (dir !== root) hash.update(readFileSync(join(dir, "patch-lodestar.mjs")));
  const lockHash = hash.digest("hex");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === lockHash) continue;
  console.error(
    `cohort: installing ${dir === root ? "dependencies" : "the Lodestar beacon node"} (npm ci in ${dir}) …`,
  );
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
  writeFileSync(stamp, lockHash);
}
