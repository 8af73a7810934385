import { useState } from "react";
import { cohortContracts, cohortRegistryAbi } from "../chain/contracts";
import { parseAmount } from "../tx/amount";
import { AmountInput, buttonClass, FormField, secondaryButtonClass } from "../tx/FormField";
import { TxStatusLine } from "../tx/TxStatusLine";
import { useChainClock } from "../tx/useChainClock";
import { useTokenFormat } from "../tx/useTokenFormat";
import { useTx } from "../tx/useTx";
import { useRegistryConfig } from "./useRegistryConfig";

interface Declaration {
  fee: bigint;
  executableAt: bigint;
  expiresAt: bigint;
}

const BPS = 10_000n;

function duration(seconds: bigint): string {
  const s = Number(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [d && `${d} d`, (d || h) && `${h} h`, (d || h || m) && `${m} min`, `${s % 60} s`].filter(Boolean);
  return parts.slice(0, 3).join(" ");
}

/** Fee raises go declare → wait out the timelock → execute inside the window; decreases apply at once. */
export function FeePanel({
  operatorId,
  fee,
  declaration,
}: {
  operatorId: bigint;
  fee: bigint;
  declaration: Declaration | null;
}) {
  const { token, fmt, perBlockAndYear } = useTokenFormat();
  const config = useRegistryConfig();
  const { now } = useChainClock();
  const declare = useTx({ token });
  const act = useTx({ token });
  const lower = useTx({ token });
  const [raiseTo, setRaiseTo] = useState("");
  const [lowerTo, setLowerTo] = useState("");
  const registry = cohortContracts()?.registry;

  const cap = (() => {
    if (!config.data) return undefined;
    const max = fee + (fee * config.data.maxFeeIncreaseBps) / BPS;
    return max > config.data.maxOperatorFee ? config.data.maxOperatorFee : max;
  })();
  const raise = token ? parseAmount(raiseTo, token.decimals) : { error: "Reading the fee token…" };
  const raiseError =
    "error" in raise
      ? raise.error
      : raise.value <= fee
        ? `Must be above the current ${fmt(fee)}; to lower the fee use the form below.`
        : cap !== undefined && raise.value > cap
          ? `One change may raise the fee to at most ${fmt(cap)} per block.`
          : undefined;
  const low = token ? parseAmount(lowerTo, token.decimals) : { error: "Reading the fee token…" };
  const lowError = "error" in low ? low.error : low.value >= fee ? `Must be below the current ${fmt(fee)}.` : undefined;

  const call = (label: string, functionName: string, args: readonly unknown[]) => ({
    label,
    address: registry!,
    abi: cohortRegistryAbi,
    functionName,
    args,
  });

  const phase =
    !declaration || now === undefined
      ? undefined
      : now < declaration.executableAt
        ? "waiting"
        : now <= declaration.expiresAt
          ? "open"
          : "expired";

  return (
    <section aria-label="Fee" className="grid content-start gap-4">
      <p className="text-sm text-slate-700">
        Current fee: <strong data-testid="current-fee">{perBlockAndYear(fee)}</strong>
      </p>

      {declaration ? (
        <div
          className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-950"
          data-testid="fee-declaration"
        >
          <p>
            Declared raise to <strong>{perBlockAndYear(declaration.fee)}</strong>.
          </p>
          <p className="mt-1" data-testid="fee-countdown" data-phase={phase}>
            {phase === "waiting" && now !== undefined && (
              <>
                Timelock: executable in {duration(declaration.executableAt - now)} (from {utc(declaration.executableAt)}
                ); then open for {duration(declaration.expiresAt - declaration.executableAt)}.
              </>
            )}
            {phase === "open" && now !== undefined && (
              <>
                Executable now; the window closes in {duration(declaration.expiresAt - now)} (
                {utc(declaration.expiresAt)}).
              </>
            )}
            {phase === "expired" && (
              <>The execution window closed at {utc(declaration.expiresAt)}; cancel it and declare again.</>
            )}
          </p>
          <div className="mt-3 flex flex-wrap gap-2">
            <button
              type="button"
              className={buttonClass}
              // Not disabled while waiting: the countdown is the browser's estimate of chain time, and the simulation
              // gives the chain's own answer (with the exact time) before the wallet is asked, at no gas cost.
              disabled={act.busy || phase === "expired"}
              onClick={() => act.run([call("Execute fee change", "executeOperatorFee", [operatorId])])}
            >
              Execute new fee
            </button>
            <button
              type="button"
              className={secondaryButtonClass}
              disabled={act.busy}
              onClick={() => act.run([call("Cancel fee change", "cancelDeclaredOperatorFee", [operatorId])])}
            >
              Cancel declared change
            </button>
          </div>
          <TxStatusLine
            status={act.status}
            success="Done."
            wrongNetwork={act.wrongNetwork}
            onSwitchNetwork={act.switchNetwork}
          />
        </div>
      ) : null}

      <form
        className="grid gap-2"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          if (raiseError || !("value" in raise)) return;
          if (await declare.run([call("Declare fee change", "declareOperatorFee", [operatorId, raise.value])]))
            setRaiseTo("");
        }}
      >
        <FormField
          id={`raise-${operatorId}`}
          label={`Raise fee to (${token?.symbol ?? "token"} per block)`}
          hint={
            <>
              {cap !== undefined && <>At most {fmt(cap)} per change. </>}
              {config.data && (
                <>
                  Takes effect after a {duration(config.data.feeDeclareTimelock)} timelock, within a{" "}
                  {duration(config.data.feeExecutionWindow)} window.
                </>
              )}
              {"value" in raise && <> New: {perBlockAndYear(raise.value)}.</>}
            </>
          }
          error={raiseTo ? raiseError : undefined}
        >
          <div className="flex gap-2">
            <AmountInput id={`raise-${operatorId}`} value={raiseTo} onChange={setRaiseTo} />
            <button type="submit" className={buttonClass} disabled={declare.busy || !raiseTo}>
              Declare
            </button>
          </div>
        </FormField>
        <TxStatusLine
          status={declare.status}
          success="Declared. Execute it once the timelock has passed."
          wrongNetwork={declare.wrongNetwork}
          onSwitchNetwork={declare.switchNetwork}
        />
      </form>

      <form
        className="grid gap-2"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          if (lowError || !("value" in low)) return;
          if (await lower.run([call("Lower fee", "reduceOperatorFee", [operatorId, low.value])])) setLowerTo("");
        }}
      >
        <FormField
          id={`lower-${operatorId}`}
          label={`Lower fee now to (${token?.symbol ?? "token"} per block)`}
          hint={
            <>
              Applies from the next block; drops any pending raise.
              {"value" in low && <> New: {perBlockAndYear(low.value)}.</>}
            </>
          }
          error={lowerTo ? lowError : undefined}
        >
          <div className="flex gap-2">
            <AmountInput id={`lower-${operatorId}`} value={lowerTo} onChange={setLowerTo} />
            <button type="submit" className={secondaryButtonClass} disabled={lower.busy || !lowerTo}>
              Lower fee
            </button>
          </div>
        </FormField>
        <TxStatusLine
          status={lower.status}
          success="Fee lowered."
          wrongNetwork={lower.wrongNetwork}
          onSwitchNetwork={lower.switchNetwork}
        />
      </form>
    </section>
  );
}

function utc(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toUTCString();
}
