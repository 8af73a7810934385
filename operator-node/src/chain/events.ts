import { cohortRegistryAbi } from "@cohort/sdk";
import { type Address, hexToBytes, type Log, parseEventLogs } from "viem";

/** The registry events a node acts on, decoded and ordered as they happened (block, then log index). */
type Positioned<T> = T & { blockNumber: bigint; logIndex: number };

export type RegistryEvent = Positioned<
  | {
      kind: "OperatorAdded";
      operatorId: bigint;
      owner: Address;
      identityKey: Uint8Array;
      encryptionKey: Uint8Array;
      name: string;
    }
  | { kind: "OperatorRemoved"; operatorId: bigint }
  | { kind: "OperatorEndpointsUpdated"; operatorId: bigint; endpoints: string[] }
  | {
      kind: "ValidatorAdded";
      owner: Address;
      operatorIds: bigint[];
      publicKey: Uint8Array;
      payload: Uint8Array;
      nonce: bigint;
    }
  | { kind: "ValidatorRemoved"; owner: Address; operatorIds: bigint[]; publicKey: Uint8Array }
  | { kind: "ValidatorExitRequested"; owner: Address; operatorIds: bigint[]; publicKey: Uint8Array }
  | {
      kind: "ValidatorCommitteeChanged";
      owner: Address;
      publicKey: Uint8Array;
      oldOperatorIds: bigint[];
      operatorIds: bigint[];
      payload: Uint8Array;
      nonce: bigint;
    }
  | { kind: "CommitteeLiquidated"; owner: Address; operatorIds: bigint[] }
  | { kind: "CommitteeReactivated"; owner: Address; operatorIds: bigint[] }
  /** The owner's choice of where the validator's blocks pay (the owner again when reset). */
  | { kind: "FeeRecipientUpdated"; publicKey: Uint8Array; feeRecipient: Address }
>;

export const REGISTRY_EVENT_NAMES = [
  "OperatorAdded",
  "OperatorRemoved",
  "OperatorEndpointsUpdated",
  "ValidatorAdded",
  "ValidatorRemoved",
  "ValidatorExitRequested",
  "ValidatorCommitteeChanged",
  "CommitteeLiquidated",
  "CommitteeReactivated",
  "FeeRecipientUpdated",
] as const;

export function decodeRegistryLogs(logs: Log[]): RegistryEvent[] {
  const parsed = parseEventLogs({ abi: cohortRegistryAbi, logs, eventName: [...REGISTRY_EVENT_NAMES], strict: true });
  const events: RegistryEvent[] = [];
  for (const log of parsed) {
    if (log.blockNumber === null || log.logIndex === null) continue; // pending logs are never final
    const at = { blockNumber: log.blockNumber, logIndex: log.logIndex };
    switch (log.eventName) {
      case "OperatorAdded": {
        const { operatorId, owner, identityKey, encryptionKey, name } = log.args;
        events.push({
          ...at,
          kind: log.eventName,
          operatorId,
          owner,
          name,
          identityKey: hexToBytes(identityKey),
          encryptionKey: hexToBytes(encryptionKey),
        });
        break;
      }
      case "OperatorRemoved":
        events.push({ ...at, kind: log.eventName, operatorId: log.args.operatorId });
        break;
      case "OperatorEndpointsUpdated":
        events.push({
          ...at,
          kind: log.eventName,
          operatorId: log.args.operatorId,
          endpoints: [...log.args.endpoints],
        });
        break;
      case "ValidatorAdded": {
        const { owner, operatorIds, publicKey, payload, nonce } = log.args;
        events.push({
          ...at,
          kind: log.eventName,
          owner,
          operatorIds: [...operatorIds],
          publicKey: hexToBytes(publicKey),
          payload: hexToBytes(payload),
          nonce,
        });
        break;
      }
      case "ValidatorRemoved":
      case "ValidatorExitRequested": {
        const { owner, operatorIds, publicKey } = log.args;
        events.push({
          ...at,
          kind: log.eventName,
          owner,
          operatorIds: [...operatorIds],
          publicKey: hexToBytes(publicKey),
        });
        break;
      }
      case "ValidatorCommitteeChanged": {
        const { owner, publicKey, oldOperatorIds, operatorIds, payload, nonce } = log.args;
        events.push({
          ...at,
          kind: log.eventName,
          owner,
          publicKey: hexToBytes(publicKey),
          oldOperatorIds: [...oldOperatorIds],
          operatorIds: [...operatorIds],
          payload: hexToBytes(payload),
          nonce,
        });
        break;
      }
      case "CommitteeLiquidated":
      case "CommitteeReactivated":
        events.push({ ...at, kind: log.eventName, owner: log.args.owner, operatorIds: [...log.args.operatorIds] });
        break;
      case "FeeRecipientUpdated":
        events.push({
          ...at,
          kind: log.eventName,
          publicKey: hexToBytes(log.args.publicKey),
          feeRecipient: log.args.feeRecipient,
        });
        break;
    }
  }
  return events.sort((x, y) =>
    x.blockNumber === y.blockNumber ? x.logIndex - y.logIndex : x.blockNumber < y.blockNumber ? -1 : 1,
  );
}
