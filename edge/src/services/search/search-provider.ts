/**
 * What answers `GET /api/v1/search`: Postgres full text (postgres/, the default) or Algolia
 * (algolia/), chosen by SEARCH_PROVIDER in http/services.ts. Both take this one SearchInput
 * and give the same response shape; the query syntax both accept is parsed in search-query.ts,
 * and one contract test suite runs against both (farm/test/search-contract.test.ts).
 */
import type { z } from "@hono/zod-openapi";
import type { SearchResultSchema } from "../../../../shared/api/search.ts";
import type { EdgeConfig } from "../../../../shared/config/edge-config.ts";
import type { Database } from "../../db/request-db.ts";
import { AlgoliaSearchService } from "./algolia/algolia-search-service.ts";
import { SearchService } from "./postgres/search-service.ts";

export type SearchResult = z.output<typeof SearchResultSchema>;

export interface SearchInput {
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
  /** Only subtitle tracks in this language (primary subtag) are searched. */
  lang?: string | undefined;
  /**
   * Only read when PLAYBACK_BIND_IP is on: poster URLs are then bound to this address, so the
   * answer differs per viewer and the route must not put it in the shared edge cache
   * (`markPublic`; http/list-binding.ts). With binding off (the default) posters carry no
   * address and the answer is the same for everyone.
   */
  clientIp?: string | undefined;
}

export interface SearchProvider {
  search(input: SearchInput): Promise<SearchResult>;
}

/** The configured provider (http/services.ts builds it per request; it holds no connection). */
export function searchProviderFor(db: Database, config: EdgeConfig): SearchProvider {
  return config.SEARCH_PROVIDER === "algolia"
    ? new AlgoliaSearchService(config)
    : new SearchService(db, config);
}
