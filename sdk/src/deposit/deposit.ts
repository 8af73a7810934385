import { DOMAIN_DEPOSIT } from "@lodestar/params";
import { ssz } from "@lodestar/types";
import { type Address, bytesToHex, hexToBytes } from "viem";
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from "../bls/constants.js";
import { concatBytes } from "../bytes.js";
import { InvalidArgumentError } from "../errors.js";

// Imported as `@cohort/sdk/deposit/deposit`, not from the root: @lodestar/types touches Node's Buffer at import
// time, and the root entry must stay loadable in the browser.

/** 32 ETH: the amount that activates a validator. */
export const FULL_DEPOSIT_GWEI = 32_000_000_000n;

/** Genesis fork versions of the networks deposit data is made for (the deposit domain uses the genesis fork). */
export const GENESIS_FORK_VERSIONS = {
  mainnet: "0x00000000",
  sepolia: "0x90000069",
  holesky: "0x01017000",
  hoodi: "0x10000910",
} as const;
export type NetworkName = keyof typeof GENESIS_FORK_VERSIONS;

export interface DepositMessage {
  publicKey: Uint8Array;
  withdrawalCredentials: Uint8Array;
  amountGwei: bigint;
}

/** Execution-address (0x01) withdrawal credentials: 0x01 ‖ 11 zero bytes ‖ address. */
export function executionWithdrawalCredentials(address: Address, prefix = 0x01): Uint8Array {
  return concatBytes(new Uint8Array([prefix]), new Uint8Array(11), hexToBytes(address));
}

function toSsz(m: DepositMessage) {
  if (m.publicKey.length !== PUBLIC_KEY_LENGTH) throw new InvalidArgumentError("the deposit public key is 48 bytes");
  if (m.withdrawalCredentials.length !== 32) throw new InvalidArgumentError("withdrawal credentials are 32 bytes");
  return { pubkey: m.publicKey, withdrawalCredentials: m.withdrawalCredentials, amount: Number(m.amountGwei) };
}

export function depositMessageRoot(m: DepositMessage): Uint8Array {
  return ssz.phase0.DepositMessage.hashTreeRoot(toSsz(m));
}

/** compute_domain(DOMAIN_DEPOSIT, fork_version, genesis_validators_root = 0): deposits are valid across forks. */
export function depositDomain(forkVersion: Uint8Array): Uint8Array {
  if (forkVersion.length !== 4) throw new InvalidArgumentError("a fork version is 4 bytes");
  const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({
    currentVersion: forkVersion,
    genesisValidatorsRoot: new Uint8Array(32),
  });
  return concatBytes(DOMAIN_DEPOSIT, forkDataRoot.slice(0, 28));
}

/** What the validator key (or a threshold of its shares) signs. */
export function depositSigningRoot(m: DepositMessage, forkVersion: Uint8Array): Uint8Array {
  return ssz.phase0.SigningData.hashTreeRoot({ objectRoot: depositMessageRoot(m), domain: depositDomain(forkVersion) });
}

/** The `deposit_data_root` argument of the beacon deposit contract's `deposit()`. */
export function depositDataRoot(m: DepositMessage, signature: Uint8Array): Uint8Array {
  if (signature.length !== SIGNATURE_LENGTH) throw new InvalidArgumentError("a deposit signature is 96 bytes");
  return ssz.phase0.DepositData.hashTreeRoot({ ...toSsz(m), signature });
}

/** One entry of the deposit_data-*.json file that staking-deposit-cli writes (hex without 0x, amount in gwei). */
export interface DepositDataJson {
  pubkey: string;
  withdrawal_credentials: string;
  amount: number;
  signature: string;
  deposit_message_root: string;
  deposit_data_root: string;
  fork_version: string;
  network_name: string;
  /** The Launchpad checks this field; it names the deposit-cli layout this file follows, not our version. */
  deposit_cli_version: string;
}

export function toDepositDataJson(
  m: DepositMessage,
  signature: Uint8Array,
  forkVersion: Uint8Array,
  networkName: string,
): DepositDataJson {
  const bare = (b: Uint8Array) => bytesToHex(b).slice(2);
  return {
    pubkey: bare(m.publicKey),
    withdrawal_credentials: bare(m.withdrawalCredentials),
    amount: Number(m.amountGwei),
    signature: bare(signature),
    deposit_message_root: bare(depositMessageRoot(m)),
    deposit_data_root: bare(depositDataRoot(m, signature)),
    fork_version: bare(forkVersion),
    network_name: networkName,
    deposit_cli_version: "2.7.0",
  };
}
