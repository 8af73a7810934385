/**
 * The combine path at 1,000 validators (t = 3 of n = 4), step by step, to see whether SigAgg can become the
 * bottleneck of a large committee and what batching buys:
 *   today      — sigagg/combine.ts `combineVerified`, one validator at a time (a 3-partial blst batch verify, Lagrange
 *                recovery in bls-eth-wasm, a blst verify of the result);
 *   the steps  — each of those alone, and the alternatives: one blst batch over every validator's partials, one blst
 *                batch over every combined result, and @noble/curves G2 Lagrange instead of bls-eth-wasm.
 * Usage: npm run bench:combine -w operator-node [-- --validators 1000]
 */
import { parseArgs } from "node:util";
import {
  aggregateWithRandomness,
  PublicKey,
  SecretKey,
  Signature,
  verify,
  verifyMultipleAggregateSignatures,
} from "@chainsafe/blst";
import { combinePartialSignatures, splitSecret } from "@cohort/sdk";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { combineVerified } from "../src/sigagg/combine.js";

const { values: args } = parseArgs({ options: { validators: { type: "string", default: "1000" } } });
const V = Number(args.validators);
const T = 3;

interface Fixture {
  message: Uint8Array;
  publicKey: Uint8Array;
  sharePublicKeys: Uint8Array[];
  partials: { index: number; signature: Uint8Array }[];
  combined?: Uint8Array;
}

console.log(`\nCombine path — ${V} validators, 3 of 4 partials each, one signing root per validator`);
const fixtures: Fixture[] = [];
for (let v = 0; v < V; v++) {
  const sk = SecretKey.fromKeygen(crypto.getRandomValues(new Uint8Array(32)));
  const secret = sk.toBytes();
  const split = await splitSecret(secret, 4);
  secret.fill(0);
  const message = crypto.getRandomValues(new Uint8Array(32));
  const partials = split.shares
    .slice(0, T)
    .map((s) => ({ index: s.index, signature: SecretKey.fromBytes(s.secret).sign(message).toBytes() }));
  for (const s of split.shares) s.secret.fill(0);
  fixtures.push({
    message,
    publicKey: sk.toPublicKey().toBytes(),
    sharePublicKeys: split.shares.map((s) => s.publicKey),
    partials,
  });
}

const L = bls12_381.longSignatures;
const Fr = bls12_381.fields.Fr;
const ids = [1n, 2n, 3n];
const lambdas = ids.map((i) => ids.reduce((acc, j) => (j === i ? acc : Fr.mul(acc, Fr.div(j, Fr.sub(j, i)))), 1n));
const NOBLE_SAMPLE = Math.min(V, 20);

const partialSets = (f: Fixture) =>
  f.partials.map((p) => ({
    msg: f.message,
    pk: PublicKey.fromBytes(f.sharePublicKeys[p.index - 1]!, true),
    sig: Signature.fromBytes(p.signature, true),
  }));
const resultSets = () =>
  fixtures.map((f) => ({
    msg: f.message,
    pk: PublicKey.fromBytes(f.publicKey),
    sig: Signature.fromBytes(f.combined!),
  }));
const check = (ok: boolean) => {
  if (!ok) throw new Error("a signature failed to verify; the benchmark fixture is broken");
};

/** Each step over all validators; `per` = how many validators it covers (noble runs on a sample). */
const steps: { name: string; per: number; run: () => Promise<void> | void }[] = [
  {
    name: "sigagg combineVerified, as committed (whole path, per validator)",
    per: V,
    run: async () => {
      for (const f of fixtures)
        f.combined = (await combineVerified({ ...f, validatorPublicKey: f.publicKey, threshold: T })).signature;
    },
  },
  {
    name: "verify-partials-first path (3-partial batch + recover + verify result)",
    per: V,
    run: async () => {
      for (const f of fixtures) {
        check(verifyMultipleAggregateSignatures(partialSets(f)));
        const sig = await combinePartialSignatures(f.partials, T);
        check(verify(f.message, PublicKey.fromBytes(f.publicKey), Signature.fromBytes(sig, true)));
      }
    },
  },
  {
    name: "optimistic path (recover + verify result; partials only on failure)",
    per: V,
    run: async () => {
      for (const f of fixtures) {
        const sig = await combinePartialSignatures(f.partials, T);
        check(verify(f.message, PublicKey.fromBytes(f.publicKey), Signature.fromBytes(sig, true)));
      }
    },
  },
  {
    name: "  step: recover without partial subgroup checks (sigagg's fast path)",
    per: V,
    run: async () => {
      for (const f of fixtures)
        await combinePartialSignatures(f.partials, T, { resultVerifiedWithSubgroupCheck: true });
    },
  },
  {
    name: "  step: partials, blst batch of 3 per validator",
    per: V,
    run: () => {
      for (const f of fixtures) check(verifyMultipleAggregateSignatures(partialSets(f)));
    },
  },
  {
    name: "  step: partials, one blst batch over all validators",
    per: V,
    run: () => check(verifyMultipleAggregateSignatures(fixtures.flatMap(partialSets))),
  },
  {
    name: "  step: partials, same message: aggregateWithRandomness + 1 verify",
    per: V,
    run: () => {
      for (const f of fixtures) {
        const agg = aggregateWithRandomness(
          f.partials.map((p) => ({ pk: PublicKey.fromBytes(f.sharePublicKeys[p.index - 1]!, true), sig: p.signature })),
        );
        check(verify(f.message, agg.pk, agg.sig));
      }
    },
  },
  {
    name: "  step: recover, bls-eth-wasm Signature.recover (sdk, from bytes)",
    per: V,
    run: async () => {
      for (const f of fixtures) await combinePartialSignatures(f.partials, T);
    },
  },
  {
    name: `  step: recover, @noble/curves G2 Lagrange (first ${NOBLE_SAMPLE}, from bytes)`,
    per: NOBLE_SAMPLE,
    run: () => {
      for (const f of fixtures.slice(0, NOBLE_SAMPLE)) {
        const out = f.partials
          .map((p, k) => L.Signature.fromBytes(p.signature).multiply(lambdas[k]!))
          .reduce((a, b) => a.add(b))
          .toBytes();
        check(Buffer.compare(Buffer.from(out), Buffer.from(f.combined!)) === 0);
      }
    },
  },
  {
    name: "  step: result, blst verify per validator",
    per: V,
    run: () => {
      for (const s of resultSets()) check(verify(s.msg, s.pk, s.sig));
    },
  },
  {
    name: "  step: result, one blst batch over all validators",
    per: V,
    run: () => check(verifyMultipleAggregateSignatures(resultSets())),
  },
];

// Rounds interleave the steps so a burst of load from other processes hits all of them alike; medians reported.
const ROUNDS = 3;
const samples = steps.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, step] of steps.entries()) {
    const t0 = performance.now();
    await step.run();
    samples[i]!.push((performance.now() - t0) / step.per);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [i, step] of steps.entries()) {
  const m = median(samples[i]!);
  console.log(`  ${step.name.padEnd(76)} median ${m.toFixed(3).padStart(8)} ms/validator   (${ROUNDS} rounds)`);
}
const perSlot = Math.ceil(V / 32);
console.log(
  `  → ${V} validators on mainnet's 32 slots = ${perSlot} per slot: committed path ${(median(samples[0]!) * perSlot).toFixed(0)} ms, ` +
    `noble recovery alone would be ${(median(samples[8]!) * perSlot).toFixed(0)} ms, per node per slot per signed duty kind`,
);
