/**
 * An operator node's `GET /status` (operator-node/src/api/status.ts) and what the validator page shows from it.
 * Pure functions: the JSON is checked field by field because it comes from another host, and a node of another
 * version must produce a clear "unexpected answer", not a blank row. The shape itself is the sdk's.
 */
import type { DutyOutcome, NodeStatus } from "@cohort/sdk/node-status";

export class UnexpectedNodeStatusError extends Error {
  constructor(what: string) {
    super(`The node answered /status with ${what}; it may run another Cohort version. Ask its operator to update it.`);
    this.name = "UnexpectedNodeStatusError";
  }
}

/** Public keys compare as lower-case hex without the 0x, the form the node uses. */
export const bareKey = (key: string) => key.toLowerCase().replace(/^0x/, "");

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const strings = (v: unknown, field: string): string[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new UnexpectedNodeStatusError(`"${field}" that is not a list of strings`);
  }
  return v;
};
const integers = (v: unknown, field: string): number[] => {
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x))) {
    throw new UnexpectedNodeStatusError(`"${field}" that is not a list of integers`);
  }
  return v;
};

function parseDuty(raw: unknown): DutyOutcome {
  if (!isObject(raw) || !Number.isSafeInteger(raw.slot) || typeof raw.decided !== "boolean") {
    throw new UnexpectedNodeStatusError("a duty without a slot number or decided flag");
  }
  const refused = raw.refused;
  if (
    !Array.isArray(refused) ||
    !refused.every((r) => isObject(r) && typeof r.validator === "string" && typeof r.reason === "string")
  ) {
    throw new UnexpectedNodeStatusError(`"refused" entries without validator and reason`);
  }
  return {
    slot: raw.slot as number,
    decided: raw.decided,
    signed: strings(raw.signed, "signed").map(bareKey),
    refused: (refused as { validator: string; reason: string }[]).map((r) => ({
      validator: bareKey(r.validator),
      reason: r.reason,
    })),
    submittedIndices: integers(raw.submittedIndices, "submittedIndices"),
    aggregatedIndices: integers(raw.aggregatedIndices, "aggregatedIndices"),
  };
}

/** The /status body, checked; throws UnexpectedNodeStatusError naming the first field that does not fit. */
export function parseNodeStatus(raw: unknown): NodeStatus {
  if (!isObject(raw)) throw new UnexpectedNodeStatusError("something that is not a JSON object");
  if (typeof raw.operator !== "string") throw new UnexpectedNodeStatusError(`no "operator" name`);
  if (!Array.isArray(raw.recentDuties)) throw new UnexpectedNodeStatusError(`no "recentDuties" list`);
  return {
    operator: raw.operator,
    validators: strings(raw.validators, "validators").map(bareKey),
    recentDuties: raw.recentDuties.map(parseDuty).sort((a, b) => b.slot - a.slot),
  };
}

/** One slot of one validator as a node saw it. `submitted`/`aggregated` are null when they cannot be attributed. */
export interface DutyRow {
  slot: number;
  decided: boolean;
  outcome: "signed" | "refused" | "not signed";
  reason: string | null;
  submitted: boolean | null;
  aggregated: boolean | null;
}

/**
 * The slots in which `status` shows work for `publicKey`. The node records submissions by validator index, which
 * the page knows only if the caller passes it; without it, a slot belongs to the validator when the node signed or
 * refused for it, and submission is left unattributed rather than guessed from other validators' indices.
 */
export function dutyRowsFor(status: NodeStatus, publicKey: string, validatorIndex?: number): DutyRow[] {
  const key = bareKey(publicKey);
  const rows: DutyRow[] = [];
  for (const duty of status.recentDuties) {
    const signed = duty.signed.includes(key);
    const refusal = duty.refused.find((r) => r.validator === key);
    const submitted = validatorIndex === undefined ? null : duty.submittedIndices.includes(validatorIndex);
    const aggregated = validatorIndex === undefined ? null : duty.aggregatedIndices.includes(validatorIndex);
    if (!signed && !refusal && !submitted && !aggregated) continue;
    rows.push({
      slot: duty.slot,
      decided: duty.decided,
      outcome: signed ? "signed" : refusal ? "refused" : "not signed",
      reason: refusal?.reason ?? null,
      submitted,
      aggregated,
    });
  }
  return rows;
}

/** A node's recent duty slots for one validator in counts; submitted/aggregated are null without its index. */
export interface DutySummary {
  slots: number;
  signed: number;
  refused: number;
  submitted: number | null;
  aggregated: number | null;
}

export function dutySummary(rows: readonly DutyRow[]): DutySummary {
  const count = (f: (r: DutyRow) => boolean) => rows.filter(f).length;
  const attributed = rows.length > 0 && rows.every((r) => r.submitted !== null);
  return {
    slots: rows.length,
    signed: count((r) => r.outcome === "signed"),
    refused: count((r) => r.outcome === "refused"),
    submitted: attributed || rows.length === 0 ? count((r) => r.submitted === true) : null,
    aggregated: attributed || rows.length === 0 ? count((r) => r.aggregated === true) : null,
  };
}

/** Whether the node lists the validator among those it serves (it learns them from the chain's events). */
export const nodeServes = (status: NodeStatus, publicKey: string) => status.validators.includes(bareKey(publicKey));

/** Slashing-protection codes (operator-node/src/signer/slashing-protection.ts) in words; unknown codes as sent. */
const REFUSALS: Record<string, string> = {
  DOUBLE_BLOCK: "double block proposal",
  BLOCK_SLOT_NOT_INCREASING: "block slot not above the last signed",
  DOUBLE_VOTE: "double vote",
  SURROUNDING_VOTE: "surrounding vote",
  SURROUNDED_VOTE: "surrounded vote",
  SOURCE_AFTER_TARGET: "source epoch after target",
  BELOW_LOW_WATERMARK: "older than the signing history",
};

export const refusalText = (reason: string) => {
  const words = REFUSALS[reason];
  return words ? `${words} (${reason})` : reason;
};
