/**
 * The official beacon deposit contract (solc 0.6.11) on anvil accepts a 32 ETH deposit whose deposit_data_root the sdk
 * computed, and rejects one whose root does not match.
 */
import { depositDataRoot, executionWithdrawalCredentials, FULL_DEPOSIT_GWEI } from "@cohort/sdk/deposit/deposit";
import { bytesToHex, hexToBytes, parseEventLogs } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { depositContractAbi } from "../../sdk/src/abi/index.js";
import { ETHER, makeDkgResult, type PoolSystem, setupPoolSystem } from "./poolFixture.js";

let system: PoolSystem;
let snapshot: `0x${string}`;

beforeAll(async () => {
  system = await setupPoolSystem(0, {}, 1);
});
beforeEach(async () => {
  snapshot = await system.cohort.snapshot();
});
afterEach(async () => {
  await system.cohort.revert(snapshot);
});

const littleEndian64 = (value: bigint) => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytesToHex(bytes);
};

describe("official deposit contract", () => {
  it("accepts a 32 ETH deposit with the sdk's deposit_data_root, logs it and moves the deposit root", async () => {
    const [staker] = system.stakers;
    const withdrawalAddress = staker!.address;
    const { pubkey, signature, root } = makeDkgResult(withdrawalAddress, FULL_DEPOSIT_GWEI);
    // Recomputed here from the fields, not taken from the helper, so this checks the sdk against the contract.
    const credentials = executionWithdrawalCredentials(withdrawalAddress);
    const sdkRoot = depositDataRoot(
      { publicKey: hexToBytes(pubkey), withdrawalCredentials: credentials, amountGwei: FULL_DEPOSIT_GWEI },
      hexToBytes(signature),
    );
    expect(bytesToHex(sdkRoot)).toBe(root);

    const rootBefore = await system.read("deposit", "get_deposit_root");
    const receipt = await system.send(
      staker!,
      "deposit",
      "deposit",
      [pubkey, bytesToHex(credentials), signature, root],
      32n * ETHER,
    );
    const rootAfter = await system.read("deposit", "get_deposit_root");
    expect(rootAfter).not.toBe(rootBefore);
    expect(await system.read("deposit", "get_deposit_count")).toBe(littleEndian64(1n));
    expect(await system.ethBalance(system.addresses.deposit)).toBe(32n * ETHER);

    const [event] = parseEventLogs({ abi: depositContractAbi, logs: receipt.logs, eventName: "DepositEvent" });
    expect(event!.args).toEqual({
      pubkey,
      withdrawal_credentials: bytesToHex(credentials),
      amount: littleEndian64(FULL_DEPOSIT_GWEI),
      signature,
      index: littleEndian64(0n),
    });
  });

  it("rejects a deposit whose root does not match its data", async () => {
    const [staker] = system.stakers;
    const { pubkey, signature, root } = makeDkgResult(staker!.address, FULL_DEPOSIT_GWEI);
    // Right root, but for other credentials than the ones sent.
    const other = bytesToHex(executionWithdrawalCredentials(system.addresses.pool));
    const error = await system.cohort.client
      .simulateContract({
        address: system.addresses.deposit,
        abi: depositContractAbi,
        functionName: "deposit",
        args: [pubkey, other, signature, root],
        account: staker!,
        value: 32n * ETHER,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(error)).toContain("reconstructed DepositData does not match supplied deposit_data_root");
  });
});
