import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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

  it("stores only the sealed share, never a plain one", () => {
    const store = new MiniPoolStore(openDatabase(file()));
    store.putKey(key);
    const columns = store.db.prepare("SELECT name FROM pragma_table_info('dkg_keys')").all() as { name: string }[];
    expect(columns.map((c) => c.name).filter((n) => n.startsWith("share_"))).toEqual([
      "share_index",
      "share_enc",
      "share_ct",
      "share_public_keys",
    ]);
  });
});
