import { type DragEvent, useState } from "react";

/**
 * Drop one or many keystore files (or a keyshares file), or click to browse. The zone is the file input's <label>, so a click opens the
 * file chooser; the input itself stays focusable (visually hidden, not display:none) for keyboard users.
 */
export function Dropzone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const [over, setOver] = useState(false);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length > 0) onFiles(files);
  };

  return (
    <label
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      className={`block cursor-pointer rounded-lg border-2 border-dashed p-8 text-center transition-colors focus-within:border-teal-600 ${
        over ? "border-teal-600 bg-teal-50" : "border-slate-300 bg-white hover:border-slate-400"
      }`}
    >
      <span className="block font-medium text-slate-800">Drop your keystore files or a keyshares file here</span>
      <span className="mt-1 block text-sm text-slate-500">
        The <code>keystore-m_….json</code> files from the staking deposit CLI, one or many; or the keyshares file{" "}
        <code>cohort-keys split</code> wrote.
      </span>
      <span className="mt-4 inline-block rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800">
        Browse files…
      </span>
      <input
        data-testid="file-input"
        type="file"
        accept=".json,application/json"
        multiple
        aria-label="Choose keystore or keyshares files"
        className="sr-only"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = ""; // choosing the same file again must fire change again
          if (files.length > 0) onFiles(files);
        }}
      />
    </label>
  );
}
