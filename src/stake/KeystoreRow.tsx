import { type FormEvent, useState } from "react";
import { ProgressBar } from "../ui/ProgressBar";
import { estimatedProgress } from "./kdfEstimate";
import type { KeystoreFile } from "./useKeystoreFiles";

function shortKey(hex: string) {
  const h = hex.startsWith("0x") ? hex : `0x${hex}`;
  return `${h.slice(0, 10)}…${h.slice(-8)}`;
}

function statusText(f: KeystoreFile): string {
  switch (f.status) {
    case "inspecting":
      return "Checking file…";
    case "ready":
      return `Ready to decrypt (${f.kdf?.function})`;
    case "queued":
      return "Waiting for a free worker…";
    case "decrypting":
      return `Decrypting (${f.kdf?.function})…`;
    case "decrypted":
      return `Decrypted in ${((f.decryptMs ?? 0) / 1000).toFixed(1)} s`;
    case "registered":
      return "Registered; key discarded from this page";
    case "failed":
    case "invalid":
      return "Cannot use this file";
  }
}

function RetryForm({ file, onRetry }: { file: KeystoreFile; onRetry: (password: string) => void }) {
  const [password, setPassword] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onRetry(password);
    setPassword("");
  };
  const inputId = `retry-${file.id}`;
  return (
    <form onSubmit={submit} className="mt-2 flex flex-wrap items-center gap-2">
      <label htmlFor={inputId} className="sr-only">
        Password for {file.name}
      </label>
      <input
        id={inputId}
        type="password"
        autoComplete="off"
        placeholder="Password for this file"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        className="w-56 rounded-md border border-slate-300 px-2 py-1 text-sm"
      />
      <button
        type="submit"
        disabled={!password}
        className="rounded-md bg-slate-800 px-3 py-1 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-40"
      >
        Retry
      </button>
    </form>
  );
}

interface Props {
  file: KeystoreFile;
  now: number;
  onRetry: (password: string) => void;
  onRemove: () => void;
}

export function KeystoreRow({ file, now, onRetry, onRemove }: Props) {
  const progress =
    file.status === "decrypted" || file.status === "registered"
      ? 1
      : file.status === "decrypting" && file.startedAt !== undefined && file.expectedMs
        ? estimatedProgress(now - file.startedAt, file.expectedMs)
        : 0;
  const bad = file.status === "failed" || file.status === "invalid";
  return (
    <li data-testid="keystore-row" data-status={file.status} className="px-4 py-3">
      <div className="flex items-start justify-between gap-4">
        <span className="font-medium break-all text-slate-900">{file.name}</span>
        <span className="flex shrink-0 items-center gap-3">
          <span className={`text-sm ${bad ? "text-red-700" : "text-slate-500"}`}>{statusText(file)}</span>
          <button
            type="button"
            onClick={onRemove}
            disabled={file.status === "decrypting" || file.status === "queued"}
            aria-label={`Remove ${file.name}`}
            title="Remove"
            className="rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700 disabled:invisible"
          >
            <svg viewBox="0 0 16 16" className="h-4 w-4" aria-hidden="true">
              <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
            </svg>
          </button>
        </span>
      </div>
      {file.pubkey && !bad && (
        <p className="mt-0.5 font-mono text-xs text-slate-500" title={file.pubkey}>
          validator {shortKey(file.pubkey)}
          {file.path ? ` · ${file.path}` : ""}
        </p>
      )}
      {!bad && file.status !== "inspecting" && (
        <div className="mt-2">
          <ProgressBar value={progress} label={`Decrypting ${file.name}`} />
        </div>
      )}
      {bad && file.error && (
        <p role="alert" className="mt-1 text-sm text-red-800">
          <span className="font-medium">{file.name}</span> {file.error.message}
        </p>
      )}
      {file.status === "failed" && <RetryForm file={file} onRetry={onRetry} />}
    </li>
  );
}
