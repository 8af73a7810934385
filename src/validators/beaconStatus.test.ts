import { describe, expect, it } from "vitest";
import { parseBeaconUrl } from "../chain/beacon";
import {
  BEACON_API_STATUSES,
  type BeaconChain,
  type BeaconValidator,
  balanceChange,
  chainProblem,
  exitStage,
  formatGweiAsEth,
  formatGweiChange,
  msToNextEpoch,
  parseChain,
  parseValidatorsAnswer,
  phaseOf,
  recordBalances,
  UnexpectedBeaconAnswerError,
  validatorsPaths,
} from "./beaconStatus";

const URL_ = "http://127.0.0.1:9596";
const KEY = `0x${"ab".repeat(48)}`;
const FAR = "18446744073709551615";

/** One entry of a validators answer as Lodestar sends it. */
function entry(status: string, over: { slashed?: boolean; exit_epoch?: string; pubkey?: string } = {}) {
  return {
    index: "4",
    balance: "31999920960",
    status,
    validator: {
      pubkey: over.pubkey ?? KEY,
      withdrawal_credentials: `0x00${"11".repeat(31)}`,
      effective_balance: "32000000000",
      slashed: over.slashed ?? false,
      activation_eligibility_epoch: "0",
      activation_epoch: "0",
      exit_epoch: over.exit_epoch ?? FAR,
      withdrawable_epoch: FAR,
    },
  };
}
const one = (status: string, over = {}) =>
  parseValidatorsAnswer({ data: [entry(status, over)] }, URL_).get("ab".repeat(48))!;

describe("phaseOf", () => {
  it("maps every Beacon API status to one of the five phases", () => {
    const got = Object.fromEntries(BEACON_API_STATUSES.map((s) => [s, phaseOf(s, false)]));
    expect(got).toEqual({
      pending_initialized: "pending",
      pending_queued: "pending",
      active_ongoing: "active",
      active_exiting: "exiting",
      active_slashed: "slashed",
      exited_unslashed: "exited",
      exited_slashed: "slashed",
      withdrawal_possible: "exited",
      withdrawal_done: "exited",
    });
  });

  it("keeps a slashed validator slashed once it is withdrawable (the status alone does not say)", () => {
    expect(phaseOf("withdrawal_possible", true)).toBe("slashed");
    expect(phaseOf("withdrawal_done", true)).toBe("slashed");
  });
});

describe("parseValidatorsAnswer", () => {
  it("reads index, balance, status and epochs by bare public key", () => {
    const v = one("active_exiting", { exit_epoch: "9" });
    expect(v).toEqual({
      index: 4,
      status: "active_exiting",
      phase: "exiting",
      balance: 31_999_920_960n,
      effectiveBalance: 32_000_000_000n,
      slashed: false,
      activationEpoch: 0n,
      exitEpoch: 9n,
    });
    expect(one("active_ongoing").exitEpoch).toBeNull();
  });

  it("finds a key whatever its case", () => {
    const map = parseValidatorsAnswer(
      { data: [entry("active_ongoing", { pubkey: KEY.toUpperCase().replace("0X", "0x") })] },
      URL_,
    );
    expect([...map.keys()]).toEqual(["ab".repeat(48)]);
  });

  it("names what is wrong in an answer from something that is not a Beacon API", () => {
    expect(() => parseValidatorsAnswer({ result: [] }, URL_)).toThrow(UnexpectedBeaconAnswerError);
    expect(() => parseValidatorsAnswer({ data: [entry("active")] }, URL_)).toThrow(/unknown validator status "active"/);
    expect(() => parseValidatorsAnswer({ data: [{ ...entry("active_ongoing"), balance: 32 }] }, URL_)).toThrow(
      /without index or balance/,
    );
    expect(() => parseValidatorsAnswer({ data: [entry("active_ongoing")] }, URL_)).not.toThrow();
  });
});

describe("validatorsPaths", () => {
  it("asks for every key in one request, as repeated id parameters (Lodestar 1.5.1 ignores a comma list)", () => {
    const a = `0x${"01".repeat(48)}`;
    const b = `0x${"02".repeat(48)}`;
    expect(validatorsPaths([b, a, a.toUpperCase().replace("0X", "0x")])).toEqual([
      `/eth/v1/beacon/states/head/validators?id=${a}&id=${b}`,
    ]);
  });

  it("splits only past 64 keys", () => {
    const keys = Array.from({ length: 65 }, (_, i) => `0x${i.toString(16).padStart(96, "0")}`);
    const paths = validatorsPaths(keys);
    expect(paths).toHaveLength(2);
    expect(paths[0]!.match(/id=/g)).toHaveLength(64);
  });
});

const devChain: BeaconChain = {
  preset: "minimal",
  depositChainId: 5,
  secondsPerSlot: 2,
  slotsPerEpoch: 8,
  genesisTime: 1_000,
};

