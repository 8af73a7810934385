import type { ReactNode } from "react";
import { formatUnits } from "viem";

/** A labelled form control with its hint or its error below (the error replaces the hint, never the input). */
export function FormField({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="text-xs text-red-700">
          {error}
        </p>
      ) : hint ? (
        <p className="text-xs text-slate-500">{hint}</p>
      ) : null}
    </div>
  );
}

export const inputClass =
  "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-mono placeholder:text-slate-400 disabled:bg-slate-50";

export const buttonClass =
  "whitespace-nowrap rounded-md bg-teal-700 px-4 py-2 text-sm font-medium text-white hover:bg-teal-800 disabled:cursor-not-allowed disabled:opacity-50";

export const secondaryButtonClass =
  "whitespace-nowrap rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50";

/**
 * A token amount field, with a "Max" button when there is a known maximum: the same input everywhere an amount of
 * the fee token is typed, so decimal entry and autofill behave alike.
 */
export function AmountInput({
  id,
  value,
  onChange,
  max,
  decimals,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  max?: bigint;
  decimals?: number;
}) {
  return (
    <>
      <input
        id={id}
        className={`${inputClass} max-w-xs`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        inputMode="decimal"
        autoComplete="off"
      />
      {max !== undefined && (
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={decimals === undefined || max <= 0n}
          onClick={() => decimals !== undefined && onChange(formatUnits(max, decimals))}
        >
          Max
        </button>
      )}
    </>
  );
}
