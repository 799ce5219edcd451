import { Hono } from "hono";
import type { AppEnv } from "./env.ts";
import { notFound, onError } from "./http/on-error.ts";
import { requestContext } from "./http/request-context.ts";
import { healthRoutes } from "./routes/health.ts";

/** Builds the edge application; one router per resource is mounted here. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requestContext);
  app.route("/", healthRoutes);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
