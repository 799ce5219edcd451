/**
 * The farm's HTTP surface: `/healthz`, and the tus endpoint at `/files/`.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { pingDb } from "../db/pool.ts";
import type { TusService } from "../uploads/tus-server.ts";
import { sendError, sendJson } from "./json.ts";

export interface FarmServerDeps {
  config: FarmConfig;
  db: pg.Pool;
  tus?: Pick<TusService, "handle">;
  /** Whether upload locking works (its database session is up); reported by /healthz. */
  lockingUp?: () => boolean;
}

export function createFarmServer(deps: FarmServerDeps): http.Server {
  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    // What tus hooks see (their Request is built from the raw headers), for errors and logs.
    req.headers["x-request-id"] = requestId;
    req.rawHeaders.push("x-request-id", requestId);
    handle(deps, req, res).catch((err) => sendError(res, err, requestId));
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
  throw new ApiError("not_found", `no route for ${req.method} ${path}`);
}
