/**
 * Beacon API of the stand-in beacon chain (node:http): the routes a validator client uses, with the JSON shapes of
 * the beacon-APIs spec produced by @lodestar/types' `toJson`/`fromJson`, and SSZ bodies where clients send them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { chainConfigToJson } from "@lodestar/config";
import { activePreset, FAR_FUTURE_EPOCH, presetToJson } from "@lodestar/params";
import {
  type CachedBeaconStateAllForks,
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
} from "@lodestar/state-transition";
import { type phase0, type SignedBeaconBlock, ssz } from "@lodestar/types";
import { fromHex, toHex, toRootHex } from "@lodestar/utils";
import { type StandInChain, StandInRejection } from "./chain.js";

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const SSZ = "application/octet-stream";

// biome-ignore lint/suspicious/noExplicitAny: fork-indexed SSZ types; each route picks the fork of its slot.
type AnyType = any;

interface Req {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}
interface Res {
  status?: number;
  json?: unknown;
  ssz?: Uint8Array;
  headers?: Record<string, string>;
}
type Handler = (req: Req, m: RegExpMatchArray) => Res | Promise<Res>;

function forkTypes(fork: string): Record<string, AnyType> {
  return (ssz as unknown as Record<string, Record<string, AnyType>>)[fork] as Record<string, AnyType>;
}

function jsonBody<T>(req: Req): T {
  try {
    return JSON.parse(req.body.toString("utf8")) as T;
  } catch {
    throw new StandInRejection("request body is not valid JSON");
  }
}

function param(req: Req, name: string): string {
  const v = req.query.get(name);
  if (v === null) throw new StandInRejection(`query parameter ${name} is required`);
  return v;
}

function uint(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new StandInRejection(`${what} must be an unsigned integer, got "${value}"`);
  return Number(value);
}

function indicesOf(list: unknown): number[] {
  if (!Array.isArray(list)) throw new StandInRejection("body must be a JSON array of validator indices");
  return list.map((v) => uint(String(v), "validator index"));
}

/** The spec's validator status names. */
function validatorStatus(v: phase0.Validator, epoch: number): string {
  if (v.activationEpoch > epoch)
    return v.activationEligibilityEpoch === FAR_FUTURE_EPOCH ? "pending_initialized" : "pending_queued";
  if (v.exitEpoch > epoch) {
    if (v.exitEpoch === FAR_FUTURE_EPOCH) return "active_ongoing";
    return v.slashed ? "active_slashed" : "active_exiting";
  }
  if (v.withdrawableEpoch > epoch) return v.slashed ? "exited_slashed" : "exited_unslashed";
  return v.effectiveBalance > 0 ? "withdrawal_possible" : "withdrawal_done";
}

/** Body items one by one, as the pool endpoints do: valid ones are kept, failures listed by index. */
function eachItem<T>(items: unknown, parse: (item: unknown) => T, apply: (item: T) => void): Res {
  if (!Array.isArray(items)) throw new StandInRejection("body must be a JSON array");
  const failures: { index: number; message: string }[] = [];
  items.forEach((raw, index) => {
    try {
      apply(parse(raw));
    } catch (e) {
      failures.push({ index, message: (e as Error).message });
    }
  });
  if (failures.length === 0) return { status: 200 };
  return {
    status: 400,
    json: { code: 400, message: `${failures.length} of ${items.length} items were refused`, failures },
  };
}

function parseJson<T>(type: AnyType, raw: unknown, what: string): T {
  try {
    return type.fromJson(raw) as T;
  } catch (e) {
    throw new StandInRejection(`malformed ${what}: ${(e as Error).message}`);
  }
}

