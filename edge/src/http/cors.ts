/**
 * CORS for browser clients on other origins: only those in CORS_ORIGINS (empty by default,
 * so only this site's own pages may call the API from a browser). Preflights are answered
 * here; an origin not on the list gets no Access-Control-Allow-Origin and the browser stops.
 */
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { WEB_SESSION_HEADER } from "../../../shared/api/auth.ts";
import type { AppEnv } from "../env.ts";

export const apiCors = createMiddleware<AppEnv>((c, next) => {
  const allowed = c.get("config").CORS_ORIGINS;
  return cors({
    origin: (origin) => (allowed.includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["authorization", "content-type", WEB_SESSION_HEADER],
    exposeHeaders: ["x-request-id", "retry-after", "x-edge-cache"],
    credentials: true,
    maxAge: 600,
  })(c, next);
});
