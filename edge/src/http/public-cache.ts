/**
 * The edge cache for anonymous reads that are the same for everyone (Workers Cache API, in
 * the colo that served the request). A route opts in per response with `markPublic(c)` —
 * only once it knows the content is public (the catalog; a public, ready video) — and the
 * middleware stores that response for PUBLIC_CACHE_TTL_S. A request with any Authorization
 * header, or with the cache off, never reads or fills it. `x-edge-cache: hit | miss | bypass`
 * says what happened.
 *
 * Invariants:
 * - One entry per response a route can give: the key is the path plus only the query
 *   parameters cached routes read (CACHE_KEY_PARAMS, first value of each, sorted), so `?x=1`
 *   or `?utm_source=…` neither splits the cache nor escapes a purge. A route that marks a
 *   response public may read no other parameter (add it to CACHE_KEY_PARAMS first).
 * - Revocation (a video made non-public, or deleted) empties this colo's public cache at once:
 *   `revokePublic` moves the colo to a new cache generation, and every key carries the
 *   generation read before its response was built, so no list, search, page or video entry
 *   made before the change — whatever its query — is ever read again, not even one filled by
 *   a read that raced the change. Other colos: the TTL (entries carry no
 *   stale-while-revalidate, so nothing private or deleted stays readable longer than that).
 * - Other changes (a new title) purge the video's own entry (`purgePublic`); lists follow
 *   within the TTL.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

const MARK = "x-movio-public";

function cacheable(c: Context<AppEnv>): boolean {
  return c.req.method === "GET" && !c.req.header("authorization") && c.get("config").PUBLIC_CACHE_TTL_S > 0;
}

/**
 * The query parameters any route that calls `markPublic` reads (the catalog and the home page:
 * limit, cursor; search API and page: q, limit, cursor, lang). Everything else is dropped from
 * the key: it cannot change a cached answer.
 */
export const CACHE_KEY_PARAMS = ["cursor", "lang", "limit", "q"] as const;
const KEY_PARAMS: ReadonlySet<string> = new Set(CACHE_KEY_PARAMS);

/** Where this colo's current generation is kept (request keys always carry a query: no clash). */
const GENERATION_URL = "https://public-cache.movio.internal/generation";
/** The generation marker outlives every entry (PUBLIC_CACHE_TTL_S is at most 3600). */
const GENERATION_TTL_S = 3600;

/**
 * The path and the known query parameters (first value each, as the handlers read them,
 * sorted), under the colo's generation; no headers vary a public response.
 */
export function cacheKeyUrl(url: string, generation: string): string {
  const parsed = new URL(url);
  const kept = new Map<string, string>();
  for (const [name, value] of parsed.searchParams) {
    if (KEY_PARAMS.has(name) && !kept.has(name)) kept.set(name, value);
  }
  const query = new URLSearchParams([...kept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  query.set("movio-cache-generation", generation);
  return `${parsed.origin}${parsed.pathname}?${query}`;
}

const keyFor = (url: string, generation: string) =>
  new Request(cacheKeyUrl(url, generation), { method: "GET" });

/** This colo's cache generation ("0" until the first revocation here, or once its marker expired). */
async function currentGeneration(): Promise<string> {
  const marker = await caches.default.match(GENERATION_URL);
  return marker ? await marker.text() : "0";
}

export const publicCache = createMiddleware<AppEnv>(async (c, next) => {
  if (!cacheable(c)) {
    await next();
    c.header("x-edge-cache", "bypass");
    return;
  }
  const cache = caches.default;
  // Read before the response is built: a fill that races a revocation lands in the old generation.
  const generation = await currentGeneration();
  const hit = await cache.match(keyFor(c.req.url, generation));
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
    c.executionCtx.waitUntil(cache.put(keyFor(c.req.url, generation), c.res.clone()));
  } else {
    c.header("x-edge-cache", "bypass");
  }
});

/** Lets the cache keep this response: call only when its content is the same for everyone. */
export function markPublic(c: Context<AppEnv>): void {
  if (cacheable(c)) c.header(MARK, "1");
}

/** Drops the cached copy of `path` (any query) in this colo after a change (other colos: the TTL). */
export function purgePublic(c: Context<AppEnv>, path: string): void {
  if (c.get("config").PUBLIC_CACHE_TTL_S === 0) return;
  const url = new URL(path, c.req.url).toString();
  c.executionCtx.waitUntil(
    currentGeneration().then((generation) => caches.default.delete(keyFor(url, generation))),
  );
}

/**
 * After a video stops being public (made unlisted or private, deleted): every public entry of
 * this colo — the video, and every list, search and page variant that may show it — is
 * unreadable from now on. Awaited, so the change's response goes out only after it holds.
 */
export async function revokePublic(c: Context<AppEnv>): Promise<void> {
  if (c.get("config").PUBLIC_CACHE_TTL_S === 0) return;
  const marker = new Response(crypto.randomUUID(), {
    headers: { "cache-control": `max-age=${GENERATION_TTL_S}` },
  });
  await caches.default.put(GENERATION_URL, marker);
}
