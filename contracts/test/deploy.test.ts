import { createPublicClient, createTestClient, createWalletClient, getAddress, type Hex, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { cohortRegistryAbi, cohortTokenAbi } from "../../sdk/src/abi/index.js";
import { defaultConfig } from "../deploy/config.js";
import { deployCohort } from "../deploy/deploy.js";

const rpcUrl = inject("rpcUrl");
const client = createPublicClient({ transport: http(rpcUrl) });
const testClient = createTestClient({ mode: "anvil", transport: http(rpcUrl) });
let snapshot: Hex;
beforeEach(async () => {
  snapshot = await testClient.snapshot();
});
afterEach(async () => {
  await testClient.revert({ id: snapshot });
});

describe("deployCohort", () => {
  it("deploys with an unlocked node account and the default parameters", async () => {
    const governance = mnemonicToAccount("test test test test test test test test test test test junk", {
      addressIndex: 7,
    }).address;
    // eth_accounts: the accounts the node itself holds and signs for.
    const [deployer] = await createWalletClient({ transport: http(rpcUrl) }).getAddresses();
    const deployment = await deployCohort({ rpcUrl, account: deployer, governance });
    expect(deployment.chainId).toBe(31337);
    expect(deployment.deployer).toBe(getAddress(deployer!));
    expect(deployment.config).toEqual(defaultConfig);
    const read = (functionName: "owner" | "token" | "config") =>
      client.readContract({ address: deployment.registry, abi: cohortRegistryAbi, functionName });
    expect(await read("owner")).toBe(governance);
    expect(await read("token")).toBe(deployment.token);
    expect(await read("config")).toEqual(defaultConfig);
    expect(await client.readContract({ address: deployment.token, abi: cohortTokenAbi, functionName: "owner" })).toBe(
      governance,
    );
    const receiptBlock = await client.getBlock({ blockNumber: deployment.blockNumber, includeTransactions: true });
    expect(receiptBlock.transactions.some((tx) => tx.to === null)).toBe(true);
  });

  it("deploys with a private key and parameter overrides", async () => {
    // Anvil's well-known account 9 key (public test key, local chains only).
    const key: Hex = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
    const deployment = await deployCohort({ rpcUrl, deployerPrivateKey: key, params: { networkFee: 1n } });
    expect(deployment.deployer).toBe("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
    expect(deployment.governance).toBe(deployment.deployer);
    expect(deployment.config).toEqual({ ...defaultConfig, networkFee: 1n });
  });

  it("refuses to run without a deployer", async () => {
    await expect(deployCohort({ rpcUrl })).rejects.toThrow("deployerPrivateKey or account");
  });
});
