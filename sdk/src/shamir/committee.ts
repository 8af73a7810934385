/**
 * Moved to `committee/size.ts`. Kept only so files other engineers are editing right now (keyshares/build.ts,
 * shamir/split.ts, cli/cohort-keys.ts at HEAD) still compile until their commits import the new path; defines nothing.
 */
export * from "../committee/size.js";
