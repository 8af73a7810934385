import { CohortError } from "@cohort/sdk/errors";
import { KEYSHARES_FILE_VERSION, parseKeysharesFile, type ValidatorKeyshares } from "@cohort/sdk/keyshares/file";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { useAccount } from "wagmi";
import { useCohortClient } from "../chain/useCohortClient";
import { readChainView } from "./chainView";
import { checkKeyshares } from "./keysharesCheck";

/** A keyshares file of ~5 kB per validator; far beyond any real batch is some other file. */
const MAX_KEYSHARES_BYTES = 16 * 1024 * 1024;

export interface ImportedKeyshares {
  id: number;
  name: string;
  /** Null when the file could not be read; `error` says why. */
  validators: ValidatorKeyshares[] | null;
  error?: string;
  /** Per public key (lower case): undefined while verifying, null when it verified, else what is wrong. */
  verified: Record<string, string | null | undefined>;
}

/** Whether a dropped file is a keyshares file rather than a keystore: its `version` says so (a cheap peek). */
export async function isKeysharesFile(file: File): Promise<boolean> {
  if (file.size > MAX_KEYSHARES_BYTES) return false;
  const text = await file.text();
  if (!text.includes(KEYSHARES_FILE_VERSION)) return false;
  try {
    return (JSON.parse(text) as { version?: unknown })?.version === KEYSHARES_FILE_VERSION;
  } catch {
    return false;
  }
}

let nextId = 1;

/**
 * A dropped `cohort-keyshares/1` file: parsed by the sdk, each entry verified in the keystore workers (the checks an
 * operator's node runs), and checked against the chain (a query, so it refreshes after every registered batch).
 */
export function useKeysharesImport(verify: (keyshares: ValidatorKeyshares) => Promise<string | null>) {
  const [imported, setImported] = useState<ImportedKeyshares | null>(null);
  const { address } = useAccount();
  const { contracts, client } = useCohortClient();

  const load = useCallback(
    async (file: File) => {
      const id = nextId++;
      let validators: ValidatorKeyshares[];
      try {
        validators = parseKeysharesFile(await file.text()).validators;
      } catch (error) {
        const message =
          error instanceof CohortError ? error.shortMessage : `could not be read (${(error as Error).name})`;
        setImported({ id, name: file.name, validators: null, error: message, verified: {} });
        return;
      }
      setImported({ id, name: file.name, validators, verified: {} });
      await Promise.all(
        validators.map(async (v) => {
          const result = await verify(v).catch((error: unknown) => String((error as Error).message ?? error));
          setImported((cur) =>
            cur?.id === id ? { ...cur, verified: { ...cur.verified, [v.publicKey.toLowerCase()]: result } } : cur,
          );
        }),
      );
    },
    [verify],
  );

  const validators = imported?.validators ?? null;
  const check = useQuery({
    queryKey: ["keyshares-check", imported?.id, address, contracts?.registry],
    enabled: Boolean(validators && address && contracts && client),
    queryFn: async () =>
      checkKeyshares(
        validators!,
        await readChainView(client!, { registry: contracts!.registry, account: address!, validators: validators! }),
      ),
  });

  return { imported, load, clear: () => setImported(null), check };
}
