/**
 * The "More" link under a list of server-rendered items (home cards, search results):
 * edge/web/lib/more.ts fetches the page it points to and appends that page's list items,
 * so the next page must render the same list id and, while there is more, the same link.
 */
import { defineIds } from "./element-ids.ts";

export const moreLinkIds = defineIds({
  link: "more",
});
