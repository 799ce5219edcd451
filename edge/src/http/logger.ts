/**
 * The edge's logger (shared/logging/logger.ts) from its config — LOG_LEVEL, LOG_FORMAT — made
 * once per isolate, and the request log: one line per request with its id, method, path,
 * status and duration. Workers Logs ([observability] in wrangler.toml) indexes the JSON fields.
 */
import { createMiddleware } from "hono/factory";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { createLogger, type Logger } from "../../../shared/logging/logger.ts";
import type { AppEnv } from "../env.ts";

const loggers = new WeakMap<EdgeConfig, Logger>();
/** Before the config is read (or when it cannot be): JSON at info. */
const fallback = createLogger();

export function edgeLogger(config: EdgeConfig | undefined): Logger {
  if (!config) return fallback;
  let logger = loggers.get(config);
  if (!logger) {
    logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
    loggers.set(config, logger);
  }
  return logger;
}

/**
 * Mounted right after the request context (which sets the id and the config). Errors have
 * become responses by the time `next()` returns (Hono's onError), so every request is logged
 * with the status the client got. On Workers the clock moves only across I/O, so `durationMs`
 * is the time spent waiting (database, cache, assets), not CPU time.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  edgeLogger(c.get("config")).log(status >= 500 ? "error" : "info", "request", {
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status,
    durationMs: Date.now() - started,
  });
});
