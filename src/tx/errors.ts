import { BaseError, ContractFunctionRevertedError, formatEther, formatUnits, UserRejectedRequestError } from "viem";

/** What the page needs to turn a chain error into words: the fee token and the chain's clock. */
export interface ErrorContext {
  token?: { symbol: string; decimals: number };
  /** Chain time (seconds) of the latest block, for timelock messages. */
  chainTime?: bigint;
}

export interface TxError {
  /** One sentence: what went wrong and what to do about it. */
  message: string;
  /** The contract error name, when the chain gave one (tests and support can key on it). */
  code?: string;
}

function amount(value: unknown, ctx: ErrorContext): string {
  if (typeof value !== "bigint") return String(value);
  return ctx.token ? `${formatUnits(value, ctx.token.decimals)} ${ctx.token.symbol}` : `${value} (token wei)`;
}

function eth(value: unknown): string {
  return typeof value === "bigint" ? `${formatEther(value)} ETH` : String(value);
}

function utc(seconds: unknown): string {
  return typeof seconds === "bigint" ? new Date(Number(seconds) * 1000).toUTCString() : String(seconds);
}

function wait(until: unknown, ctx: ErrorContext): string {
  if (typeof until !== "bigint" || ctx.chainTime === undefined) return "";
  const left = until - ctx.chainTime;
  return left > 0n ? ` (about ${left} s from the chain's latest block)` : "";
}

/**
 * Contract custom errors (ICohortRegistry.sol, OpenZeppelin ERC-20) → a sentence that says what to do next.
 * Keyed by name so a new contract error falls through to the generic message instead of a wrong one.
 */
