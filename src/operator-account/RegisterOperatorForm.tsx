import { useState } from "react";
import { useAccount } from "wagmi";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { feePerYear } from "../operators/format";
import { parseAmount } from "../tx/amount";
import { buttonClass, FormField, inputClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useTokenFormat } from "../tx/useTokenFormat";
import { useTx } from "../tx/useTx";
import { parseEndpoints } from "./endpoints";
import { checkName, parseEncryptionKey, parseIdentityKey, parseIdentityProof } from "./keys";
import { useRegistryConfig } from "./useRegistryConfig";

/** Register the connected address as an operator with the two public keys its node printed. */
export function RegisterOperatorForm() {
  const [identity, setIdentity] = useState("");
  const [encryption, setEncryption] = useState("");
  const [name, setName] = useState("");
  const [fee, setFee] = useState("");
  const [endpoints, setEndpoints] = useState("");
  const [proof, setProof] = useState("");
  const { address } = useAccount();
  const contracts = cohortContracts();
  const [touched, setTouched] = useState(false);
  const { token, fmt } = useTokenFormat();
  const config = useRegistryConfig();
  const tx = useTx({ token });

  const id = parseIdentityKey(identity);
  const enc = parseEncryptionKey(encryption);
  const nameError = checkName(name);
  const feeParsed = token ? parseAmount(fee, token.decimals) : { error: "Reading the fee token…" };
  const maxFee = config.data?.maxOperatorFee;
  const feeError =
    "error" in feeParsed
      ? feeParsed.error
      : maxFee !== undefined && feeParsed.value > maxFee
        ? `The network allows at most ${fmt(maxFee)} per block.`
        : undefined;
  const addrs = parseEndpoints(endpoints);
  const context =
    address && contracts?.chainId !== undefined
      ? { chainId: BigInt(contracts.chainId), registry: contracts.registry, owner: address }
      : undefined;
  const pop = parseIdentityProof(proof, "value" in id ? id.value : undefined, context);
  const valid = "value" in id && "value" in enc && "value" in addrs && "value" in pop && !nameError && !feeError;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    const registry = cohortContracts()?.registry;
    if (
      !valid ||
      !registry ||
      !("value" in id) ||
      !("value" in enc) ||
      !("value" in feeParsed) ||
      !("value" in addrs) ||
      !("value" in pop)
    )
      return;
    const ok = await tx.run([
      {
        label: "Register operator",
        address: registry,
        abi: cohortRegistryAbi,
        functionName: "registerOperator",
        args: [id.value, enc.value, name.trim(), feeParsed.value, addrs.value, pop.value],
      },
    ]);
    // Clear only once the chain has it; on any error the typed keys stay for a retry.
    if (ok) {
      setIdentity("");
      setEncryption("");
      setName("");
      setFee("");
      setEndpoints("");
      setProof("");
      setTouched(false);
    }
  };

  const show = (v: string, err: string | undefined) => (touched || v !== "" ? err : undefined);
  return (
    <form onSubmit={submit} noValidate className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5">
      <h2 className="text-lg font-semibold text-slate-900">Register an operator</h2>
      <p className="-mt-2 text-sm text-slate-600">
        Run your node's key command first; it prints both public keys. Secret keys never leave the node.
      </p>
      <FormField
        id="op-identity"
        label="Identity public key"
        hint="33-byte compressed secp256k1 key, 0x02… or 0x03… (66 hex digits)."
        error={show(identity, "error" in id ? id.error : undefined)}
      >
        <input
          id="op-identity"
          className={inputClass}
          value={identity}
          onChange={(e) => setIdentity(e.target.value)}
          placeholder="0x02…"
          spellCheck={false}
          autoComplete="off"
        />
      </FormField>
      <FormField
        id="op-proof"
        label="Identity proof"
        hint={
          context
            ? `65-byte signature by the identity key that your node makes for owner ${context.owner} (chain ${context.chainId}, registry ${context.registry}); it proves you hold the key, and nobody else can reuse it.`
            : "65-byte signature by the identity key for your owner address; connect your wallet to see which."
        }
        error={show(proof, "error" in pop ? pop.error : undefined)}
      >
        <input
          id="op-proof"
          className={inputClass}
          value={proof}
          onChange={(e) => setProof(e.target.value)}
          placeholder="0x…"
          spellCheck={false}
          autoComplete="off"
        />
      </FormField>
      <FormField
        id="op-encryption"
        label="Encryption public key"
        hint="32-byte X25519 key (64 hex digits); stakers encrypt your key shares to it."
        error={show(encryption, "error" in enc ? enc.error : undefined)}
      >
        <input
          id="op-encryption"
          className={inputClass}
          value={encryption}
          onChange={(e) => setEncryption(e.target.value)}
          placeholder="0x…"
          spellCheck={false}
          autoComplete="off"
        />
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id="op-name" label="Name" hint="Shown to stakers; up to 64 bytes." error={show(name, nameError)}>
          <input
            id="op-name"
            className={inputClass.replace("font-mono", "")}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="off"
          />
        </FormField>
        <FormField
          id="op-fee"
          label={`Fee per validator per block${token ? ` (${token.symbol})` : ""}`}
          hint={
            "value" in feeParsed ? (
              <span data-testid="register-fee-preview">
                {fmt(feeParsed.value)} / block = {fmt(feePerYear(feeParsed.value))} / year
              </span>
            ) : (
              "e.g. 0.000000001 — charged per validator for every block."
            )
          }
          error={show(fee, feeError)}
        >
          <input
            id="op-fee"
            className={inputClass}
            value={fee}
            onChange={(e) => setFee(e.target.value)}
            inputMode="decimal"
            placeholder="0.000000001"
            autoComplete="off"
          />
        </FormField>
      </div>
      <FormField
        id="op-endpoints"
        label="Node addresses"
        hint="Where your node listens, one multiaddr per line (at most 4), e.g. /ip4/203.0.113.7/tcp/9000 or /dns4/node.example.org/tcp/9000. Other operators' nodes dial these; you can change them later."
        error={show(endpoints, "error" in addrs ? addrs.error : undefined)}
      >
        <textarea
          id="op-endpoints"
          rows={2}
          className={inputClass}
          value={endpoints}
          onChange={(e) => setEndpoints(e.target.value)}
          placeholder="/ip4/203.0.113.7/tcp/9000"
          spellCheck={false}
          autoComplete="off"
        />
      </FormField>
      <div>
        <button type="submit" className={buttonClass} disabled={tx.busy}>
          Register operator
        </button>
        <TxStatusLine
          status={tx.status}
          success="Registered. Your operator is listed below and on the Operators page."
          wrongNetwork={tx.wrongNetwork}
          onSwitchNetwork={tx.switchNetwork}
        />
      </div>
    </form>
  );
}
