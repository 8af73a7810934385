/**
 * CLI of the stand-in beacon chain. The SSZ preset is fixed when @lodestar/params loads, so the environment is set
 * before the launcher is imported.
 *
 *   npx tsx devnet-beacon/src/cli.ts --fork electra --port 5052 --slot-seconds 2 --validators 8 --own 4
 */
import { parseArgs } from "node:util";

process.env["LODESTAR_PRESET"] = "minimal";
const { values } = parseArgs({
  options: {
    fork: { type: "string", default: "electra" },
    port: { type: "string", default: "5052" },
    "slot-seconds": { type: "string", default: "2" },
    validators: { type: "string", default: "8" },
    own: { type: "string", default: "4" },
  },
});
if (values.fork !== "electra" && values.fork !== "fulu") {
  console.error(`--fork must be electra or fulu, got ${values.fork}`);
  process.exit(2);
}
const { startStandInBeacon } = await import("./index.js");
const beacon = await startStandInBeacon({
  fork: values.fork,
  port: Number(values.port),
  slotSeconds: Number(values["slot-seconds"]),
  genesisValidators: Number(values.validators),
  ownValidators: Number(values.own),
  log: (line) => console.log(line),
});
const stop = () => void beacon.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
