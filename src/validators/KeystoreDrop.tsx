import { useState } from "react";

/**
 * A keystore file picker that also takes a drop. The chosen File stays in the parent's state until the flow succeeds,
 * so an error (wrong password, rejected transaction) never makes the user pick it again.
 */
export function KeystoreDrop({
  id,
  file,
  onFile,
}: {
  id: string;
  file: File | null;
  onFile: (f: File | null) => void;
}) {
  const [over, setOver] = useState(false);
  return (
    <label
      htmlFor={id}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const dropped = e.dataTransfer.files[0];
        if (dropped) onFile(dropped);
      }}
      className={`flex cursor-pointer flex-col items-center rounded-md border-2 border-dashed px-4 py-4 text-sm ${
        over ? "border-teal-600 bg-teal-50" : "border-slate-300 bg-slate-50"
      }`}
    >
      <span className="font-medium text-slate-700" data-testid="keystore-name">
        {file ? file.name : "Drop the validator's keystore-m_….json here, or click to choose it"}
      </span>
      <span className="text-xs text-slate-500">Decrypted in this browser only; the key never leaves it.</span>
      <input
        id={id}
        type="file"
        accept=".json,application/json"
        className="sr-only"
        onChange={(e) => onFile(e.target.files?.[0] ?? null)}
      />
    </label>
  );
}
