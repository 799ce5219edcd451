/**
 * Moved to search/postgres/search-sql.ts (issue 21: search grouped by provider). This
 * re-export keeps edge/test/search-cue-blocks.test.ts (in progress elsewhere) working until
 * its import names the new path; delete it then.
 */
export * from "./search/postgres/search-sql.ts";
