/**
 * `/search` (edge/src/pages/search-page.tsx, script edge/web/pages/search.ts): the list of
 * hits the "More results" link (more-link-contract.ts) appends to. Rendered only with hits.
 */
import { defineIds } from "./element-ids.ts";

export const searchIds = defineIds({
  results: "results",
});
