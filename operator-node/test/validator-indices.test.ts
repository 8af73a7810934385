import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BeaconChain } from "../src/duties/beacon.js";
import { ValidatorIndexBook } from "../src/duties/validator-indices.js";
import { silentLogger } from "../src/log.js";

// A real HTTP server answering the one Beacon API call the book makes (GET states/head/validators?id=…), with
// the validators the "chain" knows at that moment: not a beacon node, just its answer to that query.
const known = new Map<string, number>();
const queried: string[][] = [];
let url: string;
const answer: RequestListener = (req, res) => {
  const ids = new URL(req.url!, "http://x").searchParams.getAll("id");
  queried.push(ids);
  const data = ids
    .filter((id) => known.has(id))
    .map((id) => ({ index: String(known.get(id)), validator: { pubkey: id } }));
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data }));
};
const server = createServer(answer);

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const key = (b: number) => new Uint8Array(48).fill(b);
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

describe("ValidatorIndexBook", () => {
  it("picks up a validator once the beacon chain assigns it an index, and asks only for the missing ones", async () => {
    known.set(hex(key(1)), 40);
    const book = new ValidatorIndexBook({ url } as BeaconChain, [key(1), key(2)], silentLogger);
    await book.refresh();
    expect(book.list()).toEqual([40]);
    known.set(hex(key(2)), 7); // its deposit was processed
    queried.length = 0;
    await book.refresh();
    expect(book.list()).toEqual([7, 40]);
    expect(book.set().has(7)).toBe(true);
    expect(queried).toEqual([[hex(key(2))]]);
    queried.length = 0;
    await book.refresh();
    expect(queried).toEqual([]); // all known: no request
  });

  it("asks in chunks small enough for any server's URL limit", async () => {
    const keys = Array.from({ length: 250 }, (_, i) => {
      const k = new Uint8Array(48);
      k[0] = 0xaa;
      k.set([i >> 8, i & 0xff], 1);
      return k;
    });
    for (const [i, k] of keys.entries()) known.set(hex(k), 1000 + i);
    queried.length = 0;
    const book = new ValidatorIndexBook({ url } as BeaconChain, keys, silentLogger);
    await book.refresh();
    expect(book.size).toBe(250);
    expect(queried.map((q) => q.length)).toEqual([100, 100, 50]);
  });

  it("survives a beacon node that is down, and catches up later", async () => {
    // A beacon node at a fixed address that is down at first (nothing listens), then comes up there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    known.set(hex(key(3)), 12);
    const book = new ValidatorIndexBook({ url: `http://127.0.0.1:${port}` } as BeaconChain, [key(3)], silentLogger);
    await book.refresh();
    expect(book.list()).toEqual([]);
    expect(book.version).toBe(0);

    const beacon = createServer(answer);
    await new Promise<void>((r) => beacon.listen(port, "127.0.0.1", r));
    try {
      queried.length = 0;
      await book.refresh();
      expect(book.list()).toEqual([12]);
      expect(book.version).toBe(1); // duty caches reload
      expect(queried).toEqual([[hex(key(3))]]);
    } finally {
      await new Promise<void>((r) => beacon.close(() => r()));
    }
  });
});
