/**
 * The one confirmation dialog of a page (edge/src/pages/confirm-dialog.tsx), which
 * edge/web/lib/confirm.ts fills in and opens.
 */
import { defineIds } from "./element-ids.ts";

export const confirmIds = defineIds({
  dialog: "confirm",
  title: "confirm-title",
  text: "confirm-text",
  cancel: "confirm-cancel",
  ok: "confirm-ok",
});
