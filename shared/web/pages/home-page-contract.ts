/**
 * `/` (edge/src/pages/home-page.tsx, script edge/web/pages/home.ts): the grid of cards the
 * "More videos" link (more-link-contract.ts) appends to. Rendered only when there are cards.
 */
import { defineIds } from "./element-ids.ts";

export const homeIds = defineIds({
  cards: "cards",
});
