/**
 * `/upload`: choose or drop a file, describe it, upload it with tus (progress, speed, time
 * left, pause/resume), then follow the processing until the video is ready to watch.
 *
 * Resuming: every upload is recorded (file → video) in localStorage. After a reload the
 * unfinished ones are listed; choosing the same file again continues it into the same video
 * with a fresh ticket (POST /videos/:id/upload). `?video=<id>` uploads a file for an existing
 * video (the studio links here to upload again after a failure).
 */
import "../lib/account.ts";
import { bytes, clock, watchUrl } from "../../../shared/web/format.ts";
import { ApiFailure, api, explain } from "../lib/api.ts";
import { confirmAction } from "../lib/confirm.ts";
import { byId, h, pageData } from "../lib/dom.ts";
import { requireUser } from "../lib/session.ts";
import { SpeedMeter } from "../lib/speed-meter.ts";
import { type Ticket, VideoUpload } from "../lib/tus-upload.ts";
import {
  forgetRecord,
  identityOf,
  recordFor,
  saveRecord,
  unfinishedUploads,
  updateSent,
} from "../lib/upload-records.ts";

interface Video {
  id: string;
  title: string;
  status: "awaiting_upload" | "uploading" | "processing" | "ready" | "failed";
  progress: number;
  error: { code: string; message: string } | null;
}

const { maxBytes } = pageData<{ translation: boolean; maxBytes: number }>();
const form = byId<HTMLFormElement>("upload-form");
const fileInput = byId<HTMLInputElement>("file");
const titleInput = byId<HTMLInputElement>("title");
const formError = byId("form-error");

const state = {
  file: null as File | null,
  /** The existing video this page uploads into (`?video=`), if any. */
  target: null as Video | null,
  upload: null as VideoUpload | null,
  /** The video being uploaded into. */
  video: null as Video | null,
  /** The title was filled in from the file name (a new file may replace it). */
  titleFromFile: true,
  busy: false,
};
// Read by the browser tests.
(window as unknown as { movio: { upload: typeof state } }).movio = { upload: state };

const videoPath = (id: string) => `/api/v1/videos/${encodeURIComponent(id)}`;
const getVideo = (id: string) => api<Video>(videoPath(id));

async function videoOrNull(id: string): Promise<Video | null> {
  try {
    return await getVideo(id);
  } catch (err) {
    if (err instanceof ApiFailure && (err.status === 404 || err.status === 403)) return null;
    throw err;
  }
}

function showPageError(message: string): void {
  const element = byId("page-error");
  element.textContent = message;
  element.hidden = false;
}

// --- Choosing a file ---------------------------------------------------------------------

/** "my_holiday-video.final.mp4" → "My holiday video final". */
function titleFromName(name: string): string {
  const base = name.replace(/\.[^.]+$/, "").replace(/[_.]+|\s+-\s+|-/g, " ");
  const title = base.replace(/\s+/g, " ").trim() || "Untitled video";
  return (title.charAt(0).toUpperCase() + title.slice(1)).slice(0, 200);
}

function describeFile(file: File): string {
  const kind = file.type.startsWith("video/") || /\.(mkv|mov|mp4|m4v|webm|avi|ts|mts)$/i.test(file.name);
  const note = kind
    ? ""
    : " · this does not look like a video file; it will fail processing if it is not one";
  return `${file.name} · ${bytes(file.size)}${note}`;
}

async function chooseFile(file: File): Promise<void> {
  formError.textContent = "";
  if (file.size === 0) {
    formError.textContent = "That file is empty. Choose a video file.";
    return;
  }
  if (file.size > maxBytes) {
    formError.textContent = `That file is ${bytes(file.size)}; this server accepts files up to ${bytes(maxBytes)}.`;
    return;
  }
  state.file = file;
  byId("file-info").textContent = describeFile(file);
  // The same file as an unfinished upload: continue it into its video.
  const record = recordFor(file);
  if (record && (!state.target || state.target.id === record.videoId)) {
    const video = await videoOrNull(record.videoId).catch(() => null);
    if (video && (video.status === "uploading" || video.status === "awaiting_upload")) {
      await uploadInto(video, file);
      return;
    }
    forgetRecord(record.videoId);
  }
  if (state.target) {
    byId("start").focus();
    return;
  }
  if (state.titleFromFile || !titleInput.value.trim()) {
    titleInput.value = titleFromName(file.name);
    state.titleFromFile = true;
  }
}

