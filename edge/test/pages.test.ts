import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, createVideo, db, markReady, signUp } from "./helpers.ts";

const html = { accept: "text/html,application/xhtml+xml" };
const page = async (path: string) => {
  const response = await call("GET", path, { headers: html });
  return { status: response.status, headers: response.headers, text: await response.text() };
};
const word = () =>
  Array.from({ length: 9 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

async function publicReadyVideo(title: string, description = "") {
  const owner = await signUp({ displayName: "Page Owner" });
  const { video } = await createVideo(owner.accessToken, { title, description, visibility: "public" });
  await db(sql`update videos set storage_prefix = ${`media/${video.id}/`},
    media = ${JSON.stringify({ dash: "manifest.mpd", hls: "master.m3u8", poster: "poster.jpg", storyboard: null })}::jsonb,
    duration_ms = 83000 where id = ${video.id}`);
  await markReady(video.id);
  return { owner, video };
}

describe("web pages", () => {
  it("serves the home page with its hashed assets and a CSP without inline code", async () => {
    const title = `Home card ${word()}`;
    const { video } = await publicReadyVideo(title);
    const res = await page("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text.startsWith("<!doctype html>")).toBe(true); // standards mode
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.text).toContain(title);
    expect(res.text).toContain(`href="/watch/${video.id}"`);
    expect(res.text).toContain(">1:23<"); // duration badge
    const poster = /<img src="([^"]+poster\.jpg[^"]*)"/.exec(res.text)?.[1]?.replaceAll("&amp;", "&");
    expect(poster).toMatch(new RegExp(`^https://cdn\\.example\\.test/media/${video.id}/poster\\.jpg\\?md5=`));
    const script = /<script type="module" src="(\/assets\/home-[A-Z0-9]+\.js)"/.exec(res.text)?.[1];
    expect(script).toBeDefined();
    const asset = await env.ASSETS.fetch(new URL(script!, "http://edge.test"));
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("cache-control")).toContain("immutable");
  });

  it("escapes what users typed: a title is text, never markup", async () => {
    const title = `<script>alert(1)</script> ${word()}`;
    await publicReadyVideo(title);
    const res = await page("/");
    expect(res.text).not.toContain("<script>alert(1)</script>");
    expect(res.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("pages through the catalog with the API's cursor", async () => {
    const first = await page("/");
    const more = /id="more" href="([^"]+)"/.exec(first.text)?.[1]?.replaceAll("&amp;", "&");
    if (!more) return expect(first.text).not.toContain('id="more"'); // fewer than one page so far
    const next = await page(more);
    expect(next.status).toBe(200);
    expect(next.text).toContain('id="cards"');
  });

  it("refuses a forged cursor with the friendly error page", async () => {
    const res = await page("/?cursor=not-a-cursor");
    expect(res.status).toBe(400);
    expect(res.text).toContain("Something went wrong");
  });

  it("shows private and unlisted videos to nobody in the grid", async () => {
    const owner = await signUp();
    const secret = `Secret ${word()}`;
    for (const visibility of ["private", "unlisted"]) {
      const { video } = await createVideo(owner.accessToken, { title: secret, visibility });
      await markReady(video.id);
    }
    expect((await page("/")).text).not.toContain(secret);
  });

  it("search page: highlighted, escaped snippets; a subtitle hit links to its second", async () => {
    const w = word();
    const { video } = await publicReadyVideo(`Lighthouse ${w}`, `A <b>keeper</b> and ${w}`);
    const res = await page(`/search?q=${w}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<mark>${w}</mark>`);
    expect(res.text).toContain("keeper&lt;/b&gt;"); // the description's markup, escaped
    expect(res.text).not.toContain("<b>keeper");
    expect(res.text).toContain(`href="/watch/${video.id}"`);
    expect(res.text).toContain(`value="${w}"`); // the header's search box keeps the query
  });

  it("search page: an empty query asks for words; one that is too long says why (400)", async () => {
    const empty = await page("/search");
    expect(empty.status).toBe(200);
    expect(empty.text).toContain("Search titles, descriptions");
    const long = await page(`/search?q=${"a".repeat(201)}`);
    expect(long.status).toBe(400);
    expect(long.text).toContain("longer than 200 characters");
  });

  it("watch page: metadata of a public video is in the HTML; a private one's never is", async () => {
    const { video } = await publicReadyVideo(`Watchable ${word()}`, "Shown to all");
    const open = await page(`/watch/${video.id}`);
    expect(open.status).toBe(200);
    expect(open.text).toContain("Shown to all");
    expect(open.text).toContain("Page Owner");
    expect(open.text).toContain(`"videoId":"${video.id}"`);

    const owner = await signUp();
    const secret = `Hidden ${word()}`;
    const { video: hidden } = await createVideo(owner.accessToken, { title: secret, visibility: "private" });
    await markReady(hidden.id);
    const closed = await page(`/watch/${hidden.id}`);
    expect(closed.status).toBe(200); // the page script asks the API with the viewer's token
    expect(closed.text).not.toContain(secret);
  });

  it("404: a friendly page for browsers, JSON for API clients", async () => {
    const browser = await page("/no-such-page");
    expect(browser.status).toBe(404);
    expect(browser.headers.get("content-type")).toContain("text/html");
    expect(browser.text).toContain("This page does not exist");
    const api = await call("GET", "/no-such-page");
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const apiRoute = await call("GET", "/api/v1/nope", { headers: html });
    expect(apiRoute.headers.get("content-type")).toContain("application/json");
    const badId = await page("/watch/not-a-uuid");
    expect(badId.status).toBe(404);
    expect(badId.text).toContain("This page does not exist");
  });

  it("every form page renders with its own script", async () => {
    for (const [path, name] of [
      ["/login", "login"],
      ["/signup", "signup"],
      ["/upload", "upload"],
      ["/studio", "studio"],
    ] as const) {
      const res = await page(path);
      expect(res.status, path).toBe(200);
      expect(res.text).toMatch(new RegExp(`src="/assets/${name}-[A-Z0-9]+\\.js"`));
    }
  });
});
