import type { TestProject } from "vitest/node";
import { type Anvil, startAnvil } from "../deploy/anvil.js";
import { build } from "../scripts/build.js";

declare module "vitest" {
  export interface ProvidedContext {
    rpcUrl: string;
  }
}

let anvil: Anvil | undefined;

export async function setup(project: TestProject): Promise<void> {
  await build({ quiet: true });
  anvil = await startAnvil();
  project.provide("rpcUrl", anvil.rpcUrl);
}

export async function teardown(): Promise<void> {
  await anvil?.stop();
}
