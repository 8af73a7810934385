#!/usr/bin/env node
// Runs the built CLI when `npm run build` has run; on a fresh clone (dist absent) it runs the TypeScript source
// through tsx, a dev dependency of the workspace, so `npx cohort-keys` works right after `npm ci`.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/cohort-keys.js", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write("cohort-keys: the sdk is not built: run `npm run build -w sdk` first\n");
    process.exit(1);
  }
  register();
  await import(new URL("../src/cli/cohort-keys.ts", import.meta.url).href);
}
