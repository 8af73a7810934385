import { nodeApis } from "./nodeApis";
import { type DutyRow, type DutySummary, dutyRowsFor, dutySummary, nodeServes, refusalText } from "./nodeStatus";
import { type NodeView, useNodeStatus } from "./useNodeStatus";

interface Member {
  id: bigint;
  name: string;
}

const pill = {
  ok: "bg-teal-50 text-teal-800 ring-teal-100",
  warn: "bg-amber-50 text-amber-900 ring-amber-200",
  bad: "bg-red-50 text-red-800 ring-red-200",
  idle: "bg-slate-100 text-slate-600 ring-slate-200",
} as const;

function Pill({ tone, children, testId }: { tone: keyof typeof pill; children: string; testId?: string }) {
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${pill[tone]}`} data-testid={testId}>
      {children}
    </span>
  );
}

function DutyTable({ rows, indexKnown }: { rows: DutyRow[]; indexKnown: boolean }) {
  return (
    <table className="mt-2 w-full text-left text-xs">
      <thead className="text-slate-500">
        <tr>
          <th className="py-1 pr-3 font-medium">Slot</th>
          <th className="py-1 pr-3 font-medium">Consensus</th>
          <th className="py-1 pr-3 font-medium">Partial signature</th>
          {indexKnown && <th className="py-1 pr-3 font-medium">Submitted</th>}
          {indexKnown && <th className="py-1 font-medium">Aggregated</th>}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 tabular-nums">
        {rows.map((r) => (
          <tr key={r.slot} data-testid="duty-row" data-slot={r.slot}>
            <td className="py-1 pr-3">{r.slot}</td>
            <td className="py-1 pr-3">{r.decided ? "decided" : "not decided"}</td>
            <td className={`py-1 pr-3 ${r.outcome === "refused" ? "text-red-800" : ""}`}>
              {r.outcome === "refused" ? `refused by slashing protection: ${refusalText(r.reason ?? "")}` : r.outcome}
            </td>
            {indexKnown && <td className="py-1 pr-3">{r.submitted ? "yes" : "no"}</td>}
            {indexKnown && <td className="py-1">{r.aggregated ? "yes" : "no"}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SummaryLine({ s }: { s: DutySummary }) {
  const parts = [`${s.signed} signed`];
  if (s.submitted !== null) parts.push(`${s.submitted} submitted to the beacon node`);
  if (s.aggregated !== null && s.aggregated > 0) parts.push(`${s.aggregated} aggregated`);
  if (s.refused > 0) parts.push(`${s.refused} refused by slashing protection`);
  return (
    <p className="mt-1 text-xs text-slate-600" data-testid="duty-summary">
      Last {s.slots} duty slot{s.slots === 1 ? "" : "s"} for this validator: {parts.join(", ")}.
    </p>
  );
}

const REACHABILITY: Record<NodeView["kind"], { tone: keyof typeof pill; label: string }> = {
  "no-endpoint": { tone: "idle", label: "No endpoint known" },
  checking: { tone: "idle", label: "Checking…" },
  reachable: { tone: "ok", label: "Reachable" },
  unreachable: { tone: "bad", label: "Unreachable" },
};

/** What one committee member's node says about this validator. */
function MemberStatus({
  member,
  publicKey,
  validatorIndex,
}: {
  member: Member;
  publicKey: string;
  validatorIndex: number | undefined;
}) {
  const url = nodeApis.get(member.id.toString());
  const view = useNodeStatus(url);
  const status = view.kind === "reachable" ? view.status : view.kind === "unreachable" ? view.last : undefined;
  const rows = status ? dutyRowsFor(status, publicKey, validatorIndex) : [];
  return (
    <li className="py-2" data-testid="node-status" data-operator-id={member.id.toString()}>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium text-slate-800">{member.name}</span>
        <Pill tone={REACHABILITY[view.kind].tone} testId="node-reachability">
          {REACHABILITY[view.kind].label}
        </Pill>
        {status &&
          (nodeServes(status, publicKey) ? (
            <Pill tone="ok" testId="node-knows">
              Serves this validator
            </Pill>
          ) : (
            <Pill tone="warn" testId="node-knows">
              Does not list this validator
            </Pill>
          ))}
        {url && <code className="text-xs text-slate-500">{url}</code>}
      </div>
      {view.kind === "unreachable" && (
        <p className="mt-1 text-xs text-red-800" data-testid="node-error">
          {view.message}
          {view.last ? " Showing what it last reported." : ""}
        </p>
      )}
      {status &&
        (rows.length === 0 ? (
          <p className="mt-1 text-xs text-slate-500" data-testid="no-duties">
            No duties for this validator in the node's recent history.
            {nodeServes(status, publicKey)
              ? " Attester duties come once an epoch, after the validator is active on the beacon chain."
              : " The node picks validators up from the chain's events; if this lasts, ask its operator."}
          </p>
        ) : (
          <>
            <SummaryLine s={dutySummary(rows)} />
            <DutyTable rows={rows} indexKnown={validatorIndex !== undefined} />
          </>
        ))}
    </li>
  );
}

/**
 * The committee's nodes as they report themselves (GET /status), polled while open. Reads only public facts: slots,
 * outcomes and refusal reasons, never a key or a share.
 */
export function NodeStatusPanel({
  publicKey,
  members,
  validatorIndex,
}: {
  publicKey: string;
  members: Member[];
  validatorIndex?: number;
}) {
  if (nodeApis.size === 0) {
    return (
      <p
        className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-600"
        data-testid="no-node-apis"
      >
        No node endpoints are known for this network, so the committee's nodes cannot be asked about this validator.
        Operators share their node's status URL themselves.
      </p>
    );
  }
  return (
    <section className="rounded-md border border-slate-200 bg-slate-50 px-4 py-2" aria-label="Node status">
      <ul className="divide-y divide-slate-200">
        {members.map((m) => (
          <MemberStatus key={m.id.toString()} member={m} publicKey={publicKey} validatorIndex={validatorIndex} />
        ))}
      </ul>
      {validatorIndex === undefined && (
        <p className="py-2 text-xs text-slate-500">
          Nodes record submissions by beacon validator index, which the beacon node has not given for this validator
          (not configured, unreachable, or the validator is not on the beacon chain yet), so only consensus and signing
          are shown per slot.
        </p>
      )}
    </section>
  );
}
