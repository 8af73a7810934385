import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { cohortContracts } from "../chain/contracts";
import { NoDeployment } from "../chain/NoDeployment";
import { Notice } from "../ui/Notice";
import { PageHeader } from "../ui/PageHeader";
import { PrivateBadge, RemovedBadge, VerifiedBadge } from "./Badges";
import { feePerYear, formatToken } from "./format";
import { useFeeToken, useOperator } from "./useOperators";

function parseId(raw: string | undefined): bigint | null {
  return raw && /^[1-9][0-9]{0,19}$/.test(raw) ? BigInt(raw) : null;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-1 gap-1 px-4 py-3 sm:grid-cols-3 sm:gap-4">
      <dt className="text-sm font-medium text-slate-500">{label}</dt>
      <dd className="text-sm break-all text-slate-900 sm:col-span-2">{children}</dd>
    </div>
  );
}

export default function OperatorDetailPage() {
  const { id: rawId } = useParams();
  const id = parseId(rawId);
  const result = useOperator(id);
  const token = useFeeToken();
  const fmt = (v: bigint) => (token.data ? `${formatToken(v, token.data.decimals)} ${token.data.symbol}` : "…");
  const back = (
    <Link to="/operators" className="text-sm font-medium text-teal-700 hover:underline">
      ← All operators
    </Link>
  );

  if (!cohortContracts()) return <NoDeployment />;
  if (id === null || result.data === null) {
    return (
      <>
        <PageHeader title="Operator not found" actions={back} />
        <Notice>There is no operator with id “{rawId}” on this network. Pick one from the operator list.</Notice>
      </>
    );
  }
  if (result.isError) {
    return (
      <>
        <PageHeader title={`Operator ${id}`} actions={back} />
        <Notice tone="error" title="Could not read this operator">
          {result.error.message.split("\n")[0]} Check that the chain RPC is reachable and reload.
        </Notice>
      </>
    );
  }
  if (result.isPending) return <p className="text-slate-500">Reading operator {id.toString()}…</p>;

  const { operator: op, declaration, endpoints } = result.data;
  const pending = declaration.fee !== 0n || declaration.executableAt !== 0n;
  return (
    <>
      <PageHeader title={op.name} intro={`Operator ${op.id}`} actions={back} />
      <div className="mb-4 flex flex-wrap gap-2">
        {op.verified && <VerifiedBadge />}
        {op.privateMode && <PrivateBadge />}
        {!op.active && <RemovedBadge />}
      </div>
      <dl className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
        <Field label="Fee per block">{fmt(op.fee)}</Field>
        <Field label="Fee per year">{fmt(feePerYear(op.fee))}</Field>
        <Field label="Performance">
          {op.performance
            ? `${(op.performance.averageBps / 100).toFixed(1)}% average participation over ${op.performance.reports} oracle report(s)`
            : "no oracle report names this operator yet"}
        </Field>
        <Field label="Validators">{op.validatorCount}</Field>
        <Field label="Access">
          {op.privateMode ? "Private: allow-listed owners only" : "Public: anyone can choose it"}
        </Field>
        <Field label="Status">{op.active ? "Active" : "Removed: takes no new validators"}</Field>
        <Field label="Owner">
          <code>{op.owner}</code>
        </Field>
        <Field label="Identity key (secp256k1)">
          <code>{op.identityKey}</code>
        </Field>
        <Field label="Encryption key (X25519)">
          <code>{op.encryptionKey}</code>
        </Field>
        <Field label="Node addresses">
          {endpoints.length === 0 ? (
            <span data-testid="operator-endpoints">none published</span>
          ) : (
            <ul className="font-mono text-xs" data-testid="operator-endpoints">
              {endpoints.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          )}
        </Field>
        {pending && (
          <Field label="Declared fee change">
            {fmt(declaration.fee)} per block, executable after{" "}
            {new Date(Number(declaration.executableAt) * 1000).toUTCString()}, expires{" "}
            {new Date(Number(declaration.expiresAt) * 1000).toUTCString()}
          </Field>
        )}
      </dl>
    </>
  );
}
