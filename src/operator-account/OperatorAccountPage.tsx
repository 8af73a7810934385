import { useAccount } from "wagmi";
import { cohortContracts } from "../chain/contracts";
import { NoDeployment } from "../chain/NoDeployment";
import { useOperators } from "../operators/useOperators";
import { WrongNetworkBanner } from "../tx/WrongNetworkBanner";
import { Notice } from "../ui/Notice";
import { PageHeader } from "../ui/PageHeader";
import { OperatorCard } from "./OperatorCard";
import { RegisterOperatorForm } from "./RegisterOperatorForm";

export default function OperatorAccountPage() {
  const { address, isConnected } = useAccount();
  const operators = useOperators();
  if (!cohortContracts()) return <NoDeployment />;
  const mine = (operators.data ?? []).filter((op) => op.active && op.owner.toLowerCase() === address?.toLowerCase());
  return (
    <>
      <PageHeader
        title="Operator account"
        intro="Register your node as a Cohort operator and manage the operators this wallet owns: fees, earnings and access."
      />
      <WrongNetworkBanner />
      {!isConnected ? (
        <Notice>Connect the wallet that owns (or will own) your operator, with the button at the top right.</Notice>
      ) : (
        <div className="grid gap-8">
          <section aria-labelledby="my-operators-heading" className="grid gap-4">
            <h2 id="my-operators-heading" className="text-lg font-semibold text-slate-900">
              Your operators
            </h2>
            {operators.isError ? (
              <Notice tone="error" title="Could not read operators">
                {operators.error.message.split("\n")[0]} Check that the chain RPC is reachable and reload.
              </Notice>
            ) : operators.isPending ? (
              <p className="text-slate-500">Reading operators…</p>
            ) : mine.length === 0 ? (
              <Notice>This wallet owns no operator yet. Register one below.</Notice>
            ) : (
              mine.map((op) => <OperatorCard key={op.id.toString()} id={op.id} />)
            )}
          </section>
          <RegisterOperatorForm />
        </div>
      )}
    </>
  );
}
