/**
 * The upload page's upload panel (edge/src/pages/upload-page.tsx): progress bar, figures,
 * status line and pause/resume/cancel, driven by edge/web/lib/upload-progress.ts.
 */
import { defineIds } from "./element-ids.ts";

export const uploadProgressIds = defineIds({
  panel: "upload-panel",
  title: "upload-title",
  bar: "upload-bar",
  percent: "upload-percent",
  bytes: "upload-bytes",
  speed: "upload-speed",
  eta: "upload-eta",
  status: "upload-status",
  pause: "pause",
  resume: "resume",
  cancel: "cancel",
});
