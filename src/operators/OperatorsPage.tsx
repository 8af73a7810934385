import { useSearchParams } from "react-router";
import { cohortContracts } from "../chain/contracts";
import { NoDeployment } from "../chain/NoDeployment";
import { Notice } from "../ui/Notice";
import { PageHeader } from "../ui/PageHeader";
import { applyQuery, type OperatorQuery, type SortDir, type SortKey } from "./filter";
import { OperatorsTable } from "./OperatorsTable";
import { OperatorsToolbar } from "./OperatorsToolbar";
import { useFeeToken, useOperators } from "./useOperators";

const SORT_KEYS: SortKey[] = ["id", "name", "fee", "validators"];

/** Filters and sort live in the URL so a view can be shared and survives reload (nothing goes to storage). */
function useOperatorQuery(): [OperatorQuery, (patch: Partial<OperatorQuery>) => void] {
  const [params, setParams] = useSearchParams();
  const sort = params.get("sort") as SortKey | null;
  const query: OperatorQuery = {
    search: params.get("q") ?? "",
    verifiedOnly: params.get("verified") === "1",
    publicOnly: params.get("public") === "1",
    includeRemoved: params.get("removed") === "1",
    sort: sort && SORT_KEYS.includes(sort) ? sort : "id",
    dir: (params.get("dir") as SortDir | null) === "desc" ? "desc" : "asc",
  };
  const update = (patch: Partial<OperatorQuery>) => {
    const next = { ...query, ...patch };
    const p = new URLSearchParams();
    if (next.search) p.set("q", next.search);
    if (next.verifiedOnly) p.set("verified", "1");
    if (next.publicOnly) p.set("public", "1");
    if (next.includeRemoved) p.set("removed", "1");
    if (next.sort !== "id") p.set("sort", next.sort);
    if (next.dir !== "asc") p.set("dir", next.dir);
    setParams(p, { replace: true });
  };
  return [query, update];
}

export default function OperatorsPage() {
  const [query, update] = useOperatorQuery();
  const operators = useOperators();
  const token = useFeeToken();
  const contracts = cohortContracts();

  const rows = operators.data ? applyQuery(operators.data, query) : [];
  return (
    <>
      <PageHeader
        title="Operators"
        intro="Node operators who run shares of Cohort validators. A validator's committee is 4, 7, 10 or 13 of them; any two-thirds plus one sign together."
      />
      {!contracts ? (
        <NoDeployment />
      ) : operators.isError ? (
        <Notice tone="error" title="Could not read operators from the chain">
          {operators.error.message.split("\n")[0]} Check that the chain RPC is reachable, then{" "}
          <button type="button" className="font-medium underline" onClick={() => operators.refetch()}>
            try again
          </button>
          .
        </Notice>
      ) : (
        <section aria-labelledby="operators-heading">
          <h2 id="operators-heading" className="sr-only">
            Operator list
          </h2>
          <OperatorsToolbar query={query} update={update} shown={rows.length} total={operators.data?.length} />
          {operators.isPending ? (
            <p className="py-10 text-center text-slate-500">Reading operators from the chain…</p>
          ) : operators.data.length === 0 ? (
            <Notice title="No operators yet">No operator has registered on this network.</Notice>
          ) : (
            <OperatorsTable rows={rows} token={token.data} query={query} update={update} />
          )}
        </section>
      )}
    </>
  );
}
