import { Link } from "react-router";
import { useAccount } from "wagmi";
import { cohortContracts } from "../chain/contracts";
import { NoDeployment } from "../chain/NoDeployment";
import { WrongNetworkBanner } from "../tx/WrongNetworkBanner";
import { Notice } from "../ui/Notice";
import { PageHeader } from "../ui/PageHeader";
import { BeaconNotice } from "./BeaconNotice";
import { CommitteeCard } from "./CommitteeCard";
import { useBeaconValidators } from "./useBeaconValidators";
import { useMyValidators } from "./useMyValidators";

export default function MyValidatorsPage() {
  const { address, isConnected } = useAccount();
  const result = useMyValidators(address);
  // One batched beacon read for every validator on the page.
  const beacon = useBeaconValidators(result.data?.flatMap((c) => c.validators.map((v) => v.publicKey)) ?? []);
  const header = (
    <PageHeader
      title="My validators"
      intro="Validators you registered with Cohort, grouped by committee, with their status on the beacon chain and each committee's fee balance and runway."
    />
  );
  if (!cohortContracts()) {
    return (
      <>
        {header}
        <NoDeployment />
      </>
    );
  }
  return (
    <>
      {header}
      <WrongNetworkBanner />
      {!isConnected ? (
        <Notice>Connect a wallet to see the validators it owns.</Notice>
      ) : result.isError ? (
        <Notice tone="error" title="Could not read your validators">
          {result.error.message.split("\n")[0]} Check that the chain RPC is reachable, then{" "}
          <button type="button" className="font-medium underline" onClick={() => result.refetch()}>
            try again
          </button>
          .
        </Notice>
      ) : result.isPending ? (
        <p className="text-slate-500">Reading your validators from the chain…</p>
      ) : result.data.length === 0 ? (
        <Notice title="No validators yet">
          This wallet has no registered validators. <Link to="/stake">Stake with a keystore</Link> to add one.
        </Notice>
      ) : (
        <div className="grid gap-6">
          <BeaconNotice view={beacon} validatorCount={result.data.reduce((n, c) => n + c.validators.length, 0)} />
          {result.data.map((c) => (
            <CommitteeCard key={c.key} committee={c} beacon={beacon} />
          ))}
        </div>
      )}
    </>
  );
}
