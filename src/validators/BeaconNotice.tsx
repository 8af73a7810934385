import { Notice } from "../ui/Notice";
import type { BeaconView } from "./useBeaconValidators";

/** Where the page's beacon-chain statuses come from, and what to do when they cannot be read. */
export function BeaconNotice({ view, validatorCount }: { view: BeaconView; validatorCount: number }) {
  if (view.kind === "not-configured") {
    return (
      <div data-testid="beacon-notice" data-kind="not-configured">
        <Notice title="No beacon node configured">
          {view.problem ??
            "This build of the dapp has no beacon node, so it cannot show your validators' status, index and balance on the beacon chain. Rebuild it with VITE_BEACON_URL set to a beacon node's REST API (`npm start` sets the devnet's)."}
        </Notice>
      </div>
    );
  }
  if (view.kind === "error") {
    return (
      <div data-testid="beacon-notice" data-kind="error">
        <Notice tone="error" title="Could not read the beacon chain">
          {view.message}
          {view.last ? ` Showing what it reported at slot ${view.last.headSlot}.` : ""}
        </Notice>
      </div>
    );
  }
  if (view.kind === "checking") {
    return (
      <p className="text-sm text-slate-500" data-testid="beacon-notice" data-kind="checking">
        Reading the beacon chain at {view.url}…
      </p>
    );
  }
  const { reading, chain } = view;
  const known = reading.validators.size;
  return (
    <div className="grid gap-2" data-testid="beacon-notice" data-kind="ok">
      {reading.syncDistance > 0 && (
        <Notice tone="warn" title="The beacon node is syncing">
          It is {reading.syncDistance} slots behind the chain's head, so statuses and balances may be out of date.
        </Notice>
      )}
      {validatorCount > 0 && known === 0 && (
        <Notice tone="warn" title="None of your validators is on this beacon chain yet">
          The beacon node at {view.url} does not know any of these keys. Deposits take a while to be processed; if this
          lasts, check that it follows the same network as this dapp.
        </Notice>
      )}
      <p className="text-xs text-slate-500">
        Beacon chain from {view.url}: head slot {reading.headSlot}, epoch {reading.epoch}; refreshed every epoch (
        {chain.secondsPerSlot * chain.slotsPerEpoch} s).
      </p>
    </div>
  );
}
