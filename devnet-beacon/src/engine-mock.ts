/**
 * Engine mock of the stand-in beacon chain: no execution client runs here, so payloads are made up, but with every
 * field the consensus spec checks set as a real engine would (parent hash chain, prev_randao, timestamp, expected
 * withdrawals). Block hashes are a hash of the payload's identifying fields, not a real keccak of an RLP header.
 */
import { ForkSeq } from "@lodestar/params";
import {
  type CachedBeaconStateCapella,
  type CachedBeaconStateExecutions,
  computeEpochAtSlot,
  computeTimeAtSlot,
  getExpectedWithdrawals,
  getRandaoMix,
} from "@lodestar/state-transition";
import type { ExecutionPayload } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";

const GAS_LIMIT = 30_000_000;
const FAKE_TX_GAS = 21_000;

/** Two fake transactions per payload, so the blinded header's transactions root is not the empty list's. */
function fakeTransactions(blockNumber: number): Uint8Array[] {
  return [1, 2].map((n) => {
    const tx = new Uint8Array(32);
    new DataView(tx.buffer).setUint32(0, blockNumber);
    tx[31] = n;
    return sha256(tx);
  });
}

export function buildPayload(
  state: CachedBeaconStateExecutions,
  feeRecipient: Uint8Array,
  fork: ForkSeq,
): ExecutionPayload {
  const parent = state.latestExecutionPayloadHeader;
  const blockNumber = parent.blockNumber + 1;
  const timestamp = computeTimeAtSlot(state.config, state.slot, state.genesisTime);
  const transactions = fakeTransactions(blockNumber);
  const idBytes = new Uint8Array(32 + 8 + 8 + 20);
  idBytes.set(parent.blockHash, 0);
  new DataView(idBytes.buffer).setBigUint64(32, BigInt(blockNumber));
  new DataView(idBytes.buffer).setBigUint64(40, BigInt(timestamp));
  idBytes.set(feeRecipient, 48);
  const blockHash = sha256(idBytes);
  const payload: Record<string, unknown> = {
    parentHash: parent.blockHash,
    feeRecipient,
    stateRoot: sha256(blockHash),
    receiptsRoot: sha256(sha256(blockHash)),
    logsBloom: new Uint8Array(256),
    prevRandao: getRandaoMix(state, computeEpochAtSlot(state.slot)),
    blockNumber,
    gasLimit: GAS_LIMIT,
    gasUsed: FAKE_TX_GAS * transactions.length,
    timestamp,
    extraData: new TextEncoder().encode("cohort stand-in"),
    baseFeePerGas: parent.baseFeePerGas,
    blockHash,
    transactions,
  };
  if (fork >= ForkSeq.capella) {
    payload["withdrawals"] = getExpectedWithdrawals(fork, state as CachedBeaconStateCapella).expectedWithdrawals;
  }
  if (fork >= ForkSeq.deneb) {
    payload["blobGasUsed"] = 0n;
    payload["excessBlobGas"] = 0n;
  }
  return payload as unknown as ExecutionPayload;
}
