import { createMiddleware } from "hono/factory";
import { readEdgeConfig } from "../config.ts";
import { databaseFor } from "../db/request-db.ts";
import type { AppEnv } from "../env.ts";

/**
 * Per-request set-up: a request id (echoed as `x-request-id`), the validated config and the
 * database handle (the isolate's HTTP client: nothing to open or close per request).
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
  c.set("requestId", requestId);
  const config = readEdgeConfig(c.env);
  c.set("config", config);
  c.set("db", databaseFor(config));
  try {
    await next();
  } finally {
    c.header("x-request-id", requestId);
  }
});
