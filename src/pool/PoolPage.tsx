import { useAccount } from "wagmi";
import { NoDeployment } from "../chain/NoDeployment";
import { WrongNetworkBanner } from "../tx/WrongNetworkBanner";
import { Notice } from "../ui/Notice";
import { PageHeader } from "../ui/PageHeader";
import { ProgressBar } from "../ui/ProgressBar";
import { poolContracts, VALIDATOR_DEPOSIT } from "./contracts";
import { DepositForm } from "./DepositForm";
import { fillMeter } from "./fill";
import { formatEth } from "./format";
import { MiniPoolQueue } from "./MiniPoolQueue";
import { RateChart } from "./RateChart";
import { useHolding, useMiniPools, usePoolState, useRateHistory } from "./usePool";
import { WithdrawPanel } from "./WithdrawPanel";

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <dt className="text-sm text-slate-500">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums text-slate-900" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

const card = "rounded-lg border border-slate-200 bg-white p-5";

export default function PoolPage() {
  const { address, isConnected } = useAccount();
  const state = usePoolState();
  const holding = useHolding(address);
  const history = useRateHistory();
  const miniPools = useMiniPools();
  const header = (
    <PageHeader
      title="Pool"
      intro="Stake any amount from 0.1 ETH for cETH, whose value follows the pool's validators. Every 28 ETH, with an operator's 4 ETH bond, funds one validator run by a four-operator committee."
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
  if (state.isError) {
    return (
      <>
        {header}
        <Notice tone="error" title="Could not read the pool">
          {state.error.message.split("\n")[0]} Check that the chain RPC is reachable, then reload.
        </Notice>
      </>
    );
  }
  const s = state.data;
  const need = s ? VALIDATOR_DEPOSIT - s.initiatorBond : 0n;
  const fill = s ? fillMeter(s.freeEth, need) : undefined;
  return (
    <>
      {header}
      <WrongNetworkBanner />
      <div className="grid gap-6">
        <section className={card} aria-label="Pool figures">
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Stat label="Total staked" value={s ? `${formatEth(s.totalAssets)} ETH` : "…"} testId="pool-total" />
            <Stat label="cETH supply" value={s ? `${formatEth(s.totalSupply)} cETH` : "…"} testId="pool-supply" />
            <Stat
              label="Exchange rate"
              value={s ? `1 cETH = ${formatEth(s.exchangeRate, 6)} ETH` : "…"}
              testId="pool-rate"
            />
            <Stat
              label="Your cETH"
              value={!isConnected ? "connect a wallet" : holding.data ? `${formatEth(holding.data.shares)} cETH` : "…"}
              testId="my-shares"
            />
          </dl>
          {holding.data && (
            <p className="mt-2 text-sm text-slate-600" data-testid="my-value">
              Worth {formatEth(holding.data.assets, 6)} ETH at the current rate.
            </p>
          )}
          {fill && s && (
            <div
              className="mt-5"
              data-testid="fill-meter"
              data-fraction={fill.fraction}
              data-full={fill.full.toString()}
            >
              <div className="mb-1 flex justify-between text-sm">
                <span className="font-medium text-slate-700">Toward the next validator</span>
                <span className="tabular-nums text-slate-600" data-testid="fill-text">
                  {fill.full > 0n
                    ? `${fill.full} validator${fill.full === 1n ? "" : "s"} can be funded now${fill.partial > 0n ? ` · ${formatEth(fill.partial)} of ${formatEth(need)} ETH toward the next` : ""}`
                    : `${formatEth(fill.partial)} of ${formatEth(need)} ETH`}
                </span>
              </div>
              <ProgressBar
                value={fill.full > 0n && fill.partial === 0n ? 1 : fill.fraction}
                label="Free ETH toward the next validator"
              />
              {s.queuedAssets > 0n && (
                <p className="mt-1 text-xs text-slate-500">
                  {formatEth(s.queuedAssets)} ETH is held for withdrawal requests and not counted.
                </p>
              )}
            </div>
          )}
        </section>
        <div className="grid gap-6 lg:grid-cols-2">
          <section className={card}>
            <h2 className="mb-3 text-base font-semibold text-slate-900">Stake</h2>
            {!isConnected ? (
              <Notice>Connect a wallet to deposit or withdraw.</Notice>
            ) : (
              <div className="grid gap-6">
                <DepositForm minDeposit={s?.minDeposit} ethBalance={holding.data?.eth} />
                <WithdrawPanel shares={holding.data?.shares} />
              </div>
            )}
          </section>
          <section className={card}>
            <h2 className="mb-3 text-base font-semibold text-slate-900">Exchange rate history</h2>
            {history.data ? (
              <RateChart points={history.data} />
            ) : (
              <p className="text-sm text-slate-500">Reading reports…</p>
            )}
          </section>
        </div>
        <section className={card}>
          <h2 className="mb-3 text-base font-semibold text-slate-900">Mini-pools</h2>
          {miniPools.data ? (
            <MiniPoolQueue
              miniPools={miniPools.data.miniPools}
              readyQueue={miniPools.data.readyQueue}
              fundable={Boolean(fill && fill.full > 0n)}
            />
          ) : (
            <p className="text-sm text-slate-500">Reading mini-pools…</p>
          )}
        </section>
      </div>
    </>
  );
}
