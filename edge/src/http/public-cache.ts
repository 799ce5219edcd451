/**
 * The edge cache for anonymous reads that are the same for everyone (Workers Cache API, in
 * the colo that served the request). A route opts in per response with `markPublic(c)` —
 * only once it knows the content is public (the catalog; a public, ready video) — and the
 * middleware stores that response for PUBLIC_CACHE_TTL_S. A request with any Authorization
 * header, or with the cache off, never reads or fills it. Changes purge the one entry they
 * know (`purgePublic`); lists expire by their TTL, so nothing private or deleted stays
 * readable longer than that (which is also why entries carry no stale-while-revalidate). `x-edge-cache: hit | miss | bypass` says what happened.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

const MARK = "x-movio-public";

function cacheable(c: Context<AppEnv>): boolean {
  return c.req.method === "GET" && !c.req.header("authorization") && c.get("config").PUBLIC_CACHE_TTL_S > 0;
}

/** The cache key: the URL alone (no headers vary a public response). */
const keyFor = (url: string) => new Request(url, { method: "GET" });

export const publicCache = createMiddleware<AppEnv>(async (c, next) => {
  if (!cacheable(c)) {
    await next();
    c.header("x-edge-cache", "bypass");
    return;
  }
  const cache = caches.default;
  const hit = await cache.match(keyFor(c.req.url));
  if (hit) {
    const response = new Response(hit.body, hit);
    response.headers.set("x-edge-cache", "hit");
    response.headers.set("x-request-id", c.get("requestId"));
    return response;
  }
  await next();
  if (c.res.status === 200 && c.res.headers.get(MARK)) {
    c.res.headers.delete(MARK);
    const ttl = c.get("config").PUBLIC_CACHE_TTL_S;
    // No stale-while-revalidate: a cache honouring it would serve a video made private or
    // deleted for up to another TTL, and the promise is "never beyond the TTL".
    c.res.headers.set("cache-control", `public, max-age=0, s-maxage=${ttl}`);
    c.res.headers.set("x-edge-cache", "miss");
    c.executionCtx.waitUntil(cache.put(keyFor(c.req.url), c.res.clone()));
  } else {
    c.header("x-edge-cache", "bypass");
  }
});

/** Lets the cache keep this response: call only when its content is the same for everyone. */
export function markPublic(c: Context<AppEnv>): void {
  if (cacheable(c)) c.header(MARK, "1");
}

/** Drops the cached copy of `path` in this colo after a change (other colos: the TTL). */
export function purgePublic(c: Context<AppEnv>, path: string): void {
  if (c.get("config").PUBLIC_CACHE_TTL_S === 0) return;
  const url = new URL(path, c.req.url).toString();
  c.executionCtx.waitUntil(caches.default.delete(keyFor(url)));
}
