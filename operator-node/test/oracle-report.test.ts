/** The oracle report a node builds: per mini-pool balances and withdrawals in the contract's order, participation. */
import { describe, expect, it } from "vitest";
import { buildReport, depositsOf, type ReportedValidator, withdrawalsTo } from "../src/pool/oracle.js";

const GWEI = 1_000_000_000n;
const POOL = "0x00000000000000000000000000000000000000aa";

const validator = (miniPoolId: bigint, over: Partial<ReportedValidator> = {}): ReportedValidator => ({
  miniPoolId,
  pubkey: `0x${"11".repeat(48)}`,
  operatorIds: [1n, 2n, 3n, 4n],
  balance: 32n * GWEI,
  previousBalance: 32n * GWEI,
  withdrawn: 0n,
  ...over,
});

describe("buildReport", () => {
  it("lists mini-pools ascending with their balances and withdrawals; unknown validators count at 32 ETH", () => {
    const r = buildReport(7n, [
      validator(5n, { balance: undefined, previousBalance: undefined }),
      validator(2n, { balance: 31n * GWEI, withdrawn: GWEI / 2n }),
    ]);
    expect(r).toEqual({
      epoch: 7n,
      miniPoolIds: [2n, 5n],
      balancesGwei: [31n * GWEI, 32n * GWEI],
      withdrawnGwei: [GWEI / 2n, 0n],
      operatorIds: [1n, 2n, 3n, 4n],
      participationBps: [5_000, 5_000, 5_000, 5_000],
    });
  });

  it("a sweep is not a missed duty: balance plus withdrawn is compared with the previous balance", () => {
    const swept = validator(1n, {
      balance: 32n * GWEI,
      previousBalance: 32n * GWEI + GWEI / 10n,
      withdrawn: GWEI / 5n,
    });
    expect(buildReport(1n, [swept]).participationBps).toEqual([10_000, 10_000, 10_000, 10_000]);
  });
});

describe("withdrawalsTo", () => {
  it("sums a block's withdrawals to the pool per validator index, ignoring other addresses", () => {
    const sums = withdrawalsTo(POOL, [
      { validator_index: "9", address: POOL.toUpperCase().replace("0X", "0x"), amount: "100" },
      { validator_index: "9", address: POOL, amount: "5" },
      { validator_index: "3", address: "0x00000000000000000000000000000000000000bb", amount: "7" },
    ]);
    expect([...sums]).toEqual([["9", 105n]]);
  });
});

describe("depositsOf", () => {
  it("finds a watched key's deposit of exactly the amount, in the eth1 bridge's list or Electra's execution requests", () => {
    const a = `0x${"aa".repeat(48)}`;
    const b = `0x${"bb".repeat(48)}`;
    const watched = new Set([a, b]);
    const topUp = 31n * GWEI;
    expect(
      depositsOf(
        { deposits: [{ data: { pubkey: a.toUpperCase().replace("0X", "0x"), amount: "31000000000" } }] },
        watched,
        topUp,
      ),
    ).toEqual([a]);
    expect(
      depositsOf({ execution_requests: { deposits: [{ pubkey: b, amount: "31000000000" }] } }, watched, topUp),
    ).toEqual([b]);
    // Another amount (a stranger's 1 ETH) or an unwatched key is not the top-up.
    expect(
      depositsOf(
        {
          deposits: [
            { data: { pubkey: a, amount: "1000000000" } },
            { data: { pubkey: `0x${"cc".repeat(48)}`, amount: "31000000000" } },
          ],
        },
        watched,
        topUp,
      ),
    ).toEqual([]);
    expect(depositsOf({}, watched, topUp)).toEqual([]);
  });
});
