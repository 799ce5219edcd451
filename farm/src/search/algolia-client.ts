/** The farm's Algolia client: the admin key (it writes records and settings), configured hosts. */
import { algoliasearch, type SearchClient } from "algoliasearch";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";

export function algoliaAdminClient(
  config: Pick<FarmConfig, "ALGOLIA_APP_ID" | "ALGOLIA_ADMIN_KEY" | "ALGOLIA_HOSTS">,
): SearchClient {
  const { ALGOLIA_APP_ID: appId, ALGOLIA_ADMIN_KEY: key, ALGOLIA_HOSTS: hosts } = config;
  if (!appId || !key) throw new Error("Algolia needs ALGOLIA_APP_ID and ALGOLIA_ADMIN_KEY");
  return algoliasearch(appId, key, hosts ? { hosts } : {});
}
