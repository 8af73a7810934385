import { type FormEvent, useState } from "react";
import { PageHeader } from "../ui/PageHeader";
import { Dropzone } from "./Dropzone";
import { KeysharesImport } from "./KeysharesImport";
import { KeystoreRow } from "./KeystoreRow";
import { RegisterStep } from "./RegisterStep";
import { isKeysharesFile, useKeysharesImport } from "./useKeysharesImport";
import { useKeystoreFiles } from "./useKeystoreFiles";
import { useNow } from "./useNow";

export default function StakePage() {
  const { files, poolSize, addFiles, decryptAll, retry, remove, buildKeyshares, markRegistered, verifyKeyshares } =
    useKeystoreFiles();
  const keyshares = useKeysharesImport(verifyKeyshares);
  const [password, setPassword] = useState("");
  const now = useNow(files.some((f) => f.status === "decrypting"));

  const pending = files.filter((f) => f.status === "ready").length;
  const busy = files.some((f) => f.status === "decrypting" || f.status === "queued" || f.status === "inspecting");
  const decrypted = files.filter((f) => f.status === "decrypted").length;

  // A keyshares file (already split, e.g. by `cohort-keys split`) goes to the import; everything else is a keystore.
  const onFiles = async (list: File[]) => {
    const isKeyshares = await Promise.all(list.map(isKeysharesFile));
    const keysharesFile = list.find((_, i) => isKeyshares[i]);
    if (keysharesFile) void keyshares.load(keysharesFile);
    const keystores = list.filter((_, i) => !isKeyshares[i]);
    if (keystores.length > 0) addFiles(keystores);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    decryptAll(password);
  };

  return (
    <>
      <PageHeader
        title="Stake with a keystore"
        intro="Split your validator key among a committee of operators. Keystores are decrypted and split in this browser, in background workers; only encrypted shares leave it. Already split with cohort-keys? Drop its keyshares file."
      />
      <ol className="space-y-6">
        <li>
          <h2 className="mb-3 text-sm font-semibold tracking-wide text-slate-500 uppercase">
            1. Add keystores or a keyshares file
          </h2>
          <Dropzone onFiles={(list) => void onFiles(list)} />
        </li>
        {keyshares.imported && (
          <li>
            <h2 className="mb-3 text-sm font-semibold tracking-wide text-slate-500 uppercase">
              Register the keyshares file's validators
            </h2>
            <KeysharesImport key={keyshares.imported.id} keyshares={keyshares} />
          </li>
        )}
        {files.length > 0 && (
          <li>
            <h2 className="mb-3 text-sm font-semibold tracking-wide text-slate-500 uppercase">2. Decrypt</h2>
            <form onSubmit={submit} className="mb-4 flex flex-wrap items-end gap-3">
              <div>
                <label htmlFor="keystore-password" className="mb-1 block text-sm font-medium text-slate-700">
                  Keystore password
                </label>
                <input
                  id="keystore-password"
                  type="password"
                  autoComplete="off"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  className="w-72 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
                />
              </div>
              <button
                type="submit"
                disabled={!password || pending === 0}
                className="rounded-md bg-teal-700 px-4 py-2 text-sm font-semibold text-white hover:bg-teal-800 disabled:opacity-40"
              >
                {pending === 0 && busy
                  ? "Decrypting…"
                  : `Decrypt ${pending === 1 ? "1 keystore" : `${pending} keystores`}`}
              </button>
              <p className="text-xs text-slate-500">
                Runs on {poolSize} background worker{poolSize === 1 ? "" : "s"}; scrypt keystores take a few seconds
                each. The password is not stored.
              </p>
            </form>
            <ul
              aria-label="Keystores"
              className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white"
              data-testid="keystore-list"
            >
              {files.map((f) => (
                <KeystoreRow
                  key={f.id}
                  file={f}
                  now={now}
                  onRetry={(pw) => retry(f.id, pw)}
                  onRemove={() => remove(f.id)}
                />
              ))}
            </ul>
          </li>
        )}
        {/* Stays mounted once something is decrypted, so a later drop does not lose the committee choice or the result. */}
        {(decrypted > 0 || files.some((f) => f.status === "registered")) && (
          <li>
            <h2 className="mb-3 text-sm font-semibold tracking-wide text-slate-500 uppercase">
              3. Choose operators and register
            </h2>
            <RegisterStep files={files} build={buildKeyshares} onRegistered={markRegistered} />
          </li>
        )}
      </ol>
    </>
  );
}
