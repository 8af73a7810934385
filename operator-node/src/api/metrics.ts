import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { NodeEvent } from "../app/attester.js";

/**
 * Prometheus metrics of one operator node, fed by the duty workflow's events. Labels never carry a key or a root:
 * refusals are labelled by their reason's code only, so cardinality stays small and nothing secret is exported.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly duties = new Counter({
    name: "cohort_duties_total",
    help: "Attester duties started",
    registers: [this.registry],
  });
  private readonly decided = new Counter({
    name: "cohort_consensus_decided_total",
    help: "Consensus instances decided",
    registers: [this.registry],
  });
  private readonly signed = new Counter({
    name: "cohort_partials_signed_total",
    help: "Partial signatures released after slashing protection",
    registers: [this.registry],
  });
  private readonly refused = new Counter({
    name: "cohort_signing_refused_total",
    help: "Signatures refused by slashing protection, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  private readonly submitted = new Counter({
    name: "cohort_attestations_submitted_total",
    help: "Combined attestations submitted to the beacon node",
    registers: [this.registry],
  });
  private readonly aggregated = new Counter({
    name: "cohort_aggregates_submitted_total",
    help: "Aggregate-and-proofs submitted",
    registers: [this.registry],
  });
  private readonly proposed = new Counter({
    name: "cohort_blocks_proposed_total",
    help: "Threshold-signed blocks published",
    registers: [this.registry],
  });
  private readonly exited = new Counter({
    name: "cohort_voluntary_exits_submitted_total",
    help: "Threshold-signed voluntary exits submitted",
    registers: [this.registry],
  });
  private readonly missed = new Counter({
    name: "cohort_duties_missed_total",
    help: "Duties that ended without their object reaching the beacon node, by duty kind and reason",
    labelNames: ["kind", "reason"] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "cohort_consensus_latency_seconds",
    help: "From duty start to consensus decision",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
    registers: [this.registry],
  });
  private readonly started = new Map<number, number>();

  constructor(
    peers: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {
    new Gauge({
      name: "cohort_peers_connected",
      help: "Committee members currently connected",
      registers: [this.registry],
      collect() {
        this.set(peers());
      },
    });
  }

  record(event: NodeEvent): void {
    switch (event.type) {
      case "duty":
        this.duties.inc();
        this.started.set(event.slot, this.now());
        return;
      case "decided": {
        this.decided.inc();
        const t0 = this.started.get(event.slot);
        if (t0 !== undefined) this.latency.observe((this.now() - t0) / 1000);
        this.started.delete(event.slot);
        return;
      }
      case "signed":
        this.signed.inc();
        return;
      case "refused":
        this.refused.inc({ reason: reasonCode(event.reason) });
        return;
      case "submitted":
        this.submitted.inc();
        return;
      case "aggregated":
        this.aggregated.inc();
        return;
      case "proposed":
        this.proposed.inc();
        return;
      case "exited":
        this.exited.inc();
        return;
      case "missed":
        this.missed.inc({ kind: event.kind, reason: event.reason });
        this.started.delete(event.slot);
        return;
    }
  }

  /**
   * Forgets the start times of duties before `slot` (their latency is no longer observed). Misses are not inferred
   * here: each workflow reports its own, with the reason it knows.
   */
  closeSlotsBefore(slot: number): void {
    for (const s of [...this.started.keys()]) if (s < slot) this.started.delete(s);
  }
}

/** The leading upper-case code of a refusal ("DOUBLE_VOTE: …" → "DOUBLE_VOTE"), else "other". */
function reasonCode(reason: string): string {
  return /^[A-Z_]{3,40}\b/.exec(reason)?.[0] ?? "other";
}
