/**
 * Blocks of fees every suggested deposit covers on top of the collateral floor: the blocks until the transaction lands
 * (wallet confirmation, inclusion) plus a margin, so a registration or a move does not fail InsufficientCollateral
 * because the committee kept paying meanwhile. 100 blocks ≈ 20 min at 12 s. The amount itself comes from the
 * registry's `topUpNeeded` view; this is the one place the dapp chooses the margin.
 */
export const TOP_UP_HEADROOM_BLOCKS = 100n;
