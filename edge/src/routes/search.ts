import { createRoute } from "@hono/zod-openapi";
import { errorResponses } from "../../../shared/api/common.ts";
import { SearchQuery, SearchResultSchema } from "../../../shared/api/search.ts";
import { listBinding } from "../http/list-binding.ts";
import { createRouter } from "../http/openapi-app.ts";
import { ok } from "../http/openapi-helpers.ts";
import { markPublic } from "../http/public-cache.ts";
import { limitSearch } from "../http/rate-limit.ts";

export const searchRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/api/v1/search",
    tags: ["search"],
    summary: "Search public, ready videos: titles, descriptions and subtitles",
    description:
      "Subtitle matches carry the cue's times (link to `/watch/{id}?t=SECONDS`) and language, at most 3 " +
      "per video. Ranked title over description over subtitles, several fields above one, newer first " +
      "on ties. An empty query, one over 200 characters, over 12 terms, or a phrase over 10 words: 400 " +
      "`query_invalid`. Searches per minute are limited per client address (per user when signed in): " +
      "429 `rate_limited` with Retry-After. Answered by Postgres full text, or by Algolia with " +
      "SEARCH_PROVIDER=algolia (503 `service_unavailable` while Algolia is unreachable).",
    request: { query: SearchQuery },
    responses: {
      200: ok("A page of hits", SearchResultSchema),
      ...errorResponses(400, 429, 503),
    },
  }),
  async (c) => {
    await limitSearch(c);
    const { clientIp, shared } = listBinding(c);
    const result = await c.var.services.search.search({ ...c.req.valid("query"), clientIp });
    if (shared) markPublic(c); // only public, ready videos: the same answer for everyone
    return c.json(result, 200);
  },
);
