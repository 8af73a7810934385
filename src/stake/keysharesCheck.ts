// Checks a keyshares file against the chain before anything is paid: the checks an operator's node cannot run for the
// staker (whether its share was encrypted to its registered key) and the ones the registry would refuse after the
// wallet has already asked (chain, owner, nonce, operators, duplicates). Pure: the chain's answers come in a ChainView.
import { registryCommitteeId } from "@cohort/sdk/committee/ids";
import type { ValidatorKeyshares } from "@cohort/sdk/keyshares/file";
import { type Address, getAddress, type Hex, isAddressEqual } from "viem";

/** What the chain says about a file's operators and validators, read by `readChainView`. */
export interface ChainView {
  chainId: number;
  registry: Address;
  /** The connected wallet, which sends the registrations and so must be the file's owner. */
  account: Address;
  /** The registry's next nonce for `account`. */
  nonce: bigint;
  /** Registered operators by id; an id the registry does not know is absent. */
  operators: ReadonlyMap<bigint, { active: boolean; encryptionKey: Hex }>;
  /** Validators already on-chain, by lower-case public key. */
  registered: ReadonlyMap<string, { owner: Address; committeeId: Hex }>;
}

export type RowState =
  /** Will be registered. */
  | { kind: "pending" }
  /** On-chain already, registered by this wallet into this committee: skipped (an earlier batch or session). */
  | { kind: "registered" }
  | { kind: "problem"; message: string };

export interface KeysharesCheck {
  /** Problems of the whole file, each a sentence that says what to do. */
  problems: string[];
  rows: { keyshares: ValidatorKeyshares; state: RowState }[];
  /** The file's committee (ascending); empty when the file holds several. */
  operatorIds: bigint[];
  /** What to register, in nonce order starting at the registry's next nonce; empty when anything blocks it. */
  pending: ValidatorKeyshares[];
}

export const short = (hex: string) => `${hex.slice(0, 10)}…${hex.slice(-6)}`;

const SPLIT_AGAIN = "run `cohort-keys split` again";