describe("the beacon node's chain", () => {
  it("reads the spec and genesis of a Lodestar dev node", () => {
    const spec = {
      data: { PRESET_BASE: "minimal", DEPOSIT_CHAIN_ID: "5", SECONDS_PER_SLOT: "2", SLOTS_PER_EPOCH: "8" },
    };
    expect(parseChain(spec, { data: { genesis_time: "1000" } }, URL_)).toEqual(devChain);
    expect(() => parseChain({ data: {} }, { data: { genesis_time: "1000" } }, URL_)).toThrow(/DEPOSIT_CHAIN_ID/);
  });

  it("accepts the beacon chain of the dapp's chain, and a dev beacon node for a local chain", () => {
    expect(chainProblem({ ...devChain, preset: "mainnet", depositChainId: 1 }, 1, URL_)).toBeNull();
    expect(chainProblem(devChain, 31337, URL_)).toBeNull();
  });

  it("refuses a beacon node of another network, saying which and what to do", () => {
    const mainnet = { ...devChain, preset: "mainnet", depositChainId: 1 };
    expect(chainProblem(mainnet, 560048, URL_)).toMatch(/chain with id 1 .*chain 560048.*VITE_BEACON_URL/);
    // A mainnet beacon node for the local devnet: other validators under the same indices.
    expect(chainProblem(mainnet, 31337, URL_)).toMatch(/chain with id 1/);
    expect(chainProblem(devChain, 560048, URL_)).toMatch(/chain with id 5/);
  });

  it("refreshes a third of a slot after each epoch starts", () => {
    // genesis 1000 s, 16 s epochs: at 1020 s the next epoch starts at 1032 s.
    expect(msToNextEpoch(devChain, 1_020_000)).toBeCloseTo(12_000 + 2000 / 3);
    expect(msToNextEpoch(devChain, 1_032_000)).toBeCloseTo(16_000 + 2000 / 3);
    expect(msToNextEpoch(devChain, 990_000)).toBeCloseTo(10_000 + 2000 / 3);
  });
});

describe("exitStage", () => {
  const active = one("active_ongoing");
  it("follows a requested exit from the registry through the beacon chain to exited", () => {
    expect(exitStage(false, active)).toBeNull();
    expect(exitStage(true, active)).toBe("requested");
    expect(exitStage(true, undefined)).toBe("requested");
    expect(exitStage(true, one("active_exiting", { exit_epoch: "9" }))).toBe("exiting");
    expect(exitStage(true, one("exited_unslashed", { exit_epoch: "9" }))).toBe("exited");
    expect(exitStage(true, one("withdrawal_done", { exit_epoch: "9" }))).toBe("exited");
  });

  it("shows an exit the beacon chain made without a request (slashing)", () => {
    expect(exitStage(false, one("active_slashed", { slashed: true }))).toBe("exiting");
    expect(exitStage(false, one("exited_slashed", { slashed: true }))).toBe("exited");
  });
});

describe("balance history", () => {
  const at = (balance: bigint): Map<string, BeaconValidator> =>
    new Map([["ab".repeat(48), { ...one("active_ongoing"), balance }]]);

  it("gives the change per epoch between the two newest epochs seen, once there are two", () => {
    let h = recordBalances(new Map(), 3, at(32_000_000_000n));
    expect(balanceChange(h, KEY)).toBeNull();
    // A second refresh in the same epoch does not replace the epoch's first reading.
    h = recordBalances(h, 3, at(31_000_000_000n));
    h = recordBalances(h, 5, at(31_999_968_000n));
    expect(balanceChange(h, KEY)).toEqual({ perEpoch: -16_000n, fromEpoch: 3, toEpoch: 5 });
  });

  it("keeps four epochs", () => {
    let h = recordBalances(new Map(), 1, at(1n));
    for (const e of [2, 3, 4, 5]) h = recordBalances(h, e, at(BigInt(e)));
    expect([...h.keys()]).toEqual([2, 3, 4, 5]);
  });
});

describe("formatting", () => {
  it("shows gwei balances as ETH rounded down, and changes in signed gwei", () => {
    expect(formatGweiAsEth(31_999_920_960n)).toBe("31.9999 ETH");
    expect(formatGweiAsEth(32_000_000_000n)).toBe("32.0000 ETH");
    expect(formatGweiChange(-15_808n)).toBe("−15,808 gwei");
    expect(formatGweiChange(1234n)).toBe("+1,234 gwei");
    expect(formatGweiChange(0n)).toBe("0 gwei");
  });
});

describe("VITE_BEACON_URL", () => {
  it("takes an http(s) URL without its trailing slash, and says why another value is not used", () => {
    expect(parseBeaconUrl("http://127.0.0.1:9596/")).toEqual({ url: "http://127.0.0.1:9596" });
    expect(parseBeaconUrl(undefined)).toEqual({ url: null, problem: null });
    expect(parseBeaconUrl("")).toEqual({ url: null, problem: null });
    expect(parseBeaconUrl("127.0.0.1:9596")).toMatchObject({
      url: null,
      problem: expect.stringMatching(/not an http/),
    });
    expect(parseBeaconUrl("ftp://x")).toMatchObject({ url: null, problem: expect.stringMatching(/not an http/) });
  });
});
