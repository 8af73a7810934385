import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decryptShare, generateEncryptionKeyPair, publicKeyOf, randomScalar } from "@cohort/sdk";
import { describe, expect, it } from "vitest";
import { DkgShare, sealDkgShare } from "../src/dkg/share.js";
import { openDatabase } from "../src/store/database.js";
import { type DkgKeyRecord, MiniPoolStore } from "../src/store/minipools.js";

const file = () => join(mkdtempSync(join(tmpdir(), "cohort-minipools-")), "node.db");
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

const key: DkgKeyRecord = {
  validatorPubkey: bytes(48, 1),
  miniPoolId: 3n,
  attempt: 1,
  shareIndex: 2,
  sealed: { enc: bytes(32, 2), ciphertext: bytes(48, 3) },
  sharePublicKeys: [bytes(48, 4), bytes(48, 5), bytes(48, 6), bytes(48, 7)],
  threshold: 3,
  depositSignature: bytes(96, 8),
  depositDataRoot: bytes(32, 9),
};

describe("MiniPoolStore (real SQLite)", () => {
  it("keeps mini-pools, ceremony outcomes and sealed keys across a reopen", () => {
    const path = file();
    const store = new MiniPoolStore(openDatabase(path));
    store.put({ id: 3n, operatorIds: [1n, 2n, 5n, 9n], attempt: 1, phase: "awaiting_dkg", validatorPubkey: null });
    store.setCeremony(3n, 0, "failed", "member 2 was silent");
    store.setCeremony(3n, 1, "started");
    store.putKey(key);
    store.setCheckpoint(1234n);
    store.db.close();

    const again = new MiniPoolStore(openDatabase(path));
    expect(again.get(3n)).toEqual({
      id: 3n,
      operatorIds: [1n, 2n, 5n, 9n],
      attempt: 1,
      phase: "awaiting_dkg",
      validatorPubkey: null,
    });
    expect(again.ceremony(3n, 0)).toEqual({ outcome: "failed", detail: "member 2 was silent" });
    // The key and its `sealed` mark are written together: a share on disk always has its ceremony marked done.
    expect(again.ceremony(3n, 1)?.outcome).toBe("sealed");
    expect(again.key(3n, 1)).toEqual(key);
    expect(again.key(3n, 0)).toBeUndefined();
    expect(again.checkpoint()).toBe(1234n);
  });

  it("stores only the sealed share, never a plain one: the share's bytes are nowhere in the database files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-minipools-"));
    const path = join(dir, "node.db");
    const operator = await generateEncryptionKeyPair();
    const context = {
      encryptionPublicKey: operator.publicKey,
      chainId: 31337n,
      registry: bytes(20, 0xaa),
      operatorId: 5n,
    };
    // A real share, as a DKG hands it over: a BLS scalar, its public key, sealed to the operator's own X25519 key.
    const secret = randomScalar();
    const plain = Buffer.from(secret); // a copy to search for: the handle zeroizes `secret`
    const sharePublicKey = await publicKeyOf(secret);
    const share = new DkgShare(2, sharePublicKey, secret);
    const sealed = await sealDkgShare(share, key.validatorPubkey, context);
    share.zeroize();

    const store = new MiniPoolStore(openDatabase(path));
    store.putKey({
      ...key,
      shareIndex: sealed.shareIndex,
      sealed: sealed.encrypted,
      sharePublicKeys: [sharePublicKey],
    });
    const columns = store.db.prepare("SELECT name FROM pragma_table_info('dkg_keys')").all() as { name: string }[];
    expect(columns.map((c) => c.name).filter((n) => n.startsWith("share_"))).toEqual([
      "share_index",
      "share_enc",
      "share_ct",
      "share_public_keys",
    ]);
    /** Every file SQLite keeps for the database (main file, WAL, shared memory), as raw bytes. */
    const files = () => readdirSync(dir).map((f) => readFileSync(join(dir, f)));
    const holds = (needle: Buffer) => files().some((b) => b.includes(needle));
    const plainHex = Buffer.from(plain.toString("hex"));
    // While open (the row is in the WAL) and after close (checkpointed into the main file).
    expect(holds(plain)).toBe(false);
    expect(holds(plainHex)).toBe(false);
    store.db.close();
    expect(holds(plain)).toBe(false);
    expect(holds(plainHex)).toBe(false);
    // Control: the search sees what is stored in clear, so a plain share would have been found.
    expect(holds(Buffer.from(sharePublicKey))).toBe(true);

    // And what is stored is the share, sealed: it opens to the same secret with the operator's key.
    const again = new MiniPoolStore(openDatabase(path));
    const stored = again.key(key.miniPoolId, key.attempt)!;
    const opened = await decryptShare(operator.secretKey, stored.sealed, {
      chainId: context.chainId,
      registry: context.registry,
      validatorPublicKey: key.validatorPubkey,
      operatorId: context.operatorId,
    });
    expect(Buffer.from(opened).equals(plain)).toBe(true);
    again.db.close();
  });
});
