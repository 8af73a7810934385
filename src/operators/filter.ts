import type { OperatorRow } from "./useOperators";

export type SortKey = "id" | "name" | "fee" | "validators";
export type SortDir = "asc" | "desc";

export interface OperatorQuery {
  search: string;
  verifiedOnly: boolean;
  publicOnly: boolean;
  includeRemoved: boolean;
  sort: SortKey;
  dir: SortDir;
}

const compare: Record<SortKey, (a: OperatorRow, b: OperatorRow) => number> = {
  id: (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  name: (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }),
  fee: (a, b) => (a.fee < b.fee ? -1 : a.fee > b.fee ? 1 : 0),
  validators: (a, b) => a.validatorCount - b.validatorCount,
};

/**
 * A number (optionally "#12") matches that operator id only; anything else is a case-insensitive substring of the
 * name or the owner address.
 */
export function applyQuery(rows: OperatorRow[], q: OperatorQuery): OperatorRow[] {
  const needle = q.search.trim().toLowerCase();
  const filtered = rows.filter((op) => {
    if (!q.includeRemoved && !op.active) return false;
    if (q.verifiedOnly && !op.verified) return false;
    if (q.publicOnly && op.privateMode) return false;
    if (!needle) return true;
    if (/^#?\d+$/.test(needle)) return op.id.toString() === needle.replace(/^#/, "");
    return op.name.toLowerCase().includes(needle) || op.owner.toLowerCase().includes(needle);
  });
  const sign = q.dir === "asc" ? 1 : -1;
  // Ties fall back to id so the order is stable between refreshes.
  return filtered.sort((a, b) => sign * compare[q.sort](a, b) || compare.id(a, b));
}
