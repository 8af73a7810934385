import { Link } from "react-router";
import { Notice } from "../ui/Notice";
import { AccessPanel } from "./AccessPanel";
import { EarningsPanel } from "./EarningsPanel";
import { EndpointsPanel } from "./EndpointsPanel";
import { FeePanel } from "./FeePanel";
import { MiniPoolOptInPanel } from "./MiniPoolOptInPanel";
import { useOperatorAccount } from "./useOperatorAccount";

/** One operator the connected address owns, with everything its owner can change. */
export function OperatorCard({ id }: { id: bigint }) {
  const account = useOperatorAccount(id);
  if (account.isError) {
    return (
      <Notice tone="error" title={`Could not read operator ${id}`}>
        {account.error.message.split("\n")[0]} Check that the chain RPC is reachable and reload.
      </Notice>
    );
  }
  if (!account.data) return <p className="text-slate-500">Reading operator {id.toString()}…</p>;
  const { operator, declaration, endpoints } = account.data;
  return (
    <article
      className="rounded-lg border border-slate-200 bg-white p-5"
      data-testid="my-operator"
      data-operator-id={id.toString()}
    >
      <header className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-lg font-semibold text-slate-900">{operator.name}</h3>
        <Link to={`/operators/${id}`} className="text-sm text-teal-700 hover:underline">
          Operator {id.toString()} · {operator.validatorCount} validator{operator.validatorCount === 1 ? "" : "s"} →
        </Link>
      </header>
      <div className="grid gap-6 lg:grid-cols-2">
        <FeePanel operatorId={id} fee={operator.fee} declaration={declaration} />
        <div className="grid content-start gap-6">
          <EarningsPanel operatorId={id} earnings={operator.earnings} />
          <AccessPanel operatorId={id} privateMode={operator.privateMode} />
          <EndpointsPanel operatorId={id} endpoints={endpoints} />
          <MiniPoolOptInPanel operatorId={id} />
        </div>
      </div>
    </article>
  );
}
