/**
 * Registers the beacon dev chain's genesis validators 4..7 with the devnet's four operators, through the same path a
 * staker takes: an EIP-2335 keystore (made here from the interop key) is decrypted, split 3-of-4, encrypted to the
 * operators and registered. The interop keys are public test keys: this is for a local chain only.
 */
import {
  buildKeyshares,
  cohortRegistryAbi,
  cohortTokenAbi,
  createKeystore,
  decryptKeystore,
  zeroize,
} from "@cohort/sdk";
import { interopSecretKey } from "@lodestar/state-transition";
import { type Address, createPublicClient, createWalletClient, hexToBytes, http, type LocalAccount } from "viem";

export const DV_VALIDATOR_INDICES = [4, 5, 6, 7] as const;
/** Fee-token deposit for the committee: far above the collateral 4 validators need on the devnet's fees. */
const FEE_DEPOSIT = 100n * 10n ** 18n;
const KEYSTORE_PASSWORD = "devnet interop keystore";

export interface GenesisRegistration {
  readonly rpcUrl: string;
  readonly registry: Address;
  readonly token: Address;
  readonly chainId: number;
  readonly owner: LocalAccount;
  readonly operators: readonly { id: number; encryptionPublicKey: `0x${string}` }[];
  readonly indices?: readonly number[];
}

/** Returns the registered validator public keys (0x-hex), in index order. */
export async function registerGenesisValidators(p: GenesisRegistration): Promise<`0x${string}`[]> {
  const transport = http(p.rpcUrl);
  const client = createPublicClient({ transport, pollingInterval: 50 });
  const wallet = createWalletClient({ account: p.owner, transport });
  const send = async (request: Parameters<typeof client.simulateContract>[0]) => {
    const { request: prepared } = await client.simulateContract({ ...request, account: p.owner });
    const receipt = await client.waitForTransactionReceipt({ hash: await wallet.writeContract(prepared) });
    if (receipt.status !== "success") throw new Error(`${request.functionName} reverted`);
  };
  const nonce = await client.readContract({
    address: p.registry,
    abi: cohortRegistryAbi,
    functionName: "nonces",
    args: [p.owner.address],
  });
  const keyshares = [];
  for (const [i, index] of (p.indices ?? DV_VALIDATOR_INDICES).entries()) {
    const secret = interopSecretKey(index).toBytes();
    // Cheap KDF: the keystore exists only for the length of this function.
    const keystore = await createKeystore(secret, KEYSTORE_PASSWORD, { kdf: "pbkdf2", kdfParams: { c: 2 } });
    zeroize(secret);
    const { secretKey, publicKey } = await decryptKeystore(keystore, KEYSTORE_PASSWORD);
    try {
      keyshares.push(
        await buildKeyshares({
          secretKey,
          publicKey,
          operators: p.operators.map((o) => ({ id: BigInt(o.id), encryptionKey: hexToBytes(o.encryptionPublicKey) })),
          owner: p.owner.address,
          nonce: nonce + BigInt(i),
          chainId: BigInt(p.chainId),
          registry: p.registry,
        }),
      );
    } finally {
      zeroize(secretKey);
    }
  }
  await send({
    address: p.token,
    abi: cohortTokenAbi,
    functionName: "approve",
    args: [p.registry, FEE_DEPOSIT],
  });
  await send({
    address: p.registry,
    abi: cohortRegistryAbi,
    functionName: "bulkRegisterValidators",
    args: [
      keyshares.map((k) => k.publicKey),
      keyshares[0]!.operatorIds.map(BigInt),
      keyshares.map((k) => k.payload),
      nonce,
      FEE_DEPOSIT,
    ],
  });
  return keyshares.map((k) => k.publicKey);
}
