/**
 * The seek bar's thumbnail preview on the watch page (edge/src/pages/watch-page.tsx), which
 * edge/web/lib/storyboard.ts positions and fills from the storyboard sprite.
 */
import { defineIds } from "./element-ids.ts";

export const storyboardIds = defineIds({
  preview: "preview",
  previewTime: "preview-time",
});
