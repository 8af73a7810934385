import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type Address, getAddress, type Hex, isAddress, zeroAddress } from "viem";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";
import { FormField, inputClass, secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTx } from "../tx/useTx";

function useFeeRecipient(publicKey: Hex) {
  const { contracts, client } = useCohortClient();
  return useQuery({
    queryKey: ["fee-recipient", contracts?.registry, publicKey],
    enabled: Boolean(contracts && client),
    refetchInterval: 8000,
    queryFn: async (): Promise<{ recipient: Address; owner: Address }> => {
      const address = contracts!.registry;
      const [recipient, validator] = await Promise.all([
        client!.readContract({ address, abi: cohortRegistryAbi, functionName: "feeRecipientOf", args: [publicKey] }),
        client!.readContract({ address, abi: cohortRegistryAbi, functionName: "getValidator", args: [publicKey] }),
      ]);
      return { recipient, owner: validator.owner };
    },
  });
}

function parseRecipient(text: string): { value: Address } | { error: string } | null {
  const t = text.trim();
  if (t === "") return null;
  if (!isAddress(t, { strict: false })) return { error: `“${t}” is not an Ethereum address (0x + 40 hex digits).` };
  if (getAddress(t) === zeroAddress) return { error: "The zero address would burn the rewards; use “Pay me” instead." };
  return { value: getAddress(t) };
}

/**
 * The execution-layer address the validator's proposals pay (priority fees and MEV). The registry keeps it; the
 * committee's nodes refuse a block that pays anyone else.
 */
export function FeeRecipientForm({ publicKey }: { publicKey: Hex }) {
  const current = useFeeRecipient(publicKey);
  const tx = useTx();
  const [text, setText] = useState("");
  const parsed = parseRecipient(text);
  const registry = cohortContracts()?.registry;
  const isOwner = current.data !== undefined && current.data.recipient === current.data.owner;

  const save = async (recipient: Address) => {
    if (!registry) return;
    const ok = await tx.run([
      {
        label: "Set fee recipient",
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "setFeeRecipient",
        args: [publicKey, recipient],
      },
    ]);
    if (ok) {
      setText("");
      await current.refetch();
    }
  };

  const id = `fee-recipient-${publicKey.slice(2, 12)}`;
  return (
    <div className="grid gap-2" data-testid="fee-recipient">
      <p className="text-sm text-slate-700">
        Fee recipient:{" "}
        <code className="text-xs" data-testid="fee-recipient-current">
          {current.data?.recipient ?? "…"}
        </code>
        {isOwner && <span className="text-slate-500"> (you, the default)</span>}
      </p>
      <FormField
        id={id}
        label="New fee recipient"
        hint="Execution-layer address paid by this validator's block proposals."
        error={parsed && "error" in parsed ? parsed.error : undefined}
      >
        <input
          id={id}
          className={inputClass}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="0x…"
          spellCheck={false}
          autoComplete="off"
        />
      </FormField>
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={tx.busy || !parsed || !("value" in parsed) || !registry}
          onClick={() => parsed && "value" in parsed && save(parsed.value)}
        >
          Set fee recipient
        </button>
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={tx.busy || isOwner || !registry}
          onClick={() => save(zeroAddress)}
        >
          Pay me
        </button>
      </div>
      <TxStatusLine
        status={tx.status}
        success="Fee recipient updated."
        wrongNetwork={tx.wrongNetwork}
        onSwitchNetwork={tx.switchNetwork}
      />
    </div>
  );
}
