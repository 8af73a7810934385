import { useEffect, useState } from "react";

/** performance.now(), re-rendered every `ms` while `active`: drives the estimated progress bars. */
export function useNow(active: boolean, ms = 100): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(performance.now()), ms);
    return () => clearInterval(t);
  }, [active, ms]);
  return now;
}
