import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { DOCS_PAGE } from "./docs-page.ts";

/**
 * `GET /doc`: an interactive API reference built from /openapi.json, self-contained (no
 * script or style from another origin), so it works offline and under a strict CSP.
 */
export const docsRoutes = new Hono<AppEnv>().get("/doc", (c) => {
  c.header(
    "content-security-policy",
    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
  );
  return c.html(DOCS_PAGE);
});
