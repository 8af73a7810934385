export function ProgressBar({ value, label, tone = "teal" }: { value: number; label: string; tone?: "teal" | "red" }) {
  const pct = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      className="h-1.5 w-full overflow-hidden rounded-full bg-slate-100"
    >
      <div
        className={`h-full rounded-full ${tone === "red" ? "bg-red-400" : "bg-teal-600"}`}
        style={{ width: `${pct}%` }}
      />
    </div>
  );
}
