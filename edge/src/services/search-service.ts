/**
 * Moved to search/postgres/search-service.ts (issue 21: search grouped by provider). This
 * re-export keeps bench/search.ts working until its import names the new path; delete it then.
 */
export { SearchService } from "./search/postgres/search-service.ts";
