import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError } from "viem";

/** One line a person can act on, from whatever viem or the wallet threw. */
export function txErrorMessage(error: unknown): string {
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof UserRejectedRequestError)) return "You rejected the request in your wallet.";
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName) {
      const args = revert.data.args?.length ? ` (${revert.data.args.map(String).join(", ")})` : "";
      return `The registry refused the transaction: ${revert.data.errorName}${args}.`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
