/**
 * The jobs console's job dialog (edge/src/pages/admin-page.tsx), which
 * edge/web/lib/admin-detail.ts fills with a job's attempts and actions.
 */
import { defineIds } from "./element-ids.ts";

export const adminDetailIds = defineIds({
  dialog: "job-dialog",
  title: "job-title",
  close: "job-close",
  body: "job-body",
  actions: "job-actions",
});
