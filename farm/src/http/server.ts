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
}

export function createFarmServer(deps: FarmServerDeps): http.Server {
  return http.createServer((req, res) => {
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    handle(deps, req, res).catch((err) => sendError(res, err, requestId));
  });
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
    sendJson(res, up ? 200 : 503, { ok: up, db: up ? "up" : "down" });
    return;
  }
  throw new ApiError("not_found", `no route for ${req.method} ${path}`);
}
