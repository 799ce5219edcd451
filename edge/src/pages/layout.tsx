/**
 * The frame of every page: header (logo, search box, account links), main, footer, the
 * stylesheet and the page's own module. The account area is rendered for both states and
 * the page script shows the right one: pages are the same for everyone (so the edge can
 * cache them), and who is signed in is known only in the browser (the access token lives
 * in memory, the refresh token in an HttpOnly cookie the page never reads).
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { AssetManifest, PageName } from "../../../shared/web/asset-manifest.ts";
import { layoutIds, pageDataIds } from "../../../shared/web/pages/layout-contract.ts";

export interface LayoutProps {
  title: string;
  page: PageName;
  assets: AssetManifest;
  /** What the search box shows (the search page's own query). */
  query?: string | undefined;
  /** JSON the page script reads (`#page-data`): plain data, never markup; typed by the page's contract. */
  data?: unknown;
  children: Child;
}

export function Layout({ title, page, assets, query, data, children }: LayoutProps) {
  const { script, preload } = assets.pages[page];
  // Without a doctype browsers render in quirks mode (e.g. forms get a bottom margin).
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{title === "Movio" ? title : `${title} · Movio`}</title>
          <link rel="stylesheet" href={assets.styles} />
          {preload.map((href) => (
            <link rel="modulepreload" href={href} />
          ))}
          <script type="module" src={script} />
        </head>
        <body>
          <a class="skip-link" href={`#${layoutIds.main}`}>
            Skip to content
          </a>
          <header class="site-header">
            <a class="logo" href="/" aria-label="Movio home">
              Mov<span>io</span>
            </a>
            <search class="search-form">
              <form class="search-form-inner" action="/search" method="get">
                <label class="visually-hidden" for={layoutIds.siteSearch}>
                  Search videos
                </label>
                <input
                  id={layoutIds.siteSearch}
                  type="search"
                  name="q"
                  value={query ?? ""}
                  placeholder="Search titles and what is said"
                  maxlength={200}
                  autocomplete="off"
                />
                <button type="submit">Search</button>
              </form>
            </search>
            <nav class="account" aria-label="Account">
              <span class="actions" data-signed-out>
                <a class="button" href="/login">
                  Log in
                </a>
                <a class="button primary" href="/signup">
                  Sign up
                </a>
              </span>
              <span class="actions" data-signed-in hidden>
                <a class="button primary" href="/upload">
                  Upload
                </a>
                <a class="button" href="/studio">
                  Studio
                </a>
                <a class="button" href="/admin/jobs" data-admin hidden>
                  Jobs
                </a>
                <a class="button" href="/account">
                  Account
                </a>
                <span class="who" id={layoutIds.accountName} />
                <button type="button" id={layoutIds.logout}>
                  Log out
                </button>
              </span>
            </nav>
          </header>
          <div class="verify-banner" id={layoutIds.verifyBanner} hidden>
            <p>
              Verify your email address to upload videos and add webhooks: open the link we mailed you.{" "}
              <button type="button" id={layoutIds.verifyResend}>
                Send again
              </button>{" "}
              <span id={layoutIds.verifyStatus} role="status" />
            </p>
          </div>
          <main id={layoutIds.main}>{children}</main>
          <footer class="site-footer">Movio · self-hosted video</footer>
          {data === undefined ? null : (
            <script type="application/json" id={pageDataIds.json}>
              {safeJson(data)}
            </script>
          )}
        </body>
      </html>
    </>
  );
}

/**
 * JSON inside a <script> element: `<` escaped so no `</script>` or `<!--` can end the
 * element early. hono/jsx escapes text children, which the browser would not undo inside a
 * script element, so the escaped form is passed as raw text.
 */
function safeJson(data: unknown) {
  return raw(
    JSON.stringify(data)
      .replace(/</g, "\\u003c")
      .replace(/\u2028/g, "\\u2028")
      .replace(/\u2029/g, "\\u2029"),
  );
}
