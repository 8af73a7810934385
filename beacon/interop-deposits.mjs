#!/usr/bin/env node
// Prints, as JSON on stdout, the deposits from which `lodestar dev` builds its genesis (interop validators 0..N-1) and
// the genesis eth1Data those deposits give, computed by this folder's Lodestar 1.5.1 itself: its `initDevState` with
// the config its dev command builds. The devnet replays these deposits into the deposit contract on anvil so that the
// contract's deposit root is the genesis's, byte for byte; the workspaces' @lodestar packages (1.46) are another
// implementation and another ssz, so they must not recompute them.
// usage: LODESTAR_PRESET=minimal node interop-deposits.mjs [count=8]   (the preset is read when Lodestar loads)
if (process.env.LODESTAR_PRESET !== "minimal") {
  console.error("interop-deposits: run with LODESTAR_PRESET=minimal (the dev chain's preset)");
  process.exit(2);
}
const count = Number(process.argv[2] ?? 8);
if (!Number.isInteger(count) || count < 1) {
  console.error(`interop-deposits: the validator count must be a positive integer, not ${process.argv[2]}`);
  process.exit(2);
}

const { createIChainForkConfig } = await import("@lodestar/config");
const { minimalChainConfig } = await import("@lodestar/config/presets");
// Loaded by path (outside the package's exports): the function `lodestar dev` builds its genesis with
// (`nodeUtils.initDevState`), without loading the rest of the beacon node.
const { initDevState } = await import(
  new URL("./node_modules/@lodestar/beacon-node/lib/node/utils/state.js", import.meta.url).href
);
const { ssz } = await import("@lodestar/types");

// `lodestar dev`'s network config under the minimal preset (cli/lib/networks/dev.js). The CLI params the devnet adds
// (forks, eth1, slot time) do not enter a deposit (its domain uses GENESIS_FORK_VERSION only) nor eth1Data.
const config = createIChainForkConfig(minimalChainConfig);
// The dev command's own defaults (cmds/dev/handler.js): genesis time does not enter eth1Data, the block hash does.
const { deposits, state } = initDevState(config, count, {
  genesisTime: 0,
  eth1BlockHash: Buffer.alloc(32, 0x0b),
});
const hex = (bytes) => `0x${Buffer.from(bytes).toString("hex")}`;
process.stdout.write(
  `${JSON.stringify({
    genesisForkVersion: hex(config.GENESIS_FORK_VERSION),
    deposits: deposits.map(({ data }) => ({
      pubkey: hex(data.pubkey),
      withdrawalCredentials: hex(data.withdrawalCredentials),
      amountGwei: String(data.amount),
      signature: hex(data.signature),
      depositDataRoot: hex(ssz.phase0.DepositData.hashTreeRoot(data)),
    })),
    eth1Data: {
      depositRoot: hex(state.eth1Data.depositRoot),
      depositCount: state.eth1Data.depositCount,
      blockHash: hex(state.eth1Data.blockHash),
    },
  })}\n`,
);
