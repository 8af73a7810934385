import type { OperatorQuery } from "./filter";

interface Props {
  query: OperatorQuery;
  update: (patch: Partial<OperatorQuery>) => void;
  shown: number;
  total: number | undefined;
}

function Toggle({ label, checked, onChange }: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="inline-flex cursor-pointer items-center gap-2 text-sm text-slate-700">
      <input
        type="checkbox"
        className="h-4 w-4 rounded border-slate-300 accent-teal-700"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      {label}
    </label>
  );
}

export function OperatorsToolbar({ query, update, shown, total }: Props) {
  return (
    <div className="mb-4 flex flex-wrap items-center gap-x-6 gap-y-3">
      <div className="w-full sm:w-72">
        <label htmlFor="operator-search" className="sr-only">
          Search operators
        </label>
        <input
          id="operator-search"
          type="search"
          placeholder="Search by name, id or owner"
          value={query.search}
          onChange={(e) => update({ search: e.target.value })}
          className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm placeholder:text-slate-400"
        />
      </div>
      <Toggle label="Verified only" checked={query.verifiedOnly} onChange={(v) => update({ verifiedOnly: v })} />
      <Toggle label="Hide private" checked={query.publicOnly} onChange={(v) => update({ publicOnly: v })} />
      <Toggle label="Include removed" checked={query.includeRemoved} onChange={(v) => update({ includeRemoved: v })} />
      {total !== undefined && (
        <p className="ml-auto text-sm text-slate-500" aria-live="polite" data-testid="operator-count">
          {shown} of {total} operators
        </p>
      )}
    </div>
  );
}
