import type { ValidatorKeyshares } from "@cohort/sdk/keyshares/file";

/**
 * What this browser proved before anything was sent: the same checks an operator's node runs on the event, done
 * here first so the staker pays for nothing an operator would refuse.
 */
export function VerifiedChecks({ keyshares }: { keyshares: ValidatorKeyshares[] }) {
  const first = keyshares[0];
  if (!first) return null;
  const n = first.operatorIds.length;
  const nonces =
    keyshares.length === 1 ? `nonce ${first.nonce}` : `nonces ${first.nonce}–${keyshares[keyshares.length - 1]!.nonce}`;
  const payloadBytes = (first.payload.length - 2) / 2;
  const checks = [
    "Each keystore decrypted in a worker of this page, and its secret matches the public key the keystore declares.",
    `Each key split ${first.threshold} of ${n}; every share checked against the Feldman commitments, whose first is the validator key.`,
    `Each share encrypted (HPKE: X25519, AES-256-GCM) to the registered key of operators ${first.operatorIds.join(", ")}, bound to chain ${first.chainId} and registry ${first.registry.slice(0, 10)}…; the plain key was never sent.`,
    `Proof of ownership signed by each validator key for owner ${first.owner.slice(0, 10)}…, ${nonces}.`,
    `Each ${payloadBytes}-byte payload decoded again and re-verified from its bytes alone, as the operators' nodes will.`,
  ];
  return (
    <div data-testid="verified-checks" className="rounded-md border border-teal-200 bg-teal-50 px-4 py-3 text-sm">
      <p className="font-medium text-teal-900">
        Verified in this browser for {keyshares.length} validator{keyshares.length === 1 ? "" : "s"}
      </p>
      <ul className="mt-2 space-y-1 text-teal-900">
        {checks.map((c) => (
          <li key={c} className="flex gap-2">
            <span aria-hidden="true">✓</span>
            <span>{c}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
