/** Distributed key generation for mini-pools: the API the node's wiring uses. */
export {
  type Adversary,
  type DkgConfig,
  DkgConfigError,
  type DkgFailure,
  type DkgResult,
  type DkgSuccess,
  type Refusal,
  runDkg,
} from "./ceremony.js";
export { type CeremonyId, DKG_MAX_FRAME_BYTES, DkgCodecError } from "./codec.js";
export { type DkgInbox, inboxOf, openDkgChannel } from "./inbox.js";
export { DkgShare, type SealContext, type SealedDkgShare, ShareZeroizedError, sealDkgShare } from "./share.js";
export type { Blame, DkgFault } from "./verdict.js";