function wireFileChoice(): void {
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) void chooseFile(file);
  });
  const zone = byId("dropzone");
  const over = (on: boolean) => (event: DragEvent) => {
    event.preventDefault();
    zone.classList.toggle("over", on);
  };
  zone.addEventListener("dragenter", over(true));
  zone.addEventListener("dragover", over(true));
  zone.addEventListener("dragleave", over(false));
  zone.addEventListener("drop", (event) => {
    over(false)(event);
    const file = event.dataTransfer?.files[0];
    if (file) void chooseFile(file);
  });
  // A file dropped beside the zone must not navigate away from the page (and the upload).
  addEventListener("dragover", (event) => event.preventDefault());
  addEventListener("drop", (event) => event.preventDefault());
  titleInput.addEventListener("input", () => {
    state.titleFromFile = false;
  });
}

// --- Creating the video ------------------------------------------------------------------

function createMessage(err: unknown): string {
  if (err instanceof ApiFailure) {
    switch (err.code) {
      case "quota_exceeded":
        return "You have too many videos waiting for their file. Finish or delete one in your studio first.";
      case "rate_limited":
        return "You are creating videos too quickly. Wait a minute and try again.";
      case "payload_too_large":
        return "The title or description is too long.";
      case "validation_failed":
        return `Check the details: ${err.message.replace(/^invalid [a-z]+: /, "")}`;
    }
  }
  return explain(err);
}

async function submit(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  if (state.busy) return;
  formError.textContent = "";
  const file = state.file;
  if (!file) {
    formError.textContent = "Choose a video file first.";
    fileInput.focus();
    return;
  }
  if (state.target) {
    await uploadInto(state.target, file);
    return;
  }
  const title = titleInput.value.trim();
  if (!title) {
    formError.textContent = "Give the video a title.";
    titleInput.focus();
    return;
  }
  const data = new FormData(form);
  const language = String(data.get("language") ?? "");
  const translateTo = data.getAll("translateTo").map(String);
  state.busy = true;
  const button = byId<HTMLButtonElement>("start");
  button.disabled = true;
  try {
    const created = await api<{ video: Video; upload: Ticket }>("/api/v1/videos", {
      json: {
        title,
        description: String(data.get("description") ?? ""),
        visibility: String(data.get("visibility") ?? "public"),
        ...(language ? { language } : {}),
        ...(translateTo.length > 0 ? { translateTo } : {}),
      },
    });
    await startUpload(created.video, file, created.upload, false);
  } catch (err) {
    formError.textContent = createMessage(err);
  } finally {
    state.busy = false;
    button.disabled = false;
  }
}

/** An existing video (unfinished, or failed and reopened): a fresh ticket, then upload. */
async function uploadInto(video: Video, file: File): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  try {
    const ticket = await api<Ticket>(`${videoPath(video.id)}/upload`, { method: "POST" });
    await startUpload(video, file, ticket, video.status === "uploading");
  } catch (err) {
    if (err instanceof ApiFailure && err.code === "upload_not_allowed") {
      forgetRecord(video.id);
      showPanel("processing");
      void follow(video);
      return;
    }
    formError.textContent = explain(err);
  } finally {
    state.busy = false;
  }
}

// --- Uploading ---------------------------------------------------------------------------

function showPanel(which: "form" | "upload" | "processing"): void {
  form.hidden = which !== "form";
  byId("unfinished").hidden = which !== "form" || byId("unfinished-list").childElementCount === 0;
  byId("upload-panel").hidden = which !== "upload";
  byId("processing-panel").hidden = which !== "processing";
}

function setBar(id: string, percent: number): void {
  const bar = byId(id);
  const value = Math.max(0, Math.min(100, Math.floor(percent)));
  bar.setAttribute("aria-valuenow", String(value));
  (bar.firstElementChild as HTMLElement).style.width = `${value}%`;
}

