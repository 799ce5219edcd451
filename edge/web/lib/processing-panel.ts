/** After the upload: the video's processing followed live (polled) until ready or failed. */
import { watchUrl } from "../../../shared/web/format.ts";
import { processingPanelIds } from "../../../shared/web/pages/processing-panel-contract.ts";
import { explain } from "./api.ts";
import { byId } from "./dom.ts";
import { setBar, showPanel } from "./upload-progress.ts";
import { getVideo, type Video } from "./upload-video.ts";

const POLL_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function followProcessing(video: Video): Promise<void> {
  showPanel("processing");
  const status = byId(processingPanelIds.status);
  byId(processingPanelIds.title).textContent = `Processing “${video.title}”`;
  for (;;) {
    let current: Video;
    try {
      current = await getVideo(video.id);
    } catch (err) {
      status.textContent = `Cannot check the progress right now (${explain(err)}). Retrying…`;
      await sleep(POLL_MS * 3);
      continue;
    }
    setBar(processingPanelIds.bar, current.status === "ready" ? 100 : current.progress);
    if (current.status === "ready") {
      byId(processingPanelIds.title).textContent = `“${current.title}” is ready`;
      status.textContent = "Processing finished: the video is ready to watch.";
      const watch = byId<HTMLAnchorElement>(processingPanelIds.watchLink);
      watch.href = watchUrl(current.id);
      watch.textContent = "Watch it";
      watch.hidden = false;
      watch.focus();
      return;
    }
    if (current.status === "failed") {
      byId(processingPanelIds.title).textContent = `“${current.title}” could not be processed`;
      status.textContent = `Processing failed: ${current.error?.message ?? "unknown error"}`;
      status.classList.add("form-error");
      byId(processingPanelIds.bar).hidden = true;
      const retry = byId<HTMLAnchorElement>(processingPanelIds.retryLink);
      retry.href = `/upload?video=${encodeURIComponent(current.id)}`;
      retry.hidden = false;
      retry.focus();
      return;
    }
    if (current.status === "processing" && current.playable) {
      const watch = byId<HTMLAnchorElement>(processingPanelIds.watchLink);
      watch.href = watchUrl(current.id);
      watch.textContent = "Watch now (lower quality until processing finishes)";
      watch.hidden = false;
    }
    status.textContent =
      current.status === "processing"
        ? `Processing: ${current.progress}%. You can leave this page; it carries on, and your studio shows it.`
        : "Finishing the upload…";
    await sleep(POLL_MS);
  }
}
