/**
 * "Unfinished uploads" on the upload page: the recorded uploads whose video still waits for
 * its file, each with "Choose the file" (the same file continues it) and "Discard" (deletes
 * the video). Records of videos that have moved on (processing, ready, failed, gone) are
 * forgotten here.
 */
import { bytes } from "../../../shared/web/format.ts";
import { uploadIds } from "../../../shared/web/pages/upload-page-contract.ts";
import { ApiFailure, api, explain } from "./api.ts";
import { confirmAction } from "./confirm.ts";
import { byId, h } from "./dom.ts";
import { forgetRecord, type UploadRecord, unfinishedUploads } from "./upload-records.ts";
import { type Video, videoOrNull, videoPath } from "./upload-video.ts";

export interface UnfinishedOptions {
  /** Only this video's upload (the page uploads for one video). */
  only?: string | undefined;
  chooseFile(): void;
  problem(message: string): void;
}

export async function listUnfinished(options: UnfinishedOptions): Promise<void> {
  const list = byId(uploadIds.unfinishedList);
  for (const record of unfinishedUploads()) {
    if (options.only && options.only !== record.videoId) continue;
    const video = await videoOrNull(record.videoId).catch(() => undefined);
    if (video === undefined) continue; // cannot tell right now: keep the record
    if (!video || (video.status !== "uploading" && video.status !== "awaiting_upload")) {
      forgetRecord(record.videoId);
      continue;
    }
    list.append(item(record, video, options));
  }
  byId(uploadIds.unfinished).hidden = list.childElementCount === 0 || byId(uploadIds.form).hidden;
}

function item(record: UploadRecord, video: Video, options: UnfinishedOptions): HTMLLIElement {
  const list = byId(uploadIds.unfinishedList);
  const choose = h(
    "button",
    {
      type: "button",
      class: "primary",
      "aria-label": `Choose ${record.file.name} to continue “${video.title}”`,
    },
    "Choose the file",
  );
  choose.addEventListener("click", () => options.chooseFile());
  const discard = h(
    "button",
    { type: "button", class: "danger", "aria-label": `Discard the upload of “${video.title}”` },
    "Discard",
  );
  const row = h(
    "li",
    { class: "unfinished-item", "data-video-id": video.id },
    h(
      "div",
      {},
      h("strong", {}, video.title),
      h(
        "div",
        { class: "muted" },
        `${record.file.name} · ${bytes(record.file.size)} · ${video.progress}% uploaded`,
      ),
    ),
    h("div", { class: "actions" }, choose, discard),
  );
  discard.addEventListener("click", async () => {
    const yes = await confirmAction({
      title: "Discard this upload?",
      text: `“${video.title}” and what was uploaded of it are deleted.`,
      confirm: "Discard",
    });
    if (!yes) return;
    try {
      await api(videoPath(video.id), { method: "DELETE" });
    } catch (err) {
      if (!(err instanceof ApiFailure && err.status === 404)) {
        options.problem(explain(err));
        return;
      }
    }
    forgetRecord(video.id);
    row.remove();
    byId(uploadIds.unfinished).hidden = list.childElementCount === 0;
    byId(uploadIds.file).focus();
  });
  return row;
}
