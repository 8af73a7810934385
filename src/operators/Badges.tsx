export function VerifiedBadge() {
  return (
    <span
      className="inline-flex items-center gap-1 rounded-full bg-teal-50 px-2 py-0.5 text-xs font-medium text-teal-800 ring-1 ring-teal-100"
      title="Verified by Cohort governance"
    >
      <svg viewBox="0 0 16 16" className="h-3 w-3" aria-hidden="true">
        <path fill="currentColor" d="M6.5 11.2 3.3 8l1.1-1.1 2.1 2.1 5.1-5.1 1.1 1.1z" />
      </svg>
      Verified
    </span>
  );
}

export function PrivateBadge() {
  return (
    <span
      className="inline-flex rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-900 ring-1 ring-amber-200"
      title="Only owners on this operator's allow-list can choose it"
    >
      Private
    </span>
  );
}

export function RemovedBadge() {
  return (
    <span className="inline-flex rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600 ring-1 ring-slate-200">
      Removed
    </span>
  );
}
