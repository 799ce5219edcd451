import { createMiddleware } from "hono/factory";
import { readEdgeConfig } from "../config.ts";
import { createRequestDb } from "../db/request-db.ts";
import type { AppEnv } from "../env.ts";

/**
 * Per-request set-up: a request id (echoed as `x-request-id`), the validated config and a
 * lazily opened database handle that is closed after the response with `waitUntil`.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
  c.set("requestId", requestId);
  const config = readEdgeConfig(c.env);
  c.set("config", config);
  const db = createRequestDb(config);
  c.set("db", db);
  try {
    await next();
  } finally {
    c.header("x-request-id", requestId);
    closeAfterResponse(c, db.close());
  }
});

function closeAfterResponse(
  c: { executionCtx: { waitUntil(promise: Promise<unknown>): void } },
  closing: Promise<void>,
): void {
  try {
    c.executionCtx.waitUntil(closing);
  } catch {
    // No ExecutionContext (e.g. app.request in a unit test): the promise still settles.
  }
}
