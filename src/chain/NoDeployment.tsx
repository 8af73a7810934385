import { Notice } from "../ui/Notice";

/** Shown by pages that read Cohort contracts when this build knows no deployment of them. */
export function NoDeployment() {
  return (
    <Notice tone="warn" title="No Cohort contracts on this network">
      This build of the dapp was made without a Cohort deployment. For a local network run <code>npm start</code>, which
      starts the devnet, deploys the contracts and serves the dapp with their addresses.
    </Notice>
  );
}
