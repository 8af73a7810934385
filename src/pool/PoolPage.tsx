import { Notice } from "../ui/Notice";
import { PageHeader } from "../ui/PageHeader";

export default function PoolPage() {
  return (
    <>
      <PageHeader
        title="Pool"
        intro="Stake any amount from 0.1 ETH in the liquid staking pool, or bond 4 ETH as an operator to start a mini-pool."
      />
      <Notice title="Coming in Stage 2">
        The liquid staking pool and mini-pools are not built yet. Nothing can be deposited from this page.
      </Notice>
    </>
  );
}
