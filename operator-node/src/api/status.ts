import type { DutyOutcome, NodeStatus } from "@cohort/sdk/node-status";
import type { NodeEvent } from "../app/attester.js";

// The JSON shape is the sdk's, so the dapp that reads it and the node that writes it cannot drift apart.
export type { DutyOutcome, NodeStatus };

/** Keeps the outcome of the last `keep` slots with duties, newest first. */
export class StatusBook {
  private readonly bySlot = new Map<number, DutyOutcome>();

  constructor(
    private readonly operator: string,
    private readonly validators: () => string[],
    private readonly keep = 64,
  ) {}

  record(event: NodeEvent): void {
    const outcome = this.slot(event.slot);
    switch (event.type) {
      case "decided":
        outcome.decided = true;
        return;
      case "signed":
        outcome.signed.push(event.validator);
        return;
      case "refused":
        outcome.refused.push({ validator: event.validator, reason: event.reason });
        return;
      case "submitted":
        outcome.submittedIndices.push(event.validatorIndex);
        return;
      case "aggregated":
        outcome.aggregatedIndices.push(event.validatorIndex);
        return;
      case "duty":
        return;
    }
  }

  snapshot(): NodeStatus {
    return {
      operator: this.operator,
      validators: this.validators(),
      recentDuties: [...this.bySlot.values()].sort((a, b) => b.slot - a.slot),
    };
  }

  private slot(slot: number): DutyOutcome {
    let outcome = this.bySlot.get(slot);
    if (!outcome) {
      outcome = { slot, decided: false, signed: [], refused: [], submittedIndices: [], aggregatedIndices: [] };
      this.bySlot.set(slot, outcome);
      if (this.bySlot.size > this.keep) this.bySlot.delete(Math.min(...this.bySlot.keys()));
    }
    return outcome;
  }
}
