/**
 * This machine's clock against a server's, from the HTTP `Date` header. The header has whole seconds only, so one
 * response bounds the offset to about a second: instead the server is asked repeatedly until its `Date` ticks over,
 * and that tick (a known server instant, x.000 s) is placed between the local send time of the last response before
 * it and the local receive time of the first after it. Over a LAN the bound is a few tens of milliseconds.
 */

export interface ClockOffset {
  /** Server clock minus local clock, ms (positive: this machine is behind). */
  readonly offsetMs: number;
  /** Half the width of the window the tick fell in: the true offset is within offsetMs ± uncertaintyMs. */
  readonly uncertaintyMs: number;
}

export class ClockProbeError extends Error {
  override readonly name = "ClockProbeError";
}

export async function measureClockOffset(url: string, { spacingMs = 20, maxMs = 2500 } = {}): Promise<ClockOffset> {
  const deadline = performance.now() + maxMs;
  let previous: { sentAt: number; second: number } | undefined;
  while (performance.now() < deadline) {
    const sentAt = Date.now();
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const receivedAt = Date.now();
    await res.arrayBuffer();
    const header = res.headers.get("date");
    const parsed = header ? Date.parse(header) : Number.NaN;
    if (Number.isNaN(parsed)) throw new ClockProbeError(`${url} sends no Date header to compare the clock with`);
    const second = parsed / 1000;
    if (previous && second === previous.second + 1) {
      // The server's clock read second*1000 exactly at some local instant in [previous.sentAt, receivedAt].
      const low = previous.sentAt;
      const high = receivedAt;
      const tickLocal = (low + high) / 2;
      return { offsetMs: Math.round(second * 1000 - tickLocal), uncertaintyMs: Math.ceil((high - low) / 2) };
    }
    previous = { sentAt, second };
    await new Promise((resolve) => setTimeout(resolve, spacingMs));
  }
  throw new ClockProbeError(
    `the Date header of ${url} did not tick within ${maxMs} ms; is the server's clock stopped?`,
  );
}
