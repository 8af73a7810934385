import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatUnits, type Hex } from "viem";
import { useAccount } from "wagmi";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { useCohortClient } from "../chain/useCohortClient";
import { useOperators } from "../operators/useOperators";
import { parseAmount } from "../tx/amount";
import { withApproval } from "../tx/approval";
import { buttonClass, FormField, inputClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTokenFormat } from "../tx/useTokenFormat";
import { useTx } from "../tx/useTx";
import { KeystoreDrop } from "./KeystoreDrop";
import { restoreKeyshares } from "./restore";
import { TOP_UP_HEADROOM_BLOCKS } from "./topUp";
import type { MyValidator } from "./useMyValidators";

const sortIds = (ids: bigint[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** What the new committee must receive to stay above its liquidation threshold with this validator added. */
function useMoveFunding(newIds: bigint[] | null) {
  const { contracts, client } = useCohortClient();
  const { address } = useAccount();
  return useQuery({
    queryKey: ["move-funding", contracts?.registry, address, newIds?.join(",")],
    enabled: Boolean(contracts && client && address && newIds),
    queryFn: () =>
      client!.readContract({
        address: contracts!.registry,
        abi: cohortRegistryAbi,
        functionName: "topUpNeeded",
        args: [address!, newIds!, 1n, TOP_UP_HEADROOM_BLOCKS],
      }),
  });
}

/**
 * Key-share restoration: replace one committee member. The keystore is decrypted and re-split for the new committee
 * in a worker, then `moveValidator` carries the fresh payload (the old shares become useless to the new set).
 */
export function ChangeOperatorForm({ validator, onDone }: { validator: MyValidator; onDone: () => void }) {
  const { address } = useAccount();
  const { client } = useCohortClient();
  const operators = useOperators();
  const { token, fmt } = useTokenFormat();
  const tx = useTx({ token });
  const [replace, setReplace] = useState(validator.operatorIds[0]?.toString() ?? "");
  const [replacement, setReplacement] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState("");
  const [amount, setAmount] = useState("");
  const [stage, setStage] = useState<string | null>(null);
  const [keyError, setKeyError] = useState<string | null>(null);
  const base = `move-${validator.publicKey.slice(2, 10)}`;

  const candidates = (operators.data ?? []).filter((op) => op.active && !validator.operatorIds.includes(op.id));
  const newIds =
    replace && replacement
      ? sortIds([...validator.operatorIds.filter((id) => id.toString() !== replace), BigInt(replacement)])
      : null;
  const funding = useMoveFunding(newIds);
  const amountParsed =
    amount === "" ? { value: funding.data ?? 0n } : token ? parseAmount(amount, token.decimals) : null;
  const amountError = amountParsed && "error" in amountParsed ? amountParsed.error : undefined;
  const nameOf = (id: bigint) => operators.data?.find((o) => o.id === id)?.name ?? `Operator ${id}`;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setKeyError(null);
    const contracts = cohortContracts();
    if (!newIds || !file || !password || !contracts || !client || !address || !token || amountError) {
      setKeyError("Choose the operator to replace, its replacement, the keystore file and its password.");
      return;
    }
    const value = amountParsed && "value" in amountParsed ? amountParsed.value : 0n;
    const members = newIds.map((id) => operators.data?.find((o) => o.id === id));
    if (members.some((m) => !m)) {
      setKeyError("An operator of the new committee could not be read; reload the page.");
      return;
    }
    let payload: Hex;
    let nonce: bigint;
    try {
      nonce = await client.readContract({
        address: contracts.registry,
        abi: cohortRegistryAbi,
        functionName: "nonces",
        args: [address],
      });
      const result = await restoreKeyshares(
        {
          keystore: await file.text(),
          password,
          publicKey: validator.publicKey,
          operators: members.map((m) => ({ id: m!.id.toString(), encryptionKey: m!.encryptionKey })),
          owner: address,
          nonce: nonce.toString(),
          chainId: String(contracts.chainId ?? client.chain?.id),
          registry: contracts.registry,
        },
        (s) => setStage(s === "decrypting" ? "Decrypting the keystore…" : "Splitting and encrypting shares…"),
      );
      payload = result.payload;
    } catch (error) {
      setStage(null);
      setKeyError(`${file.name}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    setStage(null);
    const ok = await tx.run(() =>
      withApproval(
        client,
        { token: token.address, owner: address, spender: contracts.registry, amount: value, symbol: token.symbol },
        {
          label: "Change committee",
          address: contracts.registry,
          abi: cohortRegistryAbi,
          functionName: "moveValidator",
          args: [validator.publicKey, validator.operatorIds, newIds, payload, nonce, value],
        },
      ),
    );
    if (ok) {
      setPassword("");
      setFile(null);
      onDone();
    }
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-3 rounded-md border border-slate-200 bg-slate-50 p-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <FormField id={`${base}-out`} label="Replace operator">
          <select
            id={`${base}-out`}
            className={inputClass}
            value={replace}
            onChange={(e) => setReplace(e.target.value)}
          >
            {validator.operatorIds.map((id) => (
              <option key={id.toString()} value={id.toString()}>
                {id.toString()} · {nameOf(id)}
              </option>
            ))}
          </select>
        </FormField>
        <FormField id={`${base}-in`} label="With operator">
          <select
            id={`${base}-in`}
            className={inputClass}
            value={replacement}
            onChange={(e) => setReplacement(e.target.value)}
          >
            <option value="">Choose…</option>
            {candidates.map((op) => (
              <option key={op.id.toString()} value={op.id.toString()}>
                {op.id.toString()} · {op.name} · {fmt(op.fee)} / block{op.privateMode ? " · private" : ""}
              </option>
            ))}
          </select>
        </FormField>
      </div>
      <KeystoreDrop id={`${base}-file`} file={file} onFile={setFile} />
      <div className="grid gap-3 sm:grid-cols-2">
        <FormField id={`${base}-password`} label="Keystore password">
          <input
            id={`${base}-password`}
            type="password"
            className={inputClass}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="off"
          />
        </FormField>
        <FormField
          id={`${base}-amount`}
          label={`Deposit into the new committee (${token?.symbol ?? "token"})`}
          hint={
            funding.data === undefined
              ? "Choose the replacement to see what the new committee needs."
              : funding.data === 0n
                ? "The new committee already holds enough; leave empty to deposit nothing."
                : `Needed to stay above its liquidation threshold: ${fmt(funding.data)}. Leave empty to deposit that.`
          }
          error={amountError}
        >
          <input
            id={`${base}-amount`}
            className={inputClass}
            value={amount}
            placeholder={funding.data !== undefined && token ? formatUnits(funding.data, token.decimals) : ""}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
            autoComplete="off"
          />
        </FormField>
      </div>
      <div>
        <button type="submit" className={buttonClass} disabled={tx.busy || stage !== null}>
          Re-split and change committee
        </button>
        {stage && (
          <p aria-live="polite" className="mt-2 text-sm text-slate-600">
            {stage}
          </p>
        )}
        {keyError && (
          <p role="alert" className="mt-2 text-sm text-red-700" data-testid="restore-error">
            {keyError}
          </p>
        )}
        <TxStatusLine
          status={tx.status}
          success="Committee changed. The new operators pick up their shares from the event."
          wrongNetwork={tx.wrongNetwork}
          onSwitchNetwork={tx.switchNetwork}
        />
      </div>
    </form>
  );
}
