/**
 * `/studio` (edge/src/pages/studio-page.tsx, script edge/web/pages/studio.ts): the search
 * box, status lines, empty state and the list the script fills from the API, and the
 * `#page-data` the script starts from. Per-video ids (`video-<id>`, `edit-<id>`) are made
 * by the script, not the page, so they are not here.
 */
import { defineIds } from "./element-ids.ts";

export const studioIds = defineIds({
  heading: "studio-heading",
  search: "studio-search",
  query: "studio-q",
  error: "studio-error",
  status: "studio-status",
  loading: "studio-loading",
  empty: "studio-empty",
  emptyTitle: "studio-empty-title",
  emptyText: "studio-empty-text",
  list: "studio-list",
  moreWrap: "studio-more-wrap",
  more: "studio-more",
});

/** What the studio page serialises into `#page-data`. */
export interface StudioPageData {
  translation: boolean;
  /** Automatic captions are on: "Generate captions" is offered. */
  captions: boolean;
}
