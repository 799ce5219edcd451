/**
 * The web app's HTML routes. Pages are the same for every visitor (who is signed in is known
 * only in the browser), so the home and search pages use the edge cache like the catalog.
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { UUID_PATTERN } from "../../../shared/api/common.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";
import { listBinding } from "../http/list-binding.ts";
import { pageSecurityHeaders } from "../http/page-security.ts";
import { markPublic } from "../http/public-cache.ts";
import { limitSearch } from "../http/rate-limit.ts";
import { ResetPasswordPage, VerifyEmailPage } from "../pages/account-link-page.tsx";
import { AccountPage } from "../pages/account-page.tsx";
import { AdminPage } from "../pages/admin-page.tsx";
import { assetManifest } from "../pages/asset-links.ts";
import { AuthPage } from "../pages/auth-page.tsx";
import { HomePage } from "../pages/home-page.tsx";
import { SearchPage } from "../pages/search-page.tsx";
import { StudioPage } from "../pages/studio-page.tsx";
import { UploadPage } from "../pages/upload-page.tsx";
import { WatchPage } from "../pages/watch-page.tsx";
import { capabilities } from "../services/capabilities.ts";

const CARDS_PER_PAGE = 24;
const HITS_PER_PAGE = 20;

const assetsOf = (c: Context<AppEnv>) => assetManifest(c.env.ASSETS);

export const pageRoutes = new Hono<AppEnv>()
  .use("*", pageSecurityHeaders)
  .get("/", async (c) => {
    const cursor = c.req.query("cursor");
    const { clientIp, shared } = listBinding(c);
    const page = await c.var.services.cards.publicCards(CARDS_PER_PAGE, cursor || undefined, clientIp);
    if (shared) markPublic(c);
    return c.html(<HomePage assets={await assetsOf(c)} page={page} now={Date.now()} />);
  })
  .get("/search", async (c) => {
    const query = (c.req.query("q") ?? "").trim();
    const assets = await assetsOf(c);
    const now = Date.now();
    if (!query) return c.html(<SearchPage assets={assets} query="" now={now} />);
    try {
      await limitSearch(c);
      const cursor = c.req.query("cursor") || undefined;
      const { clientIp, shared } = listBinding(c);
      const result = await c.var.services.search.search({ q: query, limit: HITS_PER_PAGE, cursor, clientIp });
      if (shared) markPublic(c);
      return c.html(<SearchPage assets={assets} query={query} result={result} now={now} />);
    } catch (err) {
      // A bad query or too many searches: the search page with the reason (and Retry-After).
      if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 429)) throw err;
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      return c.html(
        <SearchPage assets={assets} query={query} problem={err.message} now={now} />,
        err.status as 400 | 429,
      );
    }
  })
  .get("/watch/:id", async (c) => {
    const id = c.req.param("id");
    if (!UUID_PATTERN.test(id)) throw new ApiError("not_found", "no such video");
    const meta = await c.var.services.cards.watchable(id);
    return c.html(<WatchPage assets={await assetsOf(c)} videoId={id} meta={meta} now={Date.now()} />);
  })
  .get("/login", async (c) => c.html(<AuthPage assets={await assetsOf(c)} kind="login" />))
  .get("/signup", async (c) => c.html(<AuthPage assets={await assetsOf(c)} kind="signup" />))
  .get("/verify-email", async (c) => c.html(<VerifyEmailPage assets={await assetsOf(c)} />))
  .get("/reset-password", async (c) => c.html(<ResetPasswordPage assets={await assetsOf(c)} />))
  .get("/account", async (c) => c.html(<AccountPage assets={await assetsOf(c)} />))
  .get("/upload", async (c) => {
    const config = c.get("config");
    const { translation, captions } = capabilities(config);
    return c.html(
      <UploadPage
        assets={await assetsOf(c)}
        translation={translation.enabled}
        captions={captions.enabled}
        maxBytes={config.UPLOAD_MAX_BYTES}
      />,
    );
  })
  .get("/studio", async (c) => {
    const { translation, captions } = capabilities(c.get("config"));
    return c.html(
      <StudioPage assets={await assetsOf(c)} translation={translation.enabled} captions={captions.enabled} />,
    );
  })
  // The jobs console: the same shell for everyone; the admin API decides what it shows.
  .get("/admin/jobs", async (c) => c.html(<AdminPage assets={await assetsOf(c)} />));
