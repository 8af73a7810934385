/**
 * This machine's clock against a server's, from the HTTP `Date` header. The header has whole seconds only, but each
 * response still bounds the offset: the server read a time in [D, D+1) s at some local instant between sending the
 * request (s) and receiving the answer (r), so offset = server − local lies in (D·1000 − r, (D+1)·1000 − s). The
 * bounds of several responses are intersected; once one answer shows the next second (the server's tick), the window
 * is about one round trip plus the spacing wide, a few tens of milliseconds over a LAN. A slow server only widens it.
 */

export interface ClockOffset {
  /** Server clock minus local clock, ms (positive: this machine is behind). */
  readonly offsetMs: number;
  /** Half the window's width: the true offset is within offsetMs ± uncertaintyMs. */
  readonly uncertaintyMs: number;
}

export class ClockProbeError extends Error {
  override readonly name = "ClockProbeError";
}

export async function measureClockOffset(
  url: string,
  { spacingMs = 20, maxMs = 4000, targetUncertaintyMs = 50 } = {},
): Promise<ClockOffset> {
  const deadline = performance.now() + maxMs;
  let low = Number.NEGATIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  do {
    const sentAt = Date.now();
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const receivedAt = Date.now();
    await res.arrayBuffer();
    const header = res.headers.get("date");
    const serverMs = header ? Date.parse(header) : Number.NaN;
    if (Number.isNaN(serverMs)) throw new ClockProbeError(`${url} sends no Date header to compare the clock with`);
    low = Math.max(low, serverMs - receivedAt);
    high = Math.min(high, serverMs + 1000 - sentAt);
    if (low > high)
      throw new ClockProbeError(`the Date header of ${url} went backwards; is the server's clock being set?`);
    if ((high - low) / 2 <= targetUncertaintyMs) break;
    await new Promise((resolve) => setTimeout(resolve, spacingMs));
  } while (performance.now() < deadline);
  return { offsetMs: Math.round((low + high) / 2), uncertaintyMs: Math.ceil((high - low) / 2) };
}
