import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { assetManifest } from "../pages/asset-links.ts";
import { docsPage } from "./docs-page.ts";

/**
 * The CSP of /doc: Scalar's bundle from this origin only, no inline script; it injects its
 * styles at run time (hence inline styles); requests ("Test Request", /openapi.json) go to
 * this origin only.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** `GET /doc`: the interactive API reference built from /openapi.json. */
export const docsRoutes = new Hono<AppEnv>().get("/doc", async (c) => {
  const assets = await assetManifest(c.env.ASSETS);
  c.header("content-security-policy", DOCS_CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "strict-origin-when-cross-origin");
  return c.html(docsPage(assets.apiReference));
});
