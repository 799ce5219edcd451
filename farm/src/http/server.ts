/**
 * The farm's HTTP surface: `/healthz`, `/metrics` (Prometheus), and the tus endpoint at
 * `/files/`. Every request is logged once, when its connection is done with it.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { Logger } from "../../../shared/logging/logger.ts";
import { pingDb } from "../db/pool.ts";
import type { TusService } from "../uploads/tus-server.ts";
import { sendError, sendJson } from "./json.ts";

export interface FarmServerDeps {
  config: FarmConfig;
  db: pg.Pool;
  tus?: Pick<TusService, "handle">;
  /** Whether upload locking works (its database session is up); reported by /healthz. */
  lockingUp?: () => boolean;
  logger?: Logger;
  /** Serves GET /metrics (farm/src/metrics/farm-metrics.ts). */
  metrics?: { render(): Promise<{ contentType: string; body: string }> };
}

/** Probes and scrapes come every few seconds: logged at debug, not info. */
const QUIET_PATHS = new Set(["/healthz", "/metrics"]);

export function createFarmServer(deps: FarmServerDeps): http.Server {
  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    // What tus hooks see (their Request is built from the raw headers), for errors and logs.
    req.headers["x-request-id"] = requestId;
    req.rawHeaders.push("x-request-id", requestId);
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    res.once("close", () => {
      const status = res.statusCode;
      const level = status >= 500 ? "error" : QUIET_PATHS.has(path) ? "debug" : "info";
      deps.logger?.log(level, "request", {
        requestId,
        method: req.method,
        path,
        status,
        durationMs: Math.round(performance.now() - started),
        // The connection closed before the whole answer was sent (client gone, idle timeout).
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    });
    handle(deps, req, res).catch((err) => sendError(res, err, requestId, deps.logger));
  });
  // A tus PATCH streams a whole file: a 2 GB file at 5 MB/s takes 7 minutes, a 20 GB one
  // over an hour. So no total limit (Node's default requestTimeout is 300 s); instead a
  // socket that carries no byte for UPLOAD_IDLE_TIMEOUT_MS is closed (tus clients resume).
  server.requestTimeout = 0;
  server.timeout = deps.config.UPLOAD_IDLE_TIMEOUT_MS;
  return server;
}

async function handle(deps: FarmServerDeps, req: http.IncomingMessage, res: http.ServerResponse) {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (deps.tus && (path === "/files" || path.startsWith("/files/"))) {
    await deps.tus.handle(req, res);
    return;
  }
  if (path === "/healthz") {
    if (req.method !== "GET" && req.method !== "HEAD") throw new ApiError("method_not_allowed", "use GET");
    const up = await pingDb(deps.db, deps.config.DB_TIMEOUT_MS);
    const locking = deps.lockingUp === undefined || deps.lockingUp();
    const ok = up && locking;
    sendJson(res, ok ? 200 : 503, { ok, db: up ? "up" : "down", locking: locking ? "up" : "down" });
    return;
  }
  if (path === "/metrics" && deps.metrics) {
    if (req.method !== "GET") throw new ApiError("method_not_allowed", "use GET");
    const { contentType, body } = await deps.metrics.render();
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    res.end(body);
    return;
  }
  throw new ApiError("not_found", `no route for ${req.method} ${path}`);
}
