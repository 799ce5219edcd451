/**
 * `npm run search:setup`: applies Movio's index settings (shared/search/algolia-settings.ts:
 * searchable attributes and their order, distinct on videoId, newer first on ties, highlight
 * tags, typo tolerance, filter attributes) to ALGOLIA_INDEX, creating the index if needed.
 * Safe to run again after every upgrade; the records are untouched.
 */
import { algoliaAdminClient } from "../farm/src/search/algolia-client.ts";
import { applyIndexSettings } from "../farm/src/search/search-indexer.ts";
import { readAlgoliaAdminEnv } from "./search-algolia-env.ts";

const env = readAlgoliaAdminEnv("search:setup");
await applyIndexSettings(algoliaAdminClient(env), env.ALGOLIA_INDEX);
console.log(`settings applied to Algolia index ${env.ALGOLIA_INDEX}`);
