/**
 * What answers `GET /api/v1/search`: Postgres full text (search-service.ts, the default) or
 * Algolia (algolia-search-service.ts), chosen by SEARCH_PROVIDER in http/services.ts. Both
 * take the same input and give the same response shape; one contract test suite runs against
 * both (farm/test/search-contract.test.ts).
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
  /** The viewer's address, for poster URLs bound to it (only with PLAYBACK_BIND_IP; http/list-binding.ts). */
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