function setUploadStatus(text: string, problem = false): void {
  const status = byId("upload-status");
  status.textContent = text;
  status.classList.toggle("form-error", problem);
}

/** Pause and Resume swap places; the focus follows so the keyboard never loses it. */
function showRunning(running: boolean): void {
  const pause = byId<HTMLButtonElement>("pause");
  const resume = byId<HTMLButtonElement>("resume");
  const focused = document.activeElement === pause || document.activeElement === resume;
  pause.hidden = !running;
  resume.hidden = running;
  if (focused) (running ? pause : resume).focus();
}

async function startUpload(video: Video, file: File, ticket: Ticket, continuing: boolean): Promise<void> {
  saveRecord({ videoId: video.id, title: video.title, file: identityOf(file), sent: 0 });
  showPanel("upload");
  byId("upload-title").textContent = `${continuing ? "Continuing" : "Uploading"} “${video.title}”`;
  setUploadStatus(continuing ? "Picking up where the upload stopped…" : "Starting…");
  const meter = new SpeedMeter();
  let lastSaved = 0;
  const upload = new VideoUpload(
    file,
    video.id,
    ticket,
    () => api<Ticket>(`${videoPath(video.id)}/upload`, { method: "POST" }),
    {
      progress(sent, total) {
        meter.add(sent);
        setBar("upload-bar", (sent / total) * 100);
        byId("upload-percent").textContent = `${Math.floor((sent / total) * 100)}%`;
        byId("upload-bytes").textContent = `${bytes(sent)} of ${bytes(total)}`;
        const speed = meter.bytesPerSecond();
        byId("upload-speed").textContent = speed > 0 ? `${bytes(speed)}/s` : "";
        byId("upload-eta").textContent =
          speed > 0 ? `about ${clock(((total - sent) / speed) * 1000)} left` : "";
        if (byId("upload-status").textContent !== "Uploading…") setUploadStatus("Uploading…");
        if (Date.now() - lastSaved > 2000) {
          lastSaved = Date.now();
          updateSent(video.id, sent);
        }
      },
      success() {
        forgetRecord(video.id);
        state.upload = null;
        setBar("upload-bar", 100);
        showPanel("processing");
        void follow(video);
      },
      failure(message) {
        meter.reset();
        clearRate();
        setUploadStatus(message, true);
        showRunning(false);
      },
      trouble(message) {
        meter.reset();
        clearRate();
        if (message) setUploadStatus(message, true);
        else setUploadStatus("Uploading…");
      },
    },
  );
  state.upload = upload;
  state.video = video;
  showRunning(true);
  await upload.start(continuing);
}

function clearRate(): void {
  byId("upload-speed").textContent = "";
  byId("upload-eta").textContent = "";
}

function wireUploadControls(): void {
  byId("pause").addEventListener("click", () => {
    state.upload?.pause();
    clearRate();
    showRunning(false);
    setUploadStatus("Paused. What was sent is kept: resume now, or later by choosing the same file here.");
  });
  byId("resume").addEventListener("click", () => {
    if (!state.upload) return;
    state.upload.resume();
    showRunning(true);
    setUploadStatus("Resuming…");
  });
  byId("cancel").addEventListener("click", async () => {
    const { upload, video } = state;
    const keepVideo = state.target !== null;
    const yes = await confirmAction({
      title: "Cancel this upload?",
      text: keepVideo
        ? "What was uploaded so far is removed. The video stays in your studio without a file."
        : "What was uploaded so far is removed, and the new video with it.",
      confirm: "Cancel upload",
      cancel: "Keep uploading",
    });
    if (!yes || !upload || !video) return;
    await upload.cancel();
    forgetRecord(video.id);
    if (!keepVideo) await api(videoPath(video.id), { method: "DELETE" }).catch(() => undefined);
    location.assign(keepVideo ? "/studio" : "/upload");
  });
}

// --- Processing --------------------------------------------------------------------------

