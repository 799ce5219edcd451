/**
 * The upload page's panels: which one shows, and the upload panel itself (progress bar,
 * bytes, speed, time left, status line, pause/resume/cancel) driven by a VideoUpload.
 */
import { bytes, clock } from "../../../shared/web/format.ts";
import type { ElementId } from "../../../shared/web/pages/element-ids.ts";
import { processingPanelIds } from "../../../shared/web/pages/processing-panel-contract.ts";
import { uploadIds } from "../../../shared/web/pages/upload-page-contract.ts";
import { uploadProgressIds } from "../../../shared/web/pages/upload-progress-contract.ts";
import { api } from "./api.ts";
import { confirmAction } from "./confirm.ts";
import { byId } from "./dom.ts";
import { SpeedMeter } from "./speed-meter.ts";
import { type Ticket, VideoUpload } from "./tus-upload.ts";
import { forgetRecord, identityOf, saveRecord, updateSent } from "./upload-records.ts";
import { type Video, videoPath } from "./upload-video.ts";

export function showPanel(which: "form" | "upload" | "processing"): void {
  byId(uploadIds.form).hidden = which !== "form";
  byId(uploadIds.unfinished).hidden =
    which !== "form" || byId(uploadIds.unfinishedList).childElementCount === 0;
  byId(uploadProgressIds.panel).hidden = which !== "upload";
  byId(processingPanelIds.panel).hidden = which !== "processing";
}

export function setBar(id: ElementId, percent: number): void {
  const bar = byId(id);
  const value = Math.max(0, Math.min(100, Math.floor(percent)));
  bar.setAttribute("aria-valuenow", String(value));
  (bar.firstElementChild as HTMLElement).style.width = `${value}%`;
}

function setStatus(text: string, problem = false): void {
  const status = byId(uploadProgressIds.status);
  status.textContent = text;
  status.classList.toggle("form-error", problem);
}

function clearRate(): void {
  byId(uploadProgressIds.speed).textContent = "";
  byId(uploadProgressIds.eta).textContent = "";
}

/** Pause and Resume swap places; the focus follows so the keyboard never loses it. */
function showRunning(running: boolean): void {
  const pause = byId<HTMLButtonElement>(uploadProgressIds.pause);
  const resume = byId<HTMLButtonElement>(uploadProgressIds.resume);
  const focused = document.activeElement === pause || document.activeElement === resume;
  pause.hidden = !running;
  resume.hidden = running;
  if (focused) (running ? pause : resume).focus();
}

/** The upload running on this page, for the buttons. */
let current: { upload: VideoUpload; video: Video; keepVideo: boolean } | null = null;

/**
 * Uploads `file` into `video` (recorded for resuming until it succeeds), showing progress;
 * `continuing`: an upload begun on an earlier page load. `done` runs once every byte is in.
 */
export async function runUpload(
  video: Video,
  file: File,
  ticket: Ticket,
  options: { continuing: boolean; keepVideo: boolean; done: (video: Video) => void },
): Promise<void> {
  saveRecord({ videoId: video.id, title: video.title, file: identityOf(file), sent: 0 });
  showPanel("upload");
  byId(uploadProgressIds.title).textContent =
    `${options.continuing ? "Continuing" : "Uploading"} “${video.title}”`;
  setStatus(options.continuing ? "Picking up where the upload stopped…" : "Starting…");
  const meter = new SpeedMeter();
  let lastSaved = 0;
  const renew = () => api<Ticket>(`${videoPath(video.id)}/upload`, { method: "POST" });
  const upload = new VideoUpload(file, video.id, ticket, renew, {
    progress(sent, total) {
      meter.add(sent);
      setBar(uploadProgressIds.bar, (sent / total) * 100);
      byId(uploadProgressIds.percent).textContent = `${Math.floor((sent / total) * 100)}%`;
      byId(uploadProgressIds.bytes).textContent = `${bytes(sent)} of ${bytes(total)}`;
      const speed = meter.bytesPerSecond();
      byId(uploadProgressIds.speed).textContent = speed > 0 ? `${bytes(speed)}/s` : "";
      byId(uploadProgressIds.eta).textContent =
        speed > 0 ? `about ${clock(((total - sent) / speed) * 1000)} left` : "";
      if (byId(uploadProgressIds.status).textContent !== "Uploading…") setStatus("Uploading…");
      if (Date.now() - lastSaved > 2000) {
        lastSaved = Date.now();
        updateSent(video.id, sent);
      }
    },
    success() {
      forgetRecord(video.id);
      current = null;
      setBar(uploadProgressIds.bar, 100);
      options.done(video);
    },
    failure(message) {
      meter.reset();
      clearRate();
      setStatus(message, true);
      showRunning(false);
    },
    trouble(message) {
      meter.reset();
      clearRate();
      setStatus(message ?? "Uploading…", message !== null);
    },
  });
  current = { upload, video, keepVideo: options.keepVideo };
  showRunning(true);
  await upload.start(options.continuing);
}

export function wireUploadControls(): void {
  byId(uploadProgressIds.pause).addEventListener("click", () => {
    current?.upload.pause();
    clearRate();
    showRunning(false);
    setStatus("Paused. What was sent is kept: resume now, or later by choosing the same file here.");
  });
  byId(uploadProgressIds.resume).addEventListener("click", () => {
    if (!current) return;
    current.upload.resume();
    showRunning(true);
    setStatus("Resuming…");
  });
  byId(uploadProgressIds.cancel).addEventListener("click", async () => {
    const running = current;
    if (!running) return;
    const { upload, video, keepVideo } = running;
    const yes = await confirmAction({
      title: "Cancel this upload?",
      text: keepVideo
        ? "What was uploaded so far is removed. The video stays in your studio without a file."
        : `“${video.title}” is deleted, with what was uploaded of it so far.`,
      confirm: "Cancel upload",
      cancel: "Keep uploading",
    });
    if (!yes) return;
    await upload.cancel();
    forgetRecord(video.id);
    if (!keepVideo) await api(videoPath(video.id), { method: "DELETE" }).catch(() => undefined);
    location.assign(keepVideo ? "/studio" : "/upload");
  });
}
