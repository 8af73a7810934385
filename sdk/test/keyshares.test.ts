import fc from "fast-check";
import { hexToBytes } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildKeyshares,
  COMMITTEE_SIZES,
  CohortError,
  combinePartialSignatures,
  decodePayload,
  encodePayload,
  KeysharesFileError,
  KeysharesVerificationError,
  openShare,
  PayloadError,
  parseKeysharesFile,
  partialSign,
  payloadLength,
  registrationOf,
  serializeKeysharesFile,
  sign,
  toKeysharesFile,
  type ValidatorKeyshares,
  verify,
  verifyRegistration,
  verifyValidatorKeyshares,
} from "../src/index.js";
import { CHAIN_ID, flipByte, OWNER, operators, REGISTRY, validatorKey } from "./helpers.js";

type Operators = Awaited<ReturnType<typeof operators>>;

describe("keyshares payload layout", () => {
  it("has the documented length for every committee size", () => {
    expect(COMMITTEE_SIZES.map(payloadLength)).toEqual([758, 1238, 1718, 2198]);
  });

  it("property: the decoder throws nothing but PayloadError on arbitrary bytes", () => {
    const header = (n: number) => new Uint8Array([0x43, 0x4b, 0x53, 1, n, (2 * (n - 1)) / 3 + 1]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.tuple(fc.constantFrom(4, 7, 10, 13), fc.uint8Array({ maxLength: 2500 })).map(([n, rest]) => {
            const out = new Uint8Array(6 + rest.length);
            out.set(header(n));
            out.set(rest, 6);
            return out;
          }),
          fc.constantFrom(4, 7, 10, 13).map((n) => {
            const out = crypto.getRandomValues(new Uint8Array(payloadLength(n as 4)));
            out.set(header(n));
            return out;
          }),
        ),
        (bytes) => {
          try {
            const decoded = decodePayload(bytes);
            expect(encodePayload(decoded)).toEqual(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(PayloadError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("buildKeyshares → payload → operators", () => {
  let ops: Operators;
  let key: Awaited<ReturnType<typeof validatorKey>>;
  let keyshares: ValidatorKeyshares;

  beforeAll(async () => {
    ops = await operators([9n, 2n, 30n, 4n]);
    key = await validatorKey();
    keyshares = await buildKeyshares({
      ...key,
      operators: ops,
      owner: OWNER,
      nonce: 3n,
      chainId: CHAIN_ID,
      registry: REGISTRY,
    });
  });

  it("produces sorted operator ids, a decodable deterministic payload and a verifiable file", async () => {
    expect(keyshares.operatorIds).toEqual([2, 4, 9, 30]);
    expect(keyshares.encryptedShares.map((e) => e.operatorId)).toEqual([2, 4, 9, 30]);
    const payload = hexToBytes(keyshares.payload);
    expect(payload).toHaveLength(758);
    expect(encodePayload(decodePayload(payload))).toEqual(payload);
    const file = parseKeysharesFile(serializeKeysharesFile(toKeysharesFile([keyshares])));
    expect(file.validators[0]).toEqual(keyshares);
    await verifyValidatorKeyshares(file.validators[0]!);
  });

  it("each operator opens only its own share, and any 3 partials make the validator's signature", async () => {
    const registration = registrationOf(keyshares);
    const message = crypto.getRandomValues(new Uint8Array(32));
    const partials = [];
    for (const op of ops) {
      const share = await openShare(registration, op.id, op.encryptionSecret);
      partials.push({ index: share.index, signature: await partialSign(share.secret, message) });
      const wrongSlot = ops.find((o) => o.id !== op.id)!;
      await expect(openShare(registration, wrongSlot.id, op.encryptionSecret)).rejects.toBeInstanceOf(CohortError);
    }
    const combined = await combinePartialSignatures(partials.slice(1), 3);
    expect(combined).toEqual(await sign(key.secretKey, message));
    expect(await verify(key.publicKey, message, combined)).toBe(true);
  });

  it("a registration replayed for another owner, nonce, chain or registry is rejected", async () => {
    const r = registrationOf(keyshares);
    for (const changed of [
      { ...r, owner: REGISTRY },
      { ...r, nonce: 4n },
      { ...r, chainId: 1n },
      { ...r, registry: OWNER },
    ]) {
      await expect(verifyRegistration(changed)).rejects.toMatchObject({ code: "BAD_OWNERSHIP_PROOF" });
    }
    await expect(verifyRegistration({ ...r, publicKey: (await validatorKey()).publicKey })).rejects.toMatchObject({
      code: "COMMITMENT_MISMATCH",
    });
  });

  it("every single-byte change to the payload is rejected by verification or by the operator's decryption", async () => {
    const r = registrationOf(keyshares);
    const encryptedStart = 6 + 96 + 3 * 48 + 4 * 48;
    for (let position = 0; position < r.payload.length; position++) {
      const tampered = { ...r, payload: flipByte(r.payload, position) };
      const affectedOperator =
        position >= encryptedStart
          ? ops.find((o) => o.id === r.operatorIds[Math.floor((position - encryptedStart) / 80)])!
          : ops[0]!;
      const error = await openShare(tampered, affectedOperator.id, affectedOperator.encryptionSecret).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `byte ${position}`).toBeInstanceOf(CohortError);
    }
  }, 120_000);

  it("rejects a file whose fields do not match its payload", async () => {
    const edited = { ...keyshares, commitments: [...keyshares.commitments] };
    edited.commitments[1] = keyshares.commitments[2]!;
    await expect(verifyValidatorKeyshares(edited)).rejects.toBeInstanceOf(KeysharesVerificationError);
  });

  it("a mismatched committee size between payload and registration is rejected", async () => {
    const r = registrationOf(keyshares);
    await expect(verifyRegistration({ ...r, operatorIds: [1n, 2n, 3n, 4n, 5n, 6n, 7n] })).rejects.toMatchObject({
      code: "COMMITTEE_MISMATCH",
    });
  });
});

describe("keyshares file parsing", () => {
  it("names the field that is wrong", async () => {
    const ops = await operators([1n, 2n, 3n, 4n]);
    const v = await buildKeyshares({
      ...(await validatorKey()),
      operators: ops,
      owner: OWNER,
      nonce: 0n,
      chainId: CHAIN_ID,
      registry: REGISTRY,
    });
    const bad = (mutate: (v: Record<string, unknown>) => void) => {
      const copy = structuredClone(v) as unknown as Record<string, unknown>;
      mutate(copy);
      return serializeKeysharesFile(toKeysharesFile([copy as unknown as ValidatorKeyshares]));
    };
    const cases: [string, (v: Record<string, unknown>) => void][] = [
      ["validators[0].publicKey", (c) => (c["publicKey"] = "0x1234")],
      ["validators[0].operatorIds", (c) => (c["operatorIds"] = [4, 3, 2, 1])],
      ["validators[0].threshold", (c) => (c["threshold"] = 2)],
      ["validators[0].owner", (c) => (c["owner"] = "0xnot")],
      [
        "validators[0].encryptedShares[1].operatorId",
        (c) => ((c["encryptedShares"] as { operatorId: number }[])[1]!.operatorId = 9),
      ],
      ["validators[0].sharePublicKeys", (c) => (c["sharePublicKeys"] = [])],
    ];
    for (const [path, mutate] of cases) {
      const error = (() => {
        try {
          parseKeysharesFile(bad(mutate));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(KeysharesFileError);
      expect((error as KeysharesFileError).shortMessage.startsWith(path)).toBe(true);
    }
    expect(() => parseKeysharesFile("[]")).toThrow(KeysharesFileError);
    expect(() => parseKeysharesFile('{"version":"ssv-keyshares/1","validators":[]}')).toThrow(/version/);
  });
});
