/**
 * `npm run search:reindex`: rebuilds ALGOLIA_INDEX from Postgres (DATABASE_URL) — clears it,
 * then saves every public, ready video's records, 50 videos at a time under the same per-video
 * locks the farm's index_video jobs take, so a job running meanwhile is never undone. While it
 * runs, search finds only what has been saved so far. Run `npm run search:setup` first.
 */
import pg from "pg";
import { algoliaAdminClient } from "../farm/src/search/algolia-client.ts";
import { SearchIndexer } from "../farm/src/search/search-indexer.ts";
import { readAlgoliaAdminEnv } from "./search-algolia-env.ts";

const env = readAlgoliaAdminEnv("search:reindex");
if (!env.DATABASE_URL) {
  console.error(
    "search:reindex reads the videos from Postgres: set DATABASE_URL (a direct, non -pooler host)",
  );
  process.exit(1);
}
const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: 2,
  application_name: "movio search:reindex",
});
try {
  const started = Date.now();
  const indexer = new SearchIndexer(pool, algoliaAdminClient(env), env.ALGOLIA_INDEX);
  const { videos, records } = await indexer.reindexAll((line) => console.log(line));
  console.log(
    `Algolia index ${env.ALGOLIA_INDEX} rebuilt: ${videos} videos, ${records} records in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  await pool.end();
}
