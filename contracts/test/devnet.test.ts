import { mkdtemp, readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { x25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, createPublicClient, hexToBytes, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, type DevnetDeployment, devnetP2PPort, startDevnet } from "../../scripts/devnet/chain.js";
import type { OperatorKeyFile } from "../../scripts/devnet/operatorKeys.js";
import { cohortRegistryAbi, cohortTokenAbi } from "../../sdk/src/abi/index.js";
import { ensurePortFree } from "../deploy/anvil.js";

describe("startDevnet", () => {
  let devnet: Devnet;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cohort-devnet-"));
    devnet = await startDevnet({ port: 0, dir, p2pBasePort: 19_800 });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("deploys and registers the demo operators, whose keys match their secret files", async () => {
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    const written = JSON.parse(await readFile(join(dir, "deployment.json"), "utf8")) as DevnetDeployment;
    expect(written).toEqual(devnet.deployment);
    expect(written.chainId).toBe(31337);
    expect(
      await client.readContract({ address: written.registry, abi: cohortRegistryAbi, functionName: "operatorCount" }),
    ).toBe(BigInt(written.operators.length));
    // Enough for a 4-member committee; the devnet may run more operators than a committee has members.
    expect(written.operators.length).toBeGreaterThanOrEqual(4);

    for (const op of written.operators) {
      const onChain = await client.readContract({
        address: written.registry,
        abi: cohortRegistryAbi,
        functionName: "getOperator",
        args: [BigInt(op.id)],
      });
      expect(onChain.owner).toBe(op.owner);
      expect(onChain.name).toBe(op.name);
      expect(onChain.fee).toBe(BigInt(op.fee));
      expect(onChain.identityKey).toBe(op.identityPublicKey);
      expect(onChain.encryptionKey).toBe(op.encryptionPublicKey);
      const endpoints = await client.readContract({
        address: written.registry,
        abi: cohortRegistryAbi,
        functionName: "operatorEndpoints",
        args: [BigInt(op.id)],
      });
      expect(endpoints).toEqual([`/ip4/127.0.0.1/tcp/${19_800 + op.id - 1}`]);
      expect(op.endpoints).toEqual(endpoints);
      expect(devnetP2PPort(op.id, 19_800)).toBe(19_800 + op.id - 1);

      expect((await stat(op.keyFile)).mode & 0o777).toBe(0o600);
      const keys = JSON.parse(await readFile(op.keyFile, "utf8")) as OperatorKeyFile;
      expect(keys.operatorId).toBe(op.id);
      expect(bytesToHex(secp256k1.getPublicKey(hexToBytes(keys.identitySecretKey), true))).toBe(onChain.identityKey);
      expect(bytesToHex(x25519.getPublicKey(hexToBytes(keys.encryptionSecretKey)))).toBe(onChain.encryptionKey);
    }
    expect(new Set(written.operators.map((o) => o.identityPublicKey)).size).toBe(written.operators.length);
  });

  it("funds the test accounts with fee token", async () => {
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    for (const account of devnet.deployment.accounts) {
      const balance = await client.readContract({
        address: devnet.deployment.token,
        abi: cohortTokenAbi,
        functionName: "balanceOf",
        args: [account],
      });
      expect(balance).toBe(1_000_000n * 10n ** 18n);
    }
  });

  it("stop ends anvil and frees its port", async () => {
    const port = Number(new URL(devnet.rpcUrl).port);
    await devnet.stop();
    await expect(ensurePortFree(port)).resolves.toBe(port);
  });

  it("fails clearly when the port is taken", async () => {
    const server: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    try {
      await expect(startDevnet({ port, dir: join(dir, "busy") })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use`,
      );
    } finally {
      server.close();
    }
  });
});
