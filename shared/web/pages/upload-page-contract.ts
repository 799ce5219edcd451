/**
 * `/upload` (edge/src/pages/upload-page.tsx, script edge/web/pages/upload.ts with
 * edge/web/lib/unfinished-list.ts): the form and the unfinished-uploads list, and the
 * `#page-data` the script starts from. The two progress panels have contracts of their
 * own (upload-progress-contract.ts, processing-panel-contract.ts).
 */
import { defineIds } from "./element-ids.ts";

export const uploadIds = defineIds({
  heading: "upload-heading",
  pageError: "page-error",
  unfinished: "unfinished",
  unfinishedTitle: "unfinished-title",
  unfinishedList: "unfinished-list",
  form: "upload-form",
  targetVideo: "target-video",
  dropzone: "dropzone",
  file: "file",
  fileInfo: "file-info",
  details: "details",
  title: "title",
  description: "description",
  visibility: "visibility",
  language: "language",
  /** Rendered instead of the translation choices when the server has no translator. */
  translationOff: "translation-off",
  formError: "form-error",
  start: "start",
});

/** What the upload page serialises into `#page-data`. */
export interface UploadPageData {
  translation: boolean;
  /** Automatic captions are on: the "Generate captions" choice is offered. */
  captions: boolean;
  maxBytes: number;
}
