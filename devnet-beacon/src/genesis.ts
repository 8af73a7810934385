/**
 * Interop genesis for the stand-in beacon chain: validators 0..n-1 with `interopSecretKey(i)`, 32 ETH each, BLS
 * withdrawal credentials, deposited through real spec deposit processing (Merkle proofs and deposit signatures are
 * checked by `initializeBeaconStateFromEth1`), and every fork up to the chosen one active from epoch 0.
 */
import { Tree } from "@chainsafe/persistent-merkle-tree";
import { type ChainConfig, type ChainForkConfig, createChainForkConfig } from "@lodestar/config";
import { config as minimalChainConfig } from "@lodestar/config/default";
import {
  BLS_WITHDRAWAL_PREFIX,
  DOMAIN_DEPOSIT,
  ForkSeq,
  GENESIS_SLOT,
  MAX_EFFECTIVE_BALANCE,
  MIN_SEED_LOOKAHEAD,
  ZERO_HASH,
} from "@lodestar/params";
import {
  type BeaconStateAllForks,
  type CachedBeaconStateAllForks,
  computeDomain,
  computeEpochShuffling,
  computeProposerIndices,
  computeSigningRoot,
  createCachedBeaconState,
  createEmptyEpochCacheImmutableData,
  getActiveValidatorIndices,
  initializeBeaconStateFromEth1,
  interopSecretKey,
} from "@lodestar/state-transition";
import { type phase0, ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";

export type StandInFork = "electra" | "fulu";

/** The genesis execution block hash of the engine mock; payload block hashes chain from it. */
export const GENESIS_BLOCK_HASH = new Uint8Array(32).fill(0x0b);
const GENESIS_GAS_LIMIT = 30_000_000;
const GENESIS_BASE_FEE = 1_000_000_000n;

export function standInChainConfig(
  fork: StandInFork,
  slotSeconds: number,
  overrides: Partial<ChainConfig> = {},
): ChainForkConfig {
  return createChainForkConfig({
    ...minimalChainConfig,
    CONFIG_NAME: `stand-in-${fork}`,
    PRESET_BASE: minimalChainConfig.PRESET_BASE,
    SECONDS_PER_SLOT: slotSeconds,
    SLOT_DURATION_MS: slotSeconds * 1000,
    ALTAIR_FORK_EPOCH: 0,
    BELLATRIX_FORK_EPOCH: 0,
    CAPELLA_FORK_EPOCH: 0,
    DENEB_FORK_EPOCH: 0,
    ELECTRA_FORK_EPOCH: 0,
    FULU_FORK_EPOCH: fork === "fulu" ? 0 : Number.POSITIVE_INFINITY,
    GLOAS_FORK_EPOCH: Number.POSITIVE_INFINITY,
    HEZE_FORK_EPOCH: Number.POSITIVE_INFINITY,
    ...overrides,
  } as ChainConfig);
}

/** Deposits of interop validators 0..count-1, each with its proof against the deposit tree of deposits 0..i. */
export function interopDeposits(config: ChainForkConfig, count: number): phase0.Deposit[] {
  const domain = computeDomain(DOMAIN_DEPOSIT, config.GENESIS_FORK_VERSION, ZERO_HASH);
  const roots = ssz.phase0.DepositDataRootList.defaultViewDU();
  const deposits: phase0.Deposit[] = [];
  for (let i = 0; i < count; i++) {
    const sk = interopSecretKey(i);
    const pubkey = sk.toPublicKey().toBytes();
    const withdrawalCredentials = sha256(pubkey);
    withdrawalCredentials[0] = BLS_WITHDRAWAL_PREFIX;
    const message = { pubkey, withdrawalCredentials, amount: MAX_EFFECTIVE_BALANCE };
    const signature = sk.sign(computeSigningRoot(ssz.phase0.DepositMessage, message, domain)).toBytes();
    const data = { ...message, signature };
    roots.push(ssz.phase0.DepositData.hashTreeRoot(data));
    roots.commit();
    const proof = new Tree(roots.node).getSingleProof(ssz.phase0.DepositDataRootList.getPropertyGindex(i) as bigint);
    deposits.push({ proof, data });
  }
  return deposits;
}

export function interopGenesisState(
  config: ChainForkConfig,
  validatorCount: number,
  genesisTime: number,
): CachedBeaconStateAllForks {
  const header = config.getPostBellatrixForkTypes(GENESIS_SLOT).ExecutionPayloadHeader.defaultViewDU();
  header.blockHash = GENESIS_BLOCK_HASH;
  header.prevRandao = GENESIS_BLOCK_HASH;
  header.timestamp = genesisTime;
  header.gasLimit = GENESIS_GAS_LIMIT;
  header.baseFeePerGas = GENESIS_BASE_FEE;
  const built = initializeBeaconStateFromEth1(
    config,
    createEmptyEpochCacheImmutableData(config, { genesisValidatorsRoot: ZERO_HASH }),
    GENESIS_BLOCK_HASH,
    genesisTime,
    interopDeposits(config, validatorCount),
    undefined,
    header,
  );
  built.genesisTime = genesisTime;
  built.commit();
  // The epoch cache above was built before the validators root existed; a fresh one carries the real domain.
  const fresh = built.type.deserializeToViewDU(built.serialize()) as BeaconStateAllForks;
  const cached = createCachedBeaconState(fresh, createEmptyEpochCacheImmutableData(config, fresh));
  if (config.getForkSeq(GENESIS_SLOT) < ForkSeq.fulu) return cached;
  // A Fulu genesis carries the proposer lookahead of its first two epochs (EIP-7917, the spec's
  // initialize_beacon_state_from_eth1); the genesis helper leaves it zero, which made validator 0 the proposer of
  // every slot of epochs 0 and 1.
  const lookahead: number[] = [];
  for (let epoch = 0; epoch <= MIN_SEED_LOOKAHEAD; epoch++) {
    const shuffling = computeEpochShuffling(cached, getActiveValidatorIndices(cached, epoch), epoch);
    lookahead.push(...computeProposerIndices(ForkSeq.fulu, cached, shuffling, epoch));
  }
  const withLookahead = cached.clone() as unknown as { proposerLookahead: unknown } & BeaconStateAllForks;
  withLookahead.proposerLookahead = ssz.fulu.ProposerLookahead.toViewDU(lookahead);
  withLookahead.commit();
  const final = withLookahead.type.deserializeToViewDU(withLookahead.serialize()) as BeaconStateAllForks;
  return createCachedBeaconState(final, createEmptyEpochCacheImmutableData(config, final));
}