export function checkKeyshares(validators: readonly ValidatorKeyshares[], chain: ChainView): KeysharesCheck {
  const problems: string[] = [];
  const first = validators[0];
  if (!first) return { problems: ["The file holds no validators."], rows: [], operatorIds: [], pending: [] };

  // Every registration is sent by the connected wallet to this deployment; the proofs sign exactly that.
  const chainIds = new Set(validators.map((v) => v.chainId));
  if (chainIds.size !== 1 || first.chainId !== chain.chainId) {
    problems.push(
      `The file was made for chain ${[...chainIds].join(", ")} but this page registers on chain ${chain.chainId}; ${SPLIT_AGAIN} with --chain-id ${chain.chainId}.`,
    );
  }
  if (validators.some((v) => !isAddressEqual(v.registry, chain.registry))) {
    problems.push(
      `The file was made for registry ${first.registry}, but this network's registry is ${chain.registry}; ${SPLIT_AGAIN} with --registry ${chain.registry}.`,
    );
  }
  const owners = [...new Set(validators.map((v) => getAddress(v.owner)))];
  if (owners.length !== 1 || !isAddressEqual(owners[0]!, chain.account)) {
    problems.push(
      `The file's ownership proofs are for ${owners.join(", ")}, but the connected wallet is ${chain.account}; connect that wallet, or ${SPLIT_AGAIN} with --owner ${chain.account}.`,
    );
  }

  // One committee per file: a bulk registration joins exactly one committee account.
  const committeeKey = first.operatorIds.join(",");
  const oneCommittee = validators.every((v) => v.operatorIds.join(",") === committeeKey);
  if (!oneCommittee) {
    problems.push(
      "The file holds validators for several committees; split one file per committee and import them one by one.",
    );
  }
  const operatorIds = oneCommittee ? first.operatorIds.map(BigInt) : [];
  for (const id of operatorIds) {
    const op = chain.operators.get(id);
    if (!op) {
      problems.push(`Operator ${id} is not registered on this network; ${SPLIT_AGAIN} with registered operators.`);
    } else if (!op.active) {
      problems.push(`Operator ${id} has left the network; ${SPLIT_AGAIN} with an active operator in its place.`);
    }
  }
  // HPKE hides the recipient: a share sealed to a wrong or outdated key looks fine here and can never be opened by
  // the operator's node, so the validator would be paid for and never run.
  const wrongKeys = new Map<bigint, Hex[]>();
  let missingKeys = 0;
  for (const v of validators) {
    for (const share of v.encryptedShares) {
      const registered = chain.operators.get(BigInt(share.operatorId));
      if (!share.encryptionKey) missingKeys++;
      else if (registered && share.encryptionKey.toLowerCase() !== registered.encryptionKey.toLowerCase()) {
        const list = wrongKeys.get(BigInt(share.operatorId)) ?? [];
        if (!list.includes(share.encryptionKey)) list.push(share.encryptionKey);
        wrongKeys.set(BigInt(share.operatorId), list);
      }
    }
  }
  if (missingKeys > 0) {
    problems.push(
      `The file does not record which encryption key each share was sealed to (made by an older cohort-keys), so the page cannot check them against the registry; ${SPLIT_AGAIN} with the current cohort-keys.`,
    );
  }
  for (const [id, keys] of wrongKeys) {
    problems.push(
      `Shares for operator ${id} were encrypted to ${keys.map(short).join(", ")}, but operator ${id}'s registered encryption key is ${short(chain.operators.get(id)!.encryptionKey)}; its node could not open them. ${SPLIT_AGAIN} with the operator's current key.`,
    );
  }

  // Nonces: bulkRegisterValidators takes nonce, nonce+1, … in array order, and each proof signs its own nonce.
  if (validators.some((v, i) => i > 0 && v.nonce !== validators[i - 1]!.nonce + 1)) {
    problems.push(
      `The file's nonces are not consecutive in file order (${validators.map((v) => v.nonce).join(", ")}); ${SPLIT_AGAIN} to number them from one --nonce.`,
    );
  }

  const committeeId = oneCommittee ? registryCommitteeId(chain.account, operatorIds).toLowerCase() : undefined;
  const seen = new Set<string>();
  const rows = validators.map((keyshares) => {
    const key = keyshares.publicKey.toLowerCase();
    const state = rowState(keyshares, chain, committeeId, seen.has(key));
    seen.add(key);
    return { keyshares, state };
  });

  const pending = rows.filter((r) => r.state.kind === "pending").map((r) => r.keyshares);
  const next = pending[0];
  if (next && BigInt(next.nonce) !== chain.nonce && problems.length === 0) {
    problems.push(
      `The file's next validator signs nonce ${next.nonce}, but the registry expects nonce ${chain.nonce} from this wallet (another registration came in between); ${SPLIT_AGAIN} with --nonce ${chain.nonce} for the validators not yet registered.`,
    );
  }
  const blocked = problems.length > 0 || rows.some((r) => r.state.kind === "problem");
  return { problems, rows, operatorIds, pending: blocked ? [] : pending };
}

function rowState(
  v: ValidatorKeyshares,
  chain: ChainView,
  committeeId: string | undefined,
  duplicate: boolean,
): RowState {
  if (duplicate) return { kind: "problem", message: "is in the file twice; remove the copy." };
  const onChain = chain.registered.get(v.publicKey.toLowerCase());
  const nonceUsed = BigInt(v.nonce) < chain.nonce;
  if (onChain) {
    const ours = isAddressEqual(onChain.owner, chain.account) && onChain.committeeId.toLowerCase() === committeeId;
    if (ours && nonceUsed) return { kind: "registered" };
    const by = !isAddressEqual(onChain.owner, chain.account)
      ? `by ${onChain.owner}`
      : onChain.committeeId.toLowerCase() === committeeId
        ? "by this wallet (from another file)"
        : "by this wallet in another committee";
    return {
      kind: "problem",
      message: `is already registered ${by}; a validator registers once. ${SPLIT_AGAIN} without its keystore.`,
    };
  }
  if (nonceUsed) {
    return {
      kind: "problem",
      message: `signs nonce ${v.nonce}, which this wallet has already used; ${SPLIT_AGAIN} with --nonce ${chain.nonce}.`,
    };
  }
  return { kind: "pending" };
}
