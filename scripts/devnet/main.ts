/**
 * Runs the chain half of the devnet until Ctrl-C:  npx tsx scripts/devnet/main.ts [--port 8545] [--dir .devnet]
 * Without a beacon chain (npm start runs both, scripts/devnet/cluster.ts): its deposit contract is not followed by any.
 */
import { parseArgs } from "node:util";
import { startDevnet } from "./chain.js";

const { values } = parseArgs({
  options: { port: { type: "string", default: "8545" }, dir: { type: "string", default: ".devnet" } },
});

const devnet = await startDevnet({ port: Number(values.port), dir: values.dir });
const { deployment } = devnet;
console.log(`Cohort devnet on ${devnet.rpcUrl} (chain id ${deployment.chainId})`);
console.log(`  registry  ${deployment.registry}`);
console.log(`  token     ${deployment.token}`);
console.log(`  pool      ${deployment.pool} (deposit contract ${deployment.depositContract})`);
console.log(`  deployed at block ${deployment.deployBlock}; deployment written to ${values.dir}/deployment.json`);
for (const op of deployment.operators) {
  console.log(`  operator ${op.id}  ${op.name.padEnd(20)} owner ${op.owner}  keys ${op.keyFile}`);
}
console.log("  funded accounts (anvil's test mnemonic; account 0 is governance):");
for (const [i, address] of deployment.accounts.entries()) console.log(`    ${i}  ${address}`);
console.log("Ctrl-C to stop.");

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await devnet.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
