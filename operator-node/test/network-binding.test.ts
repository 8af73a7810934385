import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindToNetwork, NetworkMismatchError, openDatabase } from "../src/store/database.js";

const network = {
  "network.chain_id": "31337",
  "network.registry": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  "network.deploy_block_hash": "0xaa",
  genesis_validators_root: "0x01",
};

describe("a data dir is pinned to the network it was first used with", () => {
  it("accepts the same network again (any case) and refuses another chain, registry or beacon chain", () => {
    const dir = mkdtempSync(join(tmpdir(), "cohort-bind-"));
    const file = join(dir, "node.db");
    let db = openDatabase(file);
    bindToNetwork(db, network, dir);
    db.close();
    // Reopened, as on the next start: same network, checksummed address or not.
    db = openDatabase(file);
    bindToNetwork(db, { ...network, "network.registry": network["network.registry"].toLowerCase() }, dir);
    for (const [key, value] of [
      ["network.deploy_block_hash", "0xbb"], // a new dev chain: same id and address, new blocks
      ["network.registry", "0x0000000000000000000000000000000000000001"],
      ["genesis_validators_root", "0x02"], // a beacon node of another chain
    ] as const) {
      expect(() => bindToNetwork(db, { ...network, [key]: value }, dir)).toThrow(NetworkMismatchError);
      expect(() => bindToNetwork(db, { ...network, [key]: value }, dir)).toThrow(/empty folder/);
    }
    db.close();
  });
});