const CONTRACT_ERRORS: Record<string, (args: readonly unknown[], ctx: ErrorContext) => string> = {
  // operators
  OperatorNotFound: ([id]) => `Operator ${id} does not exist or has left; pick an operator from the Operators page.`,
  NotOperatorOwner: ([id]) => `Operator ${id} is owned by another address; connect the wallet that registered it.`,
  InvalidIdentityKey: () =>
    "The identity key is not a 33-byte compressed secp256k1 key (0x02… or 0x03…); copy it again from your node's output.",
  IdentityKeyInUse: ([id]) =>
    `That identity key is already registered by operator ${id}; each node needs its own key — run the node's key command again.`,
  InvalidEncryptionKey: () => "The encryption key is empty; copy the 32-byte X25519 key from your node's output.",
  InvalidOperatorName: () => "The name must be 1 to 64 bytes long; shorten or fill it in.",
  InvalidIdentityProof: () =>
    "The identity proof is not your node's signature for this wallet, chain and registry; have the node sign one for the connected address.",
  InvalidOwnershipProof: () =>
    "The keyshares' ownership proof is not the validator key's signature for this wallet and its current nonce; build the keyshares again with the connected wallet.",
  InvalidEndpoints: () => "Give at most 4 node addresses, each 1 to 128 bytes long; remove or shorten some.",
  FeeTooHigh: ([max], ctx) => `The fee is above the network's maximum of ${amount(max, ctx)} per block; lower it.`,
  FeeNotAnIncrease: ([fee], ctx) =>
    `A declared change must raise the fee above ${amount(fee, ctx)}; to lower it use “Lower fee now”, which takes effect at once.`,
  FeeIncreaseTooLarge: ([max], ctx) =>
    `One change may raise the fee to at most ${amount(max, ctx)} per block; lower it.`,
  FeeNotADecrease: ([fee], ctx) =>
    `The new fee must be below the current ${amount(fee, ctx)}; to raise it, declare a change.`,
  NoFeeDeclared: () => "No fee change is pending (it may have been executed, cancelled or lowered); reload to see it.",
  FeeTimelockNotElapsed: ([at], ctx) =>
    `The new fee can be executed from ${utc(at)}${wait(at, ctx)}; wait until then and try again.`,
  FeeDeclarationExpired: ([at]) =>
    `The execution window closed at ${utc(at)}; declare the fee change again and execute it within the window.`,
  OperatorHasValidators: ([n]) => `The operator still serves ${n} validator(s); it can leave once they have moved.`,
  InsufficientEarnings: ([available], ctx) =>
    `Only ${amount(available, ctx)} can be withdrawn now; enter that amount or less.`,
  ZeroAmount: () => "Enter an amount above zero.",
  // validators and committees
  InvalidCommitteeSize: ([n]) => `A committee has 4, 7, 10 or 13 operators, not ${n}; change your selection.`,
  CommitteeNotSorted: () => "The operator ids must be in ascending order without repeats; pick each operator once.",
  OwnerNotAllowed: ([id]) =>
    `Operator ${id} is private and your address is not on its allow-list; ask its owner or choose another operator.`,
  OperatorValidatorLimitReached: ([id, limit]) =>
    `Operator ${id} already runs its limit of ${limit} validators; choose another operator.`,
  ValidatorAlreadyRegistered: () => "This validator is already registered; see it on My validators.",
  ValidatorNotFound: () => "This validator is not registered (it may have been removed); reload the page.",
  NotValidatorOwner: () => "This validator belongs to another address; connect the wallet that registered it.",
  ValidatorNotInCommittee: () => "The validator has moved to another committee since this page loaded; reload it.",
  InvalidNonce: ([expected, got]) =>
    `The registration used nonce ${got} but the chain expects ${expected} (another registration went first); build the shares again.`,
  SameCommittee: () => "The new committee is the same as the current one; replace at least one operator.",
  CommitteeNotFound: () => "This committee has no account on-chain; reload the page.",
  CommitteeIsLiquidated: () => "This committee was liquidated; reactivate it with a deposit first.",
  CommitteeAlreadyActive: () => "This committee is already active; reload the page.",
  CommitteeNotLiquidatable: () => "This committee holds enough balance and cannot be liquidated.",
  InsufficientCollateral: ([required, available], ctx) =>
    `The committee must hold at least ${amount(required, ctx)} but would hold ${amount(available, ctx)}; deposit more.`,
  InsufficientBalance: ([available], ctx) =>
    `The committee holds only ${amount(available, ctx)}; withdraw that much or less.`,
  // pool and mini-pools (contracts/src/pool): amounts in ETH
  DepositTooSmall: ([min]) => `The pool takes deposits from ${eth(min)}; enter that much or more.`,
  WithdrawalTooSmall: () => "Those shares are worth less than 1 wei; withdraw more.",
  WithdrawalNotReady: ([id]) =>
    `Withdrawal ${id} is still waiting for free ETH in the queue; claim it once it shows ready.`,
  WithdrawalAlreadyClaimed: ([id]) => `Withdrawal ${id} was already paid out; reload the page.`,
  NotRequestOwner: ([id]) => `Withdrawal ${id} belongs to another address; connect the wallet that requested it.`,
  PoolInsolvent: () => "The pool's shares back no assets right now, so a deposit would buy nothing; do not deposit.",
  WrongBond: ([required]) => `The initiator bond is exactly ${eth(required)}; send that amount.`,
  NotInitiator: ([id]) => `Operator ${id} is owned by another address; the initiator must be an operator you own.`,
  OperatorNotOptedIn: ([id]) =>
    `Operator ${id} does not accept mini-pools (its owner has not opted in); choose an operator that does.`,
  DuplicateOperator: ([id]) => `Operator ${id} is chosen twice; pick four different operators.`,
  OperatorNotActive: ([id]) => `Operator ${id} is not active; choose another operator.`,
  NotEnoughVerifiedOperators: ([required, verified]) =>
    `At least ${required} of the four operators must be verified (your choice has ${verified}); pick verified ones.`,
  WrongState: ([id]) => `Mini-pool ${id} has moved on since the page loaded; reload it.`,
  NotOwnerOrGovernance: ([id]) =>
    `Only mini-pool ${id}'s initiator (or governance) can request its exit; connect the wallet that bonded it.`,
  BondAlreadyReturned: ([id]) => `Mini-pool ${id}'s bond was already claimed; reload the page.`,
  ExitRequestFailed: () =>
    "The exit request contract refused the request (its fee may have risen this block); try again in a block.",
  EthTransferFailed: () => "Your wallet's address refused the ETH payment; claim from an address that accepts ETH.",
  NoMiniPoolReady: () => "No mini-pool is ready for funding; wait for a DKG to be confirmed.",
  InsufficientPoolEth: ([required, available]) =>
    `The pool has ${eth(available)} free but a validator needs ${eth(required)}; wait for more deposits.`,
  // fee token (OpenZeppelin ERC-20)
  ERC20InsufficientAllowance: ([, allowance, needed], ctx) =>
    `The registry may spend only ${amount(allowance, ctx)} of your tokens but needs ${amount(needed, ctx)}; approve again and retry.`,
  ERC20InsufficientBalance: ([, balance, needed], ctx) =>
    `Your wallet holds ${amount(balance, ctx)} but this needs ${amount(needed, ctx)}; get more fee tokens or enter less.`,
};

/** Maps any error thrown while simulating, sending or confirming a transaction to a clear sentence. */
export function describeTxError(error: unknown, ctx: ErrorContext = {}): TxError {
  if (error instanceof BaseError) {
    const rejected = error.walk(
      (e) => e instanceof UserRejectedRequestError || (e as { code?: unknown }).code === 4001,
    );
    if (rejected)
      return { message: "You rejected the request in your wallet; nothing was sent. Submit again when ready." };
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName;
      if (name && CONTRACT_ERRORS[name]) {
        return { message: CONTRACT_ERRORS[name](reverted.data?.args ?? [], ctx), code: name };
      }
      if (name) return { message: `The contract refused the transaction (${name}); check the inputs.`, code: name };
      if (reverted.reason) return { message: `The contract refused the transaction: ${reverted.reason}.` };
    }
    if (/insufficient funds/i.test(error.message)) {
      return { message: "Your wallet has too little ETH to pay for gas; fund it and try again." };
    }
    if (/chain mismatch|does not match the target chain/i.test(error.message)) {
      return { message: "Your wallet is on another network; switch it to the Cohort network and try again." };
    }
    // The node's own words (e.g. "nonce too low") help more than viem's generic summary; one line, no stack.
    const details = error.details ? ` (${error.details.split("\n")[0]?.slice(0, 200)})` : "";
    return { message: `${error.shortMessage}${details} Check your wallet and the network, then try again.` };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { message: `${text.split("\n")[0]} Try again; if it keeps failing, reload the page.` };
}
