import { runSdkBenchmarks } from "./sdk.js";

console.log(`Cohort benchmarks — node ${process.version}, ${(await import("node:os")).cpus().length} cores`);
await runSdkBenchmarks();