export function routes(chain: StandInChain): [string, RegExp, Handler][] {
  const config = chain.config;
  const meta = { execution_optimistic: false, finalized: false };
  const state = (id: string): CachedBeaconStateAllForks => {
    const s = chain.stateById(id);
    if (!s) throw new StandInRejection(`state ${id} not found`, 404);
    return s;
  };
  const versionOf = (req: Req, slot: number): string => {
    const fork = config.getForkName(slot);
    const header = req.headers["eth-consensus-version"];
    if (header !== undefined && header !== fork) {
      throw new StandInRejection(
        `Eth-Consensus-Version ${String(header)} does not match the ${fork} fork of slot ${slot}`,
      );
    }
    return fork;
  };
  const headerVersion = (req: Req): string => {
    const v = req.headers["eth-consensus-version"];
    if (typeof v !== "string" || !(v in ssz))
      throw new StandInRejection("the Eth-Consensus-Version header is required");
    return v;
  };
  const validators = (id: string, ids: string[], statuses: string[]) => {
    const s = state(id);
    const epoch = computeEpochAtSlot(s.slot);
    const all = s.validators.getAllReadonlyValues();
    const balances = s.balances.getAll();
    const wanted =
      ids.length === 0
        ? all.map((_, i) => i)
        : ids
            .map((x) => (x.startsWith("0x") ? s.epochCtx.pubkeyCache.getIndex(fromHex(x)) : Number(x)))
            .filter((i): i is number => i !== null && i >= 0 && i < all.length);
    return wanted
      .map((i) => ({ i, v: all[i] as phase0.Validator }))
      .map(({ i, v }) => ({
        index: String(i),
        balance: String(balances[i]),
        status: validatorStatus(v, epoch),
        validator: ssz.phase0.Validator.toJson(v),
      }))
      .filter(
        (x) => statuses.length === 0 || statuses.includes(x.status) || statuses.some((st) => x.status.startsWith(st)),
      );
  };
  const blockHeader = (id: string) => {
    const b = chain.blockById(id);
    if (!b) throw new StandInRejection(`block ${id} not found`, 404);
    const m = b.signed.message;
    const types = config.getForkTypes(m.slot);
    const header = {
      slot: m.slot,
      proposerIndex: m.proposerIndex,
      parentRoot: m.parentRoot,
      stateRoot: m.stateRoot,
      bodyRoot: types.BeaconBlockBody.hashTreeRoot(m.body),
    };
    return {
      ...meta,
      data: {
        root: toRootHex(b.root),
        canonical: true,
        header: { message: ssz.phase0.BeaconBlockHeader.toJson(header), signature: toHex(b.signed.signature) },
      },
    };
  };
  const publish = (signed: SignedBeaconBlock): Res => {
    chain.importBlock(signed);
    return { status: 200 };
  };

  return [
    [
      "GET",
      /^\/eth\/v1\/node\/version$/,
      () => ({ json: { data: { version: "Cohort-stand-in-beacon/0.1 (not a real client)" } } }),
    ],
    [
      "GET",
      /^\/eth\/v1\/node\/syncing$/,
      () => ({
        json: {
          data: {
            head_slot: String(chain.headBlock().signed.message.slot),
            sync_distance: "0",
            is_syncing: false,
            is_optimistic: false,
            el_offline: false,
          },
        },
      }),
    ],
    ["GET", /^\/eth\/v1\/node\/health$/, () => ({ status: 200 })],
    [
      "GET",
      /^\/eth\/v1\/config\/spec$/,
      () => ({ json: { data: { ...presetToJson(activePreset), ...chainConfigToJson(config) } } }),
    ],
    [
      "GET",
      /^\/eth\/v1\/config\/fork_schedule$/,
      () => ({
        json: {
          data: Object.values(config.forks)
            .filter((f) => Number.isFinite(f.epoch))
            .map((f) => ({
              previous_version: toHex(f.prevVersion),
              current_version: toHex(f.version),
              epoch: String(f.epoch),
            })),
        },
      }),
    ],
    [
      "GET",
      /^\/eth\/v1\/beacon\/genesis$/,
      () => ({
        json: {
          data: {
            genesis_time: String(chain.genesisTime),
            genesis_validators_root: toRootHex(chain.genesisValidatorsRoot),
            genesis_fork_version: toHex(config.GENESIS_FORK_VERSION),
          },
        },
      }),
    ],
    [
      "GET",
      /^\/eth\/v1\/beacon\/states\/([^/]+)\/root$/,
      (_r, m) => ({ json: { ...meta, data: { root: toRootHex(state(m[1] as string).hashTreeRoot()) } } }),
    ],
    [
      "GET",
      /^\/eth\/v1\/beacon\/states\/([^/]+)\/fork$/,
      (_r, m) => ({ json: { ...meta, data: ssz.phase0.Fork.toJson(state(m[1] as string).fork.toValue()) } }),
    ],
    [
      "GET",
      /^\/eth\/v1\/beacon\/states\/([^/]+)\/finality_checkpoints$/,
      (_r, m) => {
        const s = state(m[1] as string);
        const cp = (c: phase0.Checkpoint) => ssz.phase0.Checkpoint.toJson(c);
        return {
          json: {
            ...meta,
            data: {
              previous_justified: cp(s.previousJustifiedCheckpoint.toValue()),
              current_justified: cp(s.currentJustifiedCheckpoint.toValue()),
              finalized: cp(s.finalizedCheckpoint.toValue()),
            },
          },
        };
      },
    ],
    [
      "GET",
      /^\/eth\/v1\/beacon\/states\/([^/]+)\/validators$/,
      (req, m) => ({
        json: {
          ...meta,
          data: validators(
            m[1] as string,
            req.query.getAll("id").flatMap((x) => x.split(",")),
            req.query.getAll("status").flatMap((x) => x.split(",")),
          ),
        },
      }),
    ],
    [
      "POST",
      /^\/eth\/v1\/beacon\/states\/([^/]+)\/validators$/,
      (req, m) => {
        const body = req.body.length ? jsonBody<{ ids?: string[]; statuses?: string[] }>(req) : {};
        return { json: { ...meta, data: validators(m[1] as string, body.ids ?? [], body.statuses ?? []) } };
      },
    ],
    [
      "GET",
      /^\/eth\/v1\/beacon\/states\/([^/]+)\/validator_balances$/,
      (req, m) => ({
        json: {
          ...meta,
          data: validators(
            m[1] as string,
            req.query.getAll("id").flatMap((x) => x.split(",")),
            [],
          ).map((v) => ({
            index: v.index,
            balance: v.balance,
          })),
        },
      }),
    ],
    [
      "POST",
      /^\/eth\/v1\/beacon\/states\/([^/]+)\/validator_balances$/,
      (req, m) => ({
        json: {
          ...meta,
          data: validators(m[1] as string, req.body.length ? jsonBody<string[]>(req).map(String) : [], []).map((v) => ({
            index: v.index,
            balance: v.balance,
          })),
        },
      }),
    ],
    [
      "GET",
      /^\/eth\/v1\/beacon\/headers$/,
      (req) => {
        const slot = req.query.get("slot");
        const b = slot === null ? chain.headBlock() : chain.blockById(String(uint(slot, "slot")));
        return { json: { ...meta, data: b ? [blockHeader(toRootHex(b.root)).data] : [] } };
      },
    ],
    ["GET", /^\/eth\/v1\/beacon\/headers\/([^/]+)$/, (_r, m) => ({ json: blockHeader(m[1] as string) })],
    [
      "GET",
      /^\/eth\/v1\/beacon\/blocks\/([^/]+)\/root$/,
      (_r, m) => {
        const b = chain.blockById(m[1] as string);
        if (!b) throw new StandInRejection(`block ${m[1]} not found`, 404);
        return { json: { ...meta, data: { root: toRootHex(b.root) } } };
      },
    ],
    [
      "GET",
      /^\/eth\/v2\/beacon\/blocks\/([^/]+)$/,
      (req, m) => {
        const b = chain.blockById(m[1] as string);
        if (!b) throw new StandInRejection(`block ${m[1]} not found`, 404);
        const fork = config.getForkName(b.signed.message.slot);
        const type = forkTypes(fork)["SignedBeaconBlock"];
        const headers = { "Eth-Consensus-Version": fork };
        if (req.headers.accept?.includes(SSZ)) return { ssz: type.serialize(b.signed), headers };
        return { headers, json: { version: fork, ...meta, data: type.toJson(b.signed) } };
      },
    ],
    [
      "POST",
      /^\/eth\/v1\/validator\/duties\/attester\/(\d+)$/,
      (req, m) => {
        const epoch = uint(m[1] as string, "epoch");
        if (epoch > computeEpochAtSlot(chain.currentSlot()) + 1) {
          throw new StandInRejection(`attester duties are known up to the next epoch, not ${epoch}`);
        }
        const s = chain.shufflingState(epoch);
        const indices = indicesOf(jsonBody(req));
        const count = s.epochCtx.getCommitteeCountPerSlot(epoch);
        const duties = s.epochCtx.getCommitteeAssignments(epoch, indices);
        const data = [...duties.entries()].map(([index, d]) => ({
          pubkey: toHex(s.validators.getReadonly(index).pubkey),
          validator_index: String(index),
          committee_index: String(d.committeeIndex),
          committee_length: String(d.committeeLength),
          committees_at_slot: String(count),
          validator_committee_index: String(d.validatorCommitteeIndex),
          slot: String(d.slot),
        }));
        const dependentRoot = chain.blockRootAtOrBefore(computeStartSlotAtEpoch(epoch - 1) - 1);
        return { json: { dependent_root: toRootHex(dependentRoot), execution_optimistic: false, data } };
      },
    ],
    [
      "GET",
      /^\/eth\/v([12])\/validator\/duties\/proposer\/(\d+)$/,
      (_r, m) => {
        const epoch = uint(m[2] as string, "epoch");
        const current = computeEpochAtSlot(chain.currentSlot());
        if (epoch > current + 1)
          throw new StandInRejection(`proposer duties are known up to the next epoch, not ${epoch}`);
        const start = computeStartSlotAtEpoch(epoch);
        const s = chain.stateAtSlot(Math.max(start, chain.headState().slot));
        if (computeEpochAtSlot(s.slot) !== epoch) {
          throw new StandInRejection(
            `epoch ${epoch} is behind the head; proposer duties are served for current epochs`,
          );
        }
        const data = s.epochCtx.getBeaconProposers().map((index, i) => ({
          pubkey: toHex(s.validators.getReadonly(index).pubkey),
          validator_index: String(index),
          slot: String(start + i),
        }));
        return {
          json: {
            // v2 (Fulu's proposer lookahead, EIP-7917): duties are fixed one epoch earlier.
            dependent_root: toRootHex(
              chain.blockRootAtOrBefore(m[1] === "2" ? computeStartSlotAtEpoch(epoch - 1) - 1 : start - 1),
            ),
            execution_optimistic: false,
            data,
          },
        };
      },
    ],
    [
      "POST",
      /^\/eth\/v1\/validator\/duties\/sync\/(\d+)$/,
      (req, m) => {
        const epoch = uint(m[1] as string, "epoch");
        const committee = chain.syncCommittee(epoch);
        const s = chain.headState();
        const data = indicesOf(jsonBody(req))
          .map((index) => ({
            index,
            positions: [...committee].flatMap((v, pos) => (v === index ? [String(pos)] : [])),
          }))
          .filter((d) => d.positions.length > 0)
          .map((d) => ({
            pubkey: toHex(s.validators.getReadonly(d.index).pubkey),
            validator_index: String(d.index),
            validator_sync_committee_indices: d.positions,
          }));
        return { json: { execution_optimistic: false, data } };
      },
    ],
    [
      "GET",
      /^\/eth\/v1\/validator\/attestation_data$/,
      (req) => {
        const data = chain.produceAttestationData(
          uint(param(req, "slot"), "slot"),
          uint(param(req, "committee_index"), "committee_index"),
        );
        return { json: { data: ssz.phase0.AttestationData.toJson(data) } };
      },
    ],
    [
      "GET",
      /^\/eth\/v2\/validator\/aggregate_attestation$/,
      (req) => {
        const slot = uint(param(req, "slot"), "slot");
        const att = chain.aggregateAttestation(
          fromHex(param(req, "attestation_data_root")),
          slot,
          uint(param(req, "committee_index"), "committee_index"),
        );
        if (!att) throw new StandInRejection("no attestation with this data root and committee in the pool", 404);
        const fork = config.getForkName(slot);
        return {
          headers: { "Eth-Consensus-Version": fork },
          json: { version: fork, data: ssz.electra.Attestation.toJson(att) },
        };
      },
    ],
    [
      "POST",
      /^\/eth\/v2\/validator\/aggregate_and_proofs$/,
      (req) => {
        const fork = headerVersion(req);
        return eachItem(
          jsonBody(req),
          (raw) => parseJson(forkTypes(fork)["SignedAggregateAndProof"], raw, "SignedAggregateAndProof"),
          (item: AnyType) => {
            versionOf(req, item.message.aggregate.data.slot);
            chain.submitAggregateAndProof(item);
          },
        );
      },
    ],
    [
      "POST",
      /^\/eth\/v2\/beacon\/pool\/attestations$/,
      (req) => {
        const fork = headerVersion(req);
        return eachItem(
          jsonBody(req),
          (raw) => parseJson(ssz.electra.SingleAttestation, raw, "SingleAttestation"),
          (item: AnyType) => {
            versionOf(req, item.data.slot);
            if (fork !== config.getForkName(item.data.slot)) throw new StandInRejection("fork mismatch");
            chain.submitSingleAttestation(item);
          },
        );
      },
    ],
    [
      "GET",
      /^\/eth\/v3\/validator\/blocks\/(\d+)$/,
      async (req, m) => {
        const slot = uint(m[1] as string, "slot");
        const fork = config.getForkName(slot);
        const proposer = chain.stateAtSlot(Math.max(slot, chain.headState().slot)).epochCtx.getBeaconProposer(slot);
        const pubkey = chain.headState().validators.getReadonly(proposer).pubkey;
        const blinded = req.query.get("builder_boost_factor") !== "0" && chain.registration(pubkey) !== undefined;
        if (blinded && chain.builderDelayMs > 0) await new Promise((r) => setTimeout(r, chain.builderDelayMs));
        const graffiti = req.query.get("graffiti");
        const produced = chain.produceBlock(
          slot,
          fromHex(param(req, "randao_reveal")),
          graffiti ? fromHex(graffiti) : new Uint8Array(32),
          blinded,
        );
        const types = forkTypes(fork);
        const data = blinded
          ? { type: types["BlindedBeaconBlock"], value: produced.blinded }
          : { type: types["BlockContents"], value: { block: produced.block, kzgProofs: [], blobs: [] } };
        const headers = {
          "Eth-Consensus-Version": fork,
          "Eth-Execution-Payload-Blinded": String(blinded),
          "Eth-Execution-Payload-Value": "0",
          "Eth-Consensus-Block-Value": "0",
        };
        if (req.headers.accept?.includes(SSZ)) return { headers, ssz: data.type.serialize(data.value) };
        return {
          headers,
          json: {
            version: fork,
            execution_payload_blinded: blinded,
            execution_payload_value: "0",
            consensus_block_value: "0",
            data: data.type.toJson(data.value),
          },
        };
      },
    ],
    [
      "POST",
      /^\/eth\/v2\/beacon\/blocks$/,
      (req) => {
        const fork = headerVersion(req);
        const type = forkTypes(fork)["SignedBlockContents"];
        const contents =
          req.headers["content-type"] === SSZ
            ? (() => {
                try {
                  return type.deserialize(req.body);
                } catch (e) {
                  throw new StandInRejection(`malformed SSZ SignedBlockContents: ${(e as Error).message}`);
                }
              })()
            : parseJson<AnyType>(type, jsonBody(req), "SignedBlockContents");
        versionOf(req, contents.signedBlock.message.slot);
        if (contents.blobs.length !== contents.signedBlock.message.body.blobKzgCommitments.length) {
          throw new StandInRejection("the number of blobs does not match the block's KZG commitments");
        }
        return publish(contents.signedBlock);
      },
    ],
    [
      "POST",
      /^\/eth\/v2\/beacon\/blinded_blocks$/,
      (req) => {
        const fork = headerVersion(req);
        const type = forkTypes(fork)["SignedBlindedBeaconBlock"];
        const signed =
          req.headers["content-type"] === SSZ
            ? type.deserialize(req.body)
            : parseJson<AnyType>(type, jsonBody(req), "SignedBlindedBeaconBlock");
        versionOf(req, signed.message.slot);
        return publish(chain.unblind(signed));
      },
    ],
    [
      "POST",
      /^\/eth\/v1\/validator\/prepare_beacon_proposer$/,
      (req) =>
        eachItem(
          jsonBody(req),
          (raw) => raw as { validator_index: string; fee_recipient: string },
          (p) => {
            if (!/^0x[0-9a-fA-F]{40}$/.test(p.fee_recipient))
              throw new StandInRejection("fee_recipient must be 20 bytes hex");
            chain.prepareProposer(uint(p.validator_index, "validator_index"), fromHex(p.fee_recipient));
          },
        ),
    ],
    [
      "POST",
      /^\/eth\/v1\/validator\/register_validator$/,
      (req) =>
        eachItem(
          jsonBody(req),
          (raw) => parseJson(ssz.bellatrix.SignedValidatorRegistrationV1, raw, "SignedValidatorRegistrationV1"),
          (item: AnyType) => chain.registerValidator(item),
        ),
    ],
    [
      "POST",
      /^\/eth\/v1\/beacon\/pool\/sync_committees$/,
      (req) =>
        eachItem(
          jsonBody(req),
          (raw) => parseJson(ssz.altair.SyncCommitteeMessage, raw, "SyncCommitteeMessage"),
          (item: AnyType) => chain.submitSyncMessage(item),
        ),
    ],
    [
      "GET",
      /^\/eth\/v1\/validator\/sync_committee_contribution$/,
      (req) => ({
        json: {
          data: ssz.altair.SyncCommitteeContribution.toJson(
            chain.produceContribution(
              uint(param(req, "slot"), "slot"),
              uint(param(req, "subcommittee_index"), "subcommittee_index"),
              fromHex(param(req, "beacon_block_root")),
            ),
          ),
        },
      }),
    ],
    [
      "POST",
      /^\/eth\/v1\/validator\/contribution_and_proofs$/,
      (req) =>
        eachItem(
          jsonBody(req),
          (raw) => parseJson(ssz.altair.SignedContributionAndProof, raw, "SignedContributionAndProof"),
          (item: AnyType) => chain.submitContributionAndProof(item),
        ),
    ],
    [
      "POST",
      /^\/eth\/v1\/validator\/(beacon_committee|sync_committee)_subscriptions$/,
      () => ({ status: 200 }), // a single node has no subnets to join
    ],
    [
      "POST",
      /^\/eth\/v1\/validator\/liveness\/(\d+)$/,
      (req, m) => {
        const epoch = uint(m[1] as string, "epoch");
        const data = indicesOf(jsonBody(req)).map((i) => ({ index: String(i), is_live: chain.isLive(epoch, i) }));
        return { json: { data } };
      },
    ],
    [
      "POST",
      /^\/eth\/v1\/beacon\/pool\/voluntary_exits$/,
      (req) => {
        chain.submitVoluntaryExit(parseJson(ssz.phase0.SignedVoluntaryExit, jsonBody(req), "SignedVoluntaryExit"));
        return { status: 200 };
      },
    ],
  ];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new StandInRejection(`request body exceeds ${MAX_BODY_BYTES} bytes`, 413));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, out: Res): void {
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  res.statusCode = out.status ?? 200;
  if (out.ssz) {
    res.setHeader("Content-Type", SSZ);
    res.end(Buffer.from(out.ssz));
  } else if (out.json !== undefined) {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(out.json));
  } else res.end();
}

export function createApiServer(chain: StandInChain, log: (line: string) => void): Server {
  const table = routes(chain);
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    void (async () => {
      try {
        const body = await readBody(req);
        const r: Req = {
          method: req.method ?? "GET",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
        };
        for (const [method, re, handler] of table) {
          const m = r.path.match(re);
          if (m && method === r.method) return send(res, await handler(r, m));
        }
        send(res, {
          status: 404,
          json: { code: 404, message: `no route ${r.method} ${r.path} on the stand-in beacon` },
        });
      } catch (e) {
        const status = e instanceof StandInRejection ? e.status : 500;
        if (status === 500) log(`stand-in beacon: ${req.method} ${url.pathname} failed: ${(e as Error).stack}`);
        send(res, { status, json: { code: status, message: (e as Error).message } });
      }
    })();
  });
}
