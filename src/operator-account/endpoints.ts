/**
 * Client-side checks of the multiaddrs an operator publishes, one per line. The registry only bounds their count and
 * size (at most 4, each 1..128 bytes: InvalidEndpoints); nodes dial `/ip4/<address>/tcp/<port>` and
 * `/dns4/<host>/tcp/<port>`, so anything else is refused here before the wallet opens, with the line that is wrong.
 */
export const MAX_ENDPOINTS = 4;
export const MAX_ENDPOINT_BYTES = 128;

const IP4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function checkEndpoint(line: string): string | undefined {
  const bytes = new TextEncoder().encode(line).length;
  if (bytes > MAX_ENDPOINT_BYTES) return `“${line.slice(0, 24)}…” has ${bytes} bytes; the registry takes at most 128.`;
  const parts = line.split("/");
  const [empty, proto, host, tcp, port, ...rest] = parts;
  const shape = `“${line}” is not a node address: use /ip4/<address>/tcp/<port> or /dns4/<host name>/tcp/<port>.`;
  if (empty !== "" || tcp !== "tcp" || port === undefined || rest.length > 0) return shape;
  if (proto === "ip4") {
    if (!IP4.test(host ?? "")) return `“${host}” in “${line}” is not an IPv4 address (four numbers 0-255).`;
  } else if (proto === "dns4") {
    if (!DNS.test(host ?? "")) return `“${host}” in “${line}” is not a host name.`;
  } else {
    return shape;
  }
  const n = /^\d{1,5}$/.test(port) ? Number(port) : 0;
  if (n < 1 || n > 65_535) return `Port “${port}” in “${line}” must be a number from 1 to 65535.`;
  return undefined;
}

/** One multiaddr per line; blank lines are ignored, duplicates dropped. An empty list is allowed (peers then need `peers`). */
export function parseEndpoints(text: string): { value: string[] } | { error: string } {
  const lines = [
    ...new Set(
      text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  if (lines.length > MAX_ENDPOINTS) return { error: `At most ${MAX_ENDPOINTS} addresses; this has ${lines.length}.` };
  for (const line of lines) {
    const error = checkEndpoint(line);
    if (error) return { error };
  }
  return { value: lines };
}
