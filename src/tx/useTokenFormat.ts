import { feePerYear, formatToken } from "../operators/format";
import { useFeeToken } from "../operators/useOperators";

/** Formats fee-token wei with the token's symbol ("0.000000001 COHORT"); "…" until the token is read. */
export function useTokenFormat() {
  const token = useFeeToken();
  const fmt = (v: bigint) => (token.data ? `${formatToken(v, token.data.decimals)} ${token.data.symbol}` : "…");
  const perBlockAndYear = (fee: bigint) => `${fmt(fee)} / block · ${fmt(feePerYear(fee))} / year`;
  return { token: token.data, fmt, perBlockAndYear };
}
