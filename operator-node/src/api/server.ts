import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { NodeMetrics } from "./metrics.js";
import type { StatusBook } from "./status.js";

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/**
 * GET /health, /metrics (Prometheus text format) and /status (JSON for the dapp). Read-only and bound to loopback
 * by default: an operator exposes it deliberately (reverse proxy, scrape config), never by accident.
 */
export async function startApi(
  metrics: NodeMetrics,
  status: StatusBook,
  {
    host = "127.0.0.1",
    port = 0,
    healthy = () => true,
  }: { host?: string; port?: number; healthy?: () => boolean } = {},
): Promise<ApiServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
      return;
    }
    if (path === "/health") {
      const ok = healthy();
      res
        .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ status: ok ? "ok" : "degraded" }));
    } else if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (path === "/status") {
      // The dapp reads this cross-origin; it holds public facts only.
      res
        .writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" })
        .end(JSON.stringify(status.snapshot()));
    } else {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ error: "not found: try /health, /metrics or /status" }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
