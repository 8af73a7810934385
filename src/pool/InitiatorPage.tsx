import { Link } from "react-router";
import { useAccount } from "wagmi";
import { NoDeployment } from "../chain/NoDeployment";
import { useOperators } from "../operators/useOperators";
import { WrongNetworkBanner } from "../tx/WrongNetworkBanner";
import { Notice } from "../ui/Notice";
import { PageHeader } from "../ui/PageHeader";
import { CreateMiniPoolForm } from "./CreateMiniPoolForm";
import { poolContracts, VALIDATOR_DEPOSIT } from "./contracts";
import { MiniPoolStatus } from "./MiniPoolStatus";
import { useMiniPoolOptIns, useMiniPools, usePoolState } from "./usePool";

export default function InitiatorPage() {
  const { address, isConnected } = useAccount();
  const operators = useOperators();
  const state = usePoolState();
  const miniPools = useMiniPools();
  const optIns = useMiniPoolOptIns((operators.data ?? []).filter((o) => o.active).map((o) => o.id));
  const header = (
    <PageHeader
      title="Initiator"
      intro="Operators start mini-pools: bond 4 ETH, name three more operators, and the four nodes generate a validator key together. The pool adds 28 ETH when it has them."
    />
  );
  if (!poolContracts()) {
    return (
      <>
        {header}
        <NoDeployment />
      </>
    );
  }
  const mine = (operators.data ?? []).filter((o) => o.active && o.owner.toLowerCase() === address?.toLowerCase());
  const nameOf = (id: bigint) => operators.data?.find((o) => o.id === id)?.name ?? `Operator ${id}`;
  const myPools = (miniPools.data?.miniPools ?? []).filter((m) => m.owner.toLowerCase() === address?.toLowerCase());
  const need = state.data ? VALIDATOR_DEPOSIT - state.data.initiatorBond : 0n;
  return (
    <>
      {header}
      <WrongNetworkBanner />
      {!isConnected ? (
        <Notice>Connect the wallet that owns your operator.</Notice>
      ) : operators.isPending ? (
        <p className="text-slate-500">Reading operators…</p>
      ) : mine.length === 0 ? (
        <Notice title="No operator in this wallet">
          Only an operator's owner can initiate a mini-pool. <Link to="/operator-account">Register an operator</Link> or
          connect the wallet that owns one.
        </Notice>
      ) : (
        <div className="grid gap-6">
          <section className="rounded-lg border border-slate-200 bg-white p-5">
            <h2 className="mb-3 text-base font-semibold text-slate-900">New mini-pool</h2>
            <CreateMiniPoolForm
              mine={mine}
              operators={operators.data ?? []}
              optedIn={optIns.data}
              bond={state.data?.initiatorBond}
            />
          </section>
          <section className="grid gap-4" aria-label="Your mini-pools">
            <h2 className="text-base font-semibold text-slate-900">Your mini-pools</h2>
            {myPools.length === 0 ? (
              <p className="text-sm text-slate-500">None yet.</p>
            ) : (
              myPools.map((m) => (
                <MiniPoolStatus
                  key={m.id.toString()}
                  miniPool={m}
                  nameOf={nameOf}
                  queuePosition={miniPools.data?.readyQueue.indexOf(m.id) ?? -1}
                  freeEth={state.data?.freeEth}
                  need={need}
                />
              ))
            )}
          </section>
        </div>
      )}
    </>
  );
}