async function follow(video: Video): Promise<void> {
  const status = byId("processing-status");
  byId("processing-title").textContent = `Processing “${video.title}”`;
  let current = video;
  for (;;) {
    try {
      current = await getVideo(video.id);
    } catch (err) {
      status.textContent = `Cannot check the progress right now (${explain(err)}). Retrying…`;
      await sleep(4000);
      continue;
    }
    setBar("processing-bar", current.status === "ready" ? 100 : current.progress);
    if (current.status === "ready") {
      byId("processing-title").textContent = `“${current.title}” is ready`;
      status.textContent = "Processing finished: the video is ready to watch.";
      const watch = byId<HTMLAnchorElement>("watch-link");
      watch.href = watchUrl(current.id);
      watch.textContent = "Watch it";
      watch.hidden = false;
      watch.focus();
      return;
    }
    if (current.status === "failed") {
      byId("processing-title").textContent = `“${current.title}” could not be processed`;
      status.textContent = `Processing failed: ${current.error?.message ?? "unknown error"}`;
      status.classList.add("form-error");
      byId("processing-bar").hidden = true;
      const retry = byId<HTMLAnchorElement>("retry-link");
      retry.href = `/upload?video=${encodeURIComponent(current.id)}`;
      retry.hidden = false;
      retry.focus();
      return;
    }
    status.textContent =
      current.status === "processing"
        ? `Processing: ${current.progress}%. You can leave this page; it carries on, and your studio shows it.`
        : "Finishing the upload…";
    await sleep(1500);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- On load -----------------------------------------------------------------------------

async function loadTarget(id: string): Promise<void> {
  const video = await videoOrNull(id);
  if (!video) {
    showPageError("That video does not exist, or it is not yours. Upload a new one below.");
    return;
  }
  const notice = byId("target-video");
  notice.hidden = false;
  if (video.status === "processing" || video.status === "ready") {
    byId("upload-heading").textContent = "Nothing to upload";
    notice.textContent = `“${video.title}” already has its file (${video.status}).`;
    form.hidden = true;
    showPageError(`“${video.title}” already has its file. To upload something else, create a new video.`);
    return;
  }
  state.target = video;
  byId("upload-heading").textContent = "Upload a file for an existing video";
  byId("details").hidden = true;
  notice.replaceChildren(
    h("strong", {}, `“${video.title}”`),
    video.status === "failed"
      ? ` could not be processed: ${video.error?.message ?? "unknown error"} Choose another file to try again.`
      : " is waiting for its file. Choose it to upload (the same file continues where it stopped).",
  );
  byId("start").textContent = "Upload file";
}

async function listUnfinished(): Promise<void> {
  const list = byId("unfinished-list");
  for (const record of unfinishedUploads()) {
    if (state.target && state.target.id !== record.videoId) continue;
    const video = await videoOrNull(record.videoId).catch(() => undefined);
    if (video === undefined) continue; // cannot tell right now: keep the record
    if (!video || (video.status !== "uploading" && video.status !== "awaiting_upload")) {
      forgetRecord(record.videoId);
      continue;
    }
    const choose = h("button", { type: "button", class: "primary" }, "Choose the file");
    choose.setAttribute("aria-label", `Choose ${record.file.name} to continue “${video.title}”`);
    choose.addEventListener("click", () => fileInput.click());
    const discard = h("button", { type: "button", class: "danger" }, "Discard");
    discard.setAttribute("aria-label", `Discard the upload of “${video.title}”`);
    const item = h(
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
          showPageError(explain(err));
          return;
        }
      }
      forgetRecord(video.id);
      item.remove();
      byId("unfinished").hidden = list.childElementCount === 0;
      fileInput.focus();
    });
    list.append(item);
  }
  byId("unfinished").hidden = list.childElementCount === 0 || form.hidden;
}

async function init(): Promise<void> {
  await requireUser();
  wireFileChoice();
  wireUploadControls();
  form.addEventListener("submit", (event) => void submit(event));
  const target = new URLSearchParams(location.search).get("video");
  if (target) await loadTarget(target);
  await listUnfinished();
}

init().catch((err) => showPageError(`Something went wrong: ${explain(err)}`));
