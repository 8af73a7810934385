import { parseUnits } from "viem";

/**
 * A typed token amount → wei, or a sentence saying how to fix the input. Accepts "1", "0.5", "1,000.25" is refused
 * (a comma is ambiguous between locales); at most `decimals` fraction digits.
 */
export function parseAmount(input: string, decimals: number): { value: bigint } | { error: string } {
  const text = input.trim();
  if (text === "") return { error: "Enter an amount." };
  if (!/^\d*\.?\d*$/.test(text) || text === ".") return { error: "Use digits and one dot, e.g. 12.5." };
  const fraction = text.split(".")[1] ?? "";
  if (fraction.length > decimals) return { error: `Use at most ${decimals} digits after the dot.` };
  return { value: parseUnits(text, decimals) };
}

/**
 * A withdrawal amount: parsed, above zero and at most `available`. `tooMuch` is the caller's sentence for the last
 * case, since what "available" means differs (earnings, or what lies above a committee's liquidation threshold).
 */
export function checkWithdrawal(
  input: string,
  decimals: number | undefined,
  available: bigint,
  tooMuch: string,
): { parsed: { value: bigint } | { error: string }; error: string | undefined } {
  const parsed = decimals === undefined ? { error: "Reading the fee token…" } : parseAmount(input, decimals);
  const error =
    "error" in parsed
      ? parsed.error
      : parsed.value === 0n
        ? "Enter an amount above zero."
        : parsed.value > available
          ? tooMuch
          : undefined;
  return { parsed, error };
}
