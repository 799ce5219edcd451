/**
 * What `npm run search:setup` and `npm run search:reindex` read: the farm's Algolia variables
 * (admin key) from the environment or `.env`, validated like the farm's own config.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseEnv } from "../shared/config/env-parse.ts";
import { optionalString, postgresUrl } from "../shared/config/env-types.ts";
import { algoliaHosts, algoliaIndex, searchProvider } from "../shared/config/search-config.ts";

const envFile = path.resolve(import.meta.dirname, "../.env");
if (existsSync(envFile)) process.loadEnvFile(envFile);

const required = (name: string) => z.string({ message: `set ${name} (see docs/search.md, Algolia)` }).min(1);

const algoliaAdminEnv = z.object({
  SEARCH_PROVIDER: searchProvider,
  ALGOLIA_APP_ID: required("ALGOLIA_APP_ID"),
  ALGOLIA_ADMIN_KEY: required("ALGOLIA_ADMIN_KEY"),
  ALGOLIA_INDEX: algoliaIndex,
  ALGOLIA_HOSTS: algoliaHosts,
  DATABASE_URL: optionalString.pipe(postgresUrl.optional()),
});

export function readAlgoliaAdminEnv(what: string) {
  const env = parseEnv(algoliaAdminEnv, process.env, what);
  if (env.SEARCH_PROVIDER !== "algolia") {
    console.warn(
      `note: SEARCH_PROVIDER is "${env.SEARCH_PROVIDER}" here; edge and farm keep and read index ` +
        `${env.ALGOLIA_INDEX} only once it is "algolia" on both.`,
    );
  }
  return env;
}
