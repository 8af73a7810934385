import { cohortContracts } from "../chain/contracts";
import { TxStatusLine } from "./TxStatusLine";
import { useTx } from "./useTx";

/**
 * One notice per page when the wallet is on a network without these contracts, with the switch action. Forms repeat
 * it only next to a submit the user actually tried.
 */
export function WrongNetworkBanner() {
  const { wrongNetwork, switchNetwork, status } = useTx();
  if (!wrongNetwork) return null;
  return (
    <div className="mb-6 rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900" role="alert">
      Your wallet is on another network; Cohort's contracts here are on chain {cohortContracts()?.chainId ?? "?"}.{" "}
      <button type="button" className="font-medium underline" onClick={switchNetwork}>
        Switch network
      </button>
      <TxStatusLine status={status} />
    </div>
  );
}
