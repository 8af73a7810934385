#!/usr/bin/env node
// Runs before `npm start`, `npm test` and `npm run bench`, with nothing but Node: on a fresh clone (or after the
// lockfile changed) it installs exactly what package-lock.json pins, so both commands work from a clean checkout.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "node_modules", ".cohort-lock-sha256");
const lockHash = createHash("sha256").update(readFileSync(join(root, "package-lock.json"))).digest("hex");

if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lockHash) {
  console.error("cohort: installing dependencies from package-lock.json (npm ci) …");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  writeFileSync(stamp, lockHash);
}
