import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { DASHJS_PATH } from "./assets.ts";
import { watchPage } from "./watch-page.ts";

/** `GET /watch/:id`: the player page. The page itself asks the API what it may show. */
export const watchRoutes = new Hono<AppEnv>().get("/watch/:id", (c) => {
  const cdn = new URL(c.get("config").CDN_BASE_URL).origin;
  c.header(
    "content-security-policy",
    [
      "default-src 'self'",
      "script-src 'self' 'unsafe-inline'",
      "style-src 'unsafe-inline'",
      `img-src 'self' ${cdn} data:`,
      `media-src 'self' ${cdn} blob:`,
      `connect-src 'self' ${cdn}`,
    ].join("; "),
  );
  return c.html(watchPage(DASHJS_PATH));
});
