/** The committee mark: four operators around one validator. Inline so the header needs no extra request. */
export function Logo() {
  return (
    <span className="flex items-center gap-2">
      <svg viewBox="0 0 32 32" className="h-8 w-8" aria-hidden="true">
        <rect width="32" height="32" rx="8" fill="#0f766e" />
        <circle cx="16" cy="16" r="8.5" fill="none" stroke="#ccfbf1" strokeWidth="1.5" opacity=".6" />
        <circle cx="16" cy="7.5" r="3" fill="#fff" />
        <circle cx="24.5" cy="16" r="3" fill="#fff" />
        <circle cx="16" cy="24.5" r="3" fill="#fff" />
        <circle cx="7.5" cy="16" r="3" fill="#99f6e4" />
      </svg>
      <span className="text-lg font-semibold tracking-tight text-slate-900">Cohort</span>
    </span>
  );
}
