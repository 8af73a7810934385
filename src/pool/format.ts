import { formatEther } from "viem";

/** Wei as ETH, cut (not rounded) to `digits` decimals so a balance never reads as more than it is. */
export function formatEth(wei: bigint, digits = 4): string {
  const [whole, fraction = ""] = formatEther(wei).split(".");
  const cut = fraction.slice(0, digits).replace(/0+$/, "");
  return cut ? `${whole}.${cut}` : (whole ?? "0");
}
