/**
 * The upload page's processing panel (edge/src/pages/upload-page.tsx), which
 * edge/web/lib/processing-panel.ts updates until the video is ready or has failed.
 */
import { defineIds } from "./element-ids.ts";

export const processingPanelIds = defineIds({
  panel: "processing-panel",
  title: "processing-title",
  bar: "processing-bar",
  status: "processing-status",
  actions: "processing-actions",
  watchLink: "watch-link",
  retryLink: "retry-link",
  another: "another",
});
