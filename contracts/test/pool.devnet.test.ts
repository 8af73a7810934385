/** The devnet deploys the pool system and funds each demo operator's identity address for its pool transactions. */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, type DevnetDeployment, startDevnet } from "../../scripts/devnet/chain.js";
import type { OperatorKeyFile } from "../../scripts/devnet/operatorKeys.js";
import { cohortMiniPoolsAbi, cohortPoolAbi, cohortRegistryAbi } from "../../sdk/src/abi/index.js";

describe("devnet pool system", () => {
  let devnet: Devnet;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cohort-devnet-pool-"));
    devnet = await startDevnet({ port: 0, dir });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("writes the pool addresses and funds every identity address with 10 ETH", async () => {
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    const written = JSON.parse(await readFile(join(dir, "deployment.json"), "utf8")) as DevnetDeployment;
    for (const address of [written.pool, written.miniPools, written.oracle, written.depositContract]) {
      expect((await client.getCode({ address }))?.length ?? 0).toBeGreaterThan(2);
    }
    expect(await client.readContract({ address: written.pool, abi: cohortPoolAbi, functionName: "miniPools" })).toBe(
      written.miniPools,
    );
    expect(
      await client.readContract({ address: written.registry, abi: cohortRegistryAbi, functionName: "poolOracle" }),
    ).toBe(written.oracle);
    expect(written.poolConfig.initiatorBond).toBe((4n * 10n ** 18n).toString());

    for (const op of written.operators) {
      const keys = JSON.parse(await readFile(op.keyFile, "utf8")) as OperatorKeyFile;
      const address = privateKeyToAccount(keys.identitySecretKey).address;
      expect(op.identityAddress).toBe(address);
      expect(
        await client.readContract({
          address: written.miniPools,
          abi: cohortMiniPoolsAbi,
          functionName: "identityAddress",
          args: [BigInt(op.id)],
        }),
      ).toBe(address);
      expect(await client.getBalance({ address })).toBe(10n * 10n ** 18n);
    }
  });
});
