/**
 * The farm's HTTP surface: `/healthz` now; the tus endpoint (`/files/`), `/metrics` and the
 * jobs page mount here as they arrive.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { pingDb } from "../db/pool.ts";
import { sendError, sendJson } from "./json.ts";

export interface FarmServerDeps {
  config: FarmConfig;
  db: pg.Pool;
}

export function createFarmServer(deps: FarmServerDeps): http.Server {
  return http.createServer((req, res) => {
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    handle(deps, req, res).catch((err) => sendError(res, err, requestId));
  });
}

async function handle(deps: FarmServerDeps, req: http.IncomingMessage, res: http.ServerResponse) {
  const path = new URL(req.url ?? "/", "http://farm").pathname;
  if (path === "/healthz") {
    if (req.method !== "GET" && req.method !== "HEAD") throw new ApiError("method_not_allowed", "use GET");
    const up = await pingDb(deps.db, deps.config.DB_TIMEOUT_MS);
    sendJson(res, up ? 200 : 503, { ok: up, db: up ? "up" : "down" });
    return;
  }
  throw new ApiError("not_found", `no route for ${req.method} ${path}`);
}
