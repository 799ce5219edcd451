/**
 * `/upload`: choose or drop a file, describe it, upload it with tus (progress, speed, time
 * left, pause/resume), then follow the processing until the video is ready to watch.
 *
 * Resuming: every upload is recorded (file → video) in localStorage. After a reload the
 * unfinished ones are listed; choosing the same file again continues it into the same video
 * with a fresh ticket (POST /videos/:id/upload). `?video=<id>` uploads a file for an existing
 * video (the studio links here to upload again after a failure).
 */
import { type UploadPageData, uploadIds } from "../../../shared/web/pages/upload-page-contract.ts";
import "../lib/account.ts";
import { bytes } from "../../../shared/web/format.ts";
import { ApiFailure, api, explain } from "../lib/api.ts";
import { byId, h, pageData } from "../lib/dom.ts";
import { followProcessing } from "../lib/processing-panel.ts";
import { requireUser } from "../lib/session.ts";
import type { Ticket } from "../lib/tus-upload.ts";
import { listUnfinished } from "../lib/unfinished-list.ts";
import { runUpload, wireUploadControls } from "../lib/upload-progress.ts";
import { forgetRecord, recordFor } from "../lib/upload-records.ts";
import { type Video, videoOrNull, videoPath } from "../lib/upload-video.ts";

const { maxBytes, captions } = pageData<UploadPageData>();
const form = byId<HTMLFormElement>(uploadIds.form);
const fileInput = byId<HTMLInputElement>(uploadIds.file);
const titleInput = byId<HTMLInputElement>(uploadIds.title);
const formError = byId(uploadIds.formError);

const state = {
  file: null as File | null,
  /** The existing video this page uploads into (`?video=`), if any. */
  target: null as Video | null,
  /** The title was filled in from the file name (a new file may replace it). */
  titleFromFile: true,
  busy: false,
};

function showPageError(message: string): void {
  const element = byId(uploadIds.pageError);
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
  byId(uploadIds.fileInfo).textContent = describeFile(file);
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
    byId(uploadIds.start).focus();
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
  const zone = byId(uploadIds.dropzone);
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
  const button = byId<HTMLButtonElement>(uploadIds.start);
  button.disabled = true;
  try {
    const created = await api<{ video: Video; upload: Ticket }>("/api/v1/videos", {
      json: {
        title,
        description: String(data.get("description") ?? ""),
        visibility: String(data.get("visibility") ?? "public"),
        ...(language ? { language } : {}),
        ...(translateTo.length > 0 ? { translateTo } : {}),
        // Only when offered (captions on): unticked, the video opts out of generated captions.
        ...(captions ? { autoCaptions: data.get("autoCaptions") === "true" } : {}),
      },
    });
    await start(created.video, file, created.upload, false);
  } catch (err) {
    formError.textContent = createMessage(err);
  } finally {
    state.busy = false;
    button.disabled = false;
  }
}

function start(video: Video, file: File, ticket: Ticket, continuing: boolean): Promise<void> {
  return runUpload(video, file, ticket, {
    continuing,
    keepVideo: state.target !== null,
    done: (uploaded) => void followProcessing(uploaded),
  });
}

/** An existing video (unfinished, or failed and reopened): a fresh ticket, then upload. */
async function uploadInto(video: Video, file: File): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  try {
    const ticket = await api<Ticket>(`${videoPath(video.id)}/upload`, { method: "POST" });
    await start(video, file, ticket, video.status === "uploading");
  } catch (err) {
    if (err instanceof ApiFailure && err.code === "upload_not_allowed") {
      forgetRecord(video.id);
      void followProcessing(video);
      return;
    }
    formError.textContent = explain(err);
  } finally {
    state.busy = false;
  }
}

// --- On load -----------------------------------------------------------------------------

async function loadTarget(id: string): Promise<void> {
  const video = await videoOrNull(id);
  if (!video) {
    showPageError("That video does not exist, or it is not yours. Upload a new one below.");
    return;
  }
  const notice = byId(uploadIds.targetVideo);
  notice.hidden = false;
  if (video.status === "processing" || video.status === "ready") {
    byId(uploadIds.heading).textContent = "Nothing to upload";
    notice.textContent = `“${video.title}” already has its file (${video.status}).`;
    form.hidden = true;
    showPageError(`“${video.title}” already has its file. To upload something else, create a new video.`);
    return;
  }
  state.target = video;
  byId(uploadIds.heading).textContent = "Upload a file for an existing video";
  byId(uploadIds.details).hidden = true;
  notice.replaceChildren(
    h("strong", {}, `“${video.title}”`),
    video.status === "failed"
      ? ` could not be processed: ${video.error?.message ?? "unknown error"} Choose another file to try again.`
      : " is waiting for its file. Choose it to upload (the same file continues where it stopped).",
  );
  byId(uploadIds.start).textContent = "Upload file";
}

async function init(): Promise<void> {
  await requireUser();
  wireFileChoice();
  wireUploadControls();
  form.addEventListener("submit", (event) => void submit(event));
  const target = new URLSearchParams(location.search).get("video");
  if (target) await loadTarget(target);
  await listUnfinished({
    only: state.target?.id,
    chooseFile: () => fileInput.click(),
    problem: showPageError,
  });
  // Everything is wired: a file chosen from now on is handled (browser tests wait for this).
  document.body.dataset.pageReady = "true";
}

init().catch((err) => showPageError(`Something went wrong: ${explain(err)}`));
