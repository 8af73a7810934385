import { afterEach, describe, expect, it } from "vitest";
import { NodeMetrics } from "../src/api/metrics.js";
import { type ApiServer, startApi } from "../src/api/server.js";
import { type NodeStatus, StatusBook } from "../src/api/status.js";
import type { NodeEvent } from "../src/app/attester.js";

const V1 = `0x${"a1".repeat(48)}`;
const V2 = `0x${"b2".repeat(48)}`;
let api: ApiServer | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

function feed(metrics: NodeMetrics, status: StatusBook, events: NodeEvent[]) {
  for (const e of events) {
    metrics.record(e);
    status.record(e);
  }
}

describe("node API (real HTTP on loopback)", () => {
  it("exports duty, consensus, signing and peer metrics in Prometheus format", async () => {
    let clock = 1000;
    const metrics = new NodeMetrics(
      () => 3,
      () => clock,
    );
    const status = new StatusBook("operator 2", () => [V1, V2]);
    feed(metrics, status, [{ type: "duty", slot: 10 }]);
    clock += 300;
    feed(metrics, status, [
      { type: "decided", slot: 10 },
      { type: "signed", validator: V1, slot: 10, targetEpoch: 1, signingRoot: `0x${"00".repeat(32)}` },
      { type: "refused", validator: V2, slot: 10, reason: "DOUBLE_VOTE: another attestation was already signed" },
      { type: "submitted", validatorIndex: 4, slot: 10, dataRoot: `0x${"11".repeat(32)}` },
      { type: "duty", slot: 11 },
      { type: "missed", kind: "attestation", reason: "consensus_timeout", slot: 11, validatorIndex: 4 },
      { type: "missed", kind: "attestation", reason: "consensus_timeout", slot: 11, validatorIndex: 5 },
      { type: "missed", kind: "proposal", reason: "combine_timeout", slot: 11, validatorIndex: 6 },
    ]);
    metrics.closeSlotsBefore(12);
    api = await startApi(metrics, status);
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^cohort_duties_total 2$/m);
    expect(text).toMatch(/^cohort_consensus_decided_total 1$/m);
    expect(text).toMatch(/^cohort_partials_signed_total 1$/m);
    expect(text).toMatch(/^cohort_signing_refused_total\{reason="DOUBLE_VOTE"\} 1$/m);
    expect(text).toMatch(/^cohort_attestations_submitted_total 1$/m);
    expect(text).toMatch(/^cohort_duties_missed_total\{kind="attestation",reason="consensus_timeout"\} 2$/m);
    expect(text).toMatch(/^cohort_duties_missed_total\{kind="proposal",reason="combine_timeout"\} 1$/m);
    // Closing a slot forgets its start time but infers nothing: each workflow reports its own misses.
    expect(text.match(/^cohort_duties_missed_total\{/gm)).toHaveLength(2);
    expect(text).toMatch(/^cohort_consensus_latency_seconds_bucket\{le="0.5"\} 1$/m);
    expect(text).toMatch(/^cohort_consensus_latency_seconds_bucket\{le="0.25"\} 0$/m);
    expect(text).toMatch(/^cohort_peers_connected 3$/m);
  });

  it("serves the status the dapp shows, newest duty first, cross-origin, with public facts only", async () => {
    const metrics = new NodeMetrics(() => 0);
    const status = new StatusBook("operator 7", () => [V1], 2);
    feed(metrics, status, [
      { type: "duty", slot: 1 },
      { type: "decided", slot: 1 },
      { type: "duty", slot: 2 },
      { type: "decided", slot: 2 },
      { type: "signed", validator: V1, slot: 2, targetEpoch: 0, signingRoot: `0x${"00".repeat(32)}` },
      { type: "submitted", validatorIndex: 4, slot: 2, dataRoot: `0x${"11".repeat(32)}` },
      { type: "duty", slot: 3 },
    ]);
    api = await startApi(metrics, status);
    const res = await fetch(`${api.url}/status`);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body = (await res.json()) as NodeStatus;
    expect(body.operator).toBe("operator 7");
    expect(body.validators).toEqual([V1]);
    expect(body.recentDuties.map((d) => d.slot)).toEqual([3, 2]);
    expect(body.recentDuties[1]).toMatchObject({ decided: true, signed: [V1], submittedIndices: [4] });
  });

  it("answers /health, refuses other methods and names the routes on a 404", async () => {
    let healthy = true;
    api = await startApi(new NodeMetrics(() => 0), new StatusBook("operator 1", () => []), { healthy: () => healthy });
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    healthy = false;
    const degraded = await fetch(`${api.url}/health`);
    expect(degraded.status).toBe(503);
    expect(await degraded.json()).toEqual({ status: "degraded" });
    expect((await fetch(`${api.url}/metrics`, { method: "POST" })).status).toBe(405);
    const missing = await fetch(`${api.url}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/\/health, \/metrics or \/status/);
  });
});
