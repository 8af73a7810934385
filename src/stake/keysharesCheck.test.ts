import { generateKeyPairSync } from "node:crypto";
import { publicKeyOf } from "@cohort/sdk/bls/engine";
import { registryCommitteeId } from "@cohort/sdk/committee/ids";
import { buildKeyshares } from "@cohort/sdk/keyshares/build";
import {
  parseKeysharesFile,
  serializeKeysharesFile,
  toKeysharesFile,
  type ValidatorKeyshares,
} from "@cohort/sdk/keyshares/file";
import { type Address, bytesToHex, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { type ChainView, checkKeyshares } from "./keysharesCheck";

const OWNER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const OTHER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const REGISTRY: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const CHAIN_ID = 31337;
const FIRST_NONCE = 5;

function x25519Key(): Hex {
  const jwk = generateKeyPairSync("x25519").publicKey.export({ format: "jwk" });
  return bytesToHex(Buffer.from(jwk.x!, "base64url"));
}

function blsSecret(): Uint8Array {
  const sk = crypto.getRandomValues(new Uint8Array(32));
  sk[0] = 0x10 + (sk[0]! % 0x60);
  return sk;
}

const keys = new Map<bigint, Hex>();
/** Three validators for operators 1–4, nonces 5–7, as `cohort-keys split` writes them (through the file format). */
let file: ValidatorKeyshares[];

beforeAll(async () => {
  for (const id of [1n, 2n, 3n, 4n]) keys.set(id, x25519Key());
  const built: ValidatorKeyshares[] = [];
  for (let i = 0; i < 3; i++) {
    const secretKey = blsSecret();
    built.push(
      await buildKeyshares({
        secretKey,
        publicKey: await publicKeyOf(secretKey),
        operators: [...keys].map(([id, key]) => ({ id, encryptionKey: Buffer.from(key.slice(2), "hex") })),
        owner: OWNER,
        nonce: BigInt(FIRST_NONCE + i),
        chainId: BigInt(CHAIN_ID),
        registry: REGISTRY,
      }),
    );
  }
  file = parseKeysharesFile(serializeKeysharesFile(toKeysharesFile(built))).validators;
});

function chain(over: Partial<ChainView> = {}): ChainView {
  return {
    chainId: CHAIN_ID,
    registry: REGISTRY,
    account: OWNER,
    nonce: BigInt(FIRST_NONCE),
    operators: new Map([...keys].map(([id, encryptionKey]) => [id, { active: true, encryptionKey }])),
    registered: new Map(),
    ...over,
  };
}

/** The file with one validator changed, as someone editing the JSON would (then re-parsed like a dropped file). */
function tampered(mutate: (v: ValidatorKeyshares[]) => void): ValidatorKeyshares[] {
  const copy = structuredClone(file);
  mutate(copy);
  return parseKeysharesFile(serializeKeysharesFile(toKeysharesFile(copy))).validators;
}

const problemsOf = (c: ReturnType<typeof checkKeyshares>) => [
  ...c.problems,
  ...c.rows.flatMap((r) => (r.state.kind === "problem" ? [r.state.message] : [])),
];

describe("keyshares file against the chain", () => {
  it("a file made for this wallet, chain and committee registers every validator, from the registry's nonce", () => {
    const check = checkKeyshares(file, chain());
    expect(problemsOf(check)).toEqual([]);
    expect(check.operatorIds).toEqual([1n, 2n, 3n, 4n]);
    expect(check.pending.map((v) => v.nonce)).toEqual([5, 6, 7]);
    expect(check.rows.map((r) => r.state.kind)).toEqual(["pending", "pending", "pending"]);
  });

  it("a share encrypted to another key than the operator's registered one is refused, naming the operator", () => {
    const forged = x25519Key();
    const bad = tampered((vs) => {
      vs[1]!.encryptedShares[2]!.encryptionKey = forged;
    });
    const check = checkKeyshares(bad, chain());
    expect(check.pending).toEqual([]);
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]).toMatch(
      new RegExp(
        `^Shares for operator 3 were encrypted to ${forged.slice(0, 10)}…${forged.slice(-6)}, but operator 3's registered encryption key is ${keys.get(3n)!.slice(0, 10)}.*its node could not open them\\. run \`cohort-keys split\` again with the operator's current key\\.$`,
      ),
    );
  });

  it("an operator that rotated its key since the split is caught the same way", () => {
    const rotated = chain();
    (rotated.operators as Map<bigint, { active: boolean; encryptionKey: Hex }>).set(4n, {
      active: true,
      encryptionKey: x25519Key(),
    });
    const check = checkKeyshares(file, rotated);
    expect(check.pending).toEqual([]);
    expect(check.problems.join(" ")).toMatch(/Shares for operator 4 were encrypted to .* registered encryption key is/);
  });

  it("an operator the registry does not know, or one that left, is named", () => {
    const unknown = tampered((vs) => {
      for (const v of vs) {
        v.operatorIds[3] = 99;
        v.encryptedShares[3]!.operatorId = 99;
      }
    });
    const check = checkKeyshares(unknown, chain());
    expect(check.pending).toEqual([]);
    expect(check.problems).toContain(
      "Operator 99 is not registered on this network; run `cohort-keys split` again with registered operators.",
    );

    const left = chain();
    (left.operators as Map<bigint, { active: boolean; encryptionKey: Hex }>).set(2n, {
      active: false,
      encryptionKey: keys.get(2n)!,
    });
    expect(checkKeyshares(file, left).problems).toEqual([
      "Operator 2 has left the network; run `cohort-keys split` again with an active operator in its place.",
    ]);
  });

  it("a validator someone already registered blocks the file with a message on its row", () => {
    const registered = new Map([
      [file[1]!.publicKey, { owner: OTHER, committeeId: registryCommitteeId(OTHER, [1n, 2n, 3n, 4n]) }],
    ]);
    const check = checkKeyshares(file, chain({ registered }));
    expect(check.pending).toEqual([]);
    expect(check.rows[1]!.state).toEqual({
      kind: "problem",
      message: `is already registered by ${OTHER}; a validator registers once. run \`cohort-keys split\` again without its keystore.`,
    });
    expect(check.rows[0]!.state.kind).toBe("pending");
  });

  it("after a batch landed, its validators are skipped and the rest continue at the registry's nonce", () => {
    const committeeId = registryCommitteeId(OWNER, [1n, 2n, 3n, 4n]);
    const registered = new Map([[file[0]!.publicKey, { owner: OWNER, committeeId }]]);
    const check = checkKeyshares(file, chain({ registered, nonce: BigInt(FIRST_NONCE + 1) }));
    expect(problemsOf(check)).toEqual([]);
    expect(check.rows.map((r) => r.state.kind)).toEqual(["registered", "pending", "pending"]);
    expect(check.pending.map((v) => v.publicKey)).toEqual([file[1]!.publicKey, file[2]!.publicKey]);
  });

  it("a nonce used by another registration in between, a wrong wallet, chain or registry each say what to run", () => {
    expect(checkKeyshares(file, chain({ nonce: 6n })).rows[0]!.state).toEqual({
      kind: "problem",
      message: "signs nonce 5, which this wallet has already used; run `cohort-keys split` again with --nonce 6.",
    });
    expect(checkKeyshares(file, chain({ nonce: 4n })).problems).toEqual([
      "The file's next validator signs nonce 5, but the registry expects nonce 4 from this wallet (another registration came in between); run `cohort-keys split` again with --nonce 4 for the validators not yet registered.",
    ]);
    expect(checkKeyshares(file, chain({ account: OTHER })).problems[0]).toBe(
      `The file's ownership proofs are for ${OWNER}, but the connected wallet is ${OTHER}; connect that wallet, or run \`cohort-keys split\` again with --owner ${OTHER}.`,
    );
    expect(checkKeyshares(file, chain({ chainId: 17000 })).problems[0]).toMatch(
      /^The file was made for chain 31337 but this page registers on chain 17000; .* --chain-id 17000\.$/,
    );
    const otherRegistry: Address = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
    expect(checkKeyshares(file, chain({ registry: otherRegistry })).problems[0]).toMatch(/--registry 0x9fE4/);
  });

  it("a file from before encryption keys were recorded cannot be checked, and says to split again", () => {
    const old = tampered((vs) => {
      for (const v of vs) for (const s of v.encryptedShares) delete s.encryptionKey;
    });
    expect(checkKeyshares(old, chain()).problems).toEqual([
      "The file does not record which encryption key each share was sealed to (made by an older cohort-keys), so the page cannot check them against the registry; run `cohort-keys split` again with the current cohort-keys.",
    ]);
  });

  it("the same validator twice is flagged on the copy", () => {
    const twice = tampered((vs) => {
      vs[2] = structuredClone(vs[0]!);
      vs[2].nonce = FIRST_NONCE + 2;
    });
    const check = checkKeyshares(twice, chain());
    expect(check.rows[2]!.state).toEqual({ kind: "problem", message: "is in the file twice; remove the copy." });
    expect(check.pending).toEqual([]);
  });
});
