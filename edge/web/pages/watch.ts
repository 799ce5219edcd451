/**
 * The watch page's player: dash.js (bundled from npm, loaded as its own chunk) on the signed DASH URL
 * (while the video is processing, its growing MPD: played from 0, waiting at the encoder's edge,
 * whole once processing ends, without a reload); quality and
 * subtitle menus; `?t=SECONDS` start (search hits link here); seek previews from the
 * storyboard; keyboard: space, ←/→, f, c. `window.movio` exposes the player's state to the
 * browser tests.
 */
import { type WatchPageData, watchIds } from "../../../shared/web/pages/watch-page-contract.ts";
import "../lib/account.ts";
import type * as dashjs from "dashjs";
import type { Representation } from "dashjs";
import { clock } from "../../../shared/web/format.ts";
import { ApiFailure, api, explain } from "../lib/api.ts";
import { byId, pageData } from "../lib/dom.ts";
import { restoreSession } from "../lib/session.ts";
import { loadStoryboard } from "../lib/storyboard.ts";

interface Video {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  status: "awaiting_upload" | "uploading" | "processing" | "ready" | "failed";
  progress: number;
  playable: boolean;
  error: { code: string; message: string } | null;
}
interface Playback {
  dash: string;
  poster: string | null;
  storyboard: string | null;
  subtitles: { lang: string | null; label: string; default: boolean }[];
}

const state = {
  ready: false,
  representations: [] as Representation[],
  textTracks: [] as dashjs.MediaInfo[],
  audioTracks: [] as dashjs.MediaInfo[],
  textTrack: -1,
  rendered: undefined as number | undefined,
  player: undefined as dashjs.MediaPlayerClass | undefined,
  /** Playing while the video is still processing (a growing stream). */
  processing: false,
};
(window as unknown as { movio: typeof state }).movio = state;

const { videoId } = pageData<WatchPageData>();
const element = byId<HTMLVideoElement>(watchIds.video);

function show(text: string): void {
  const message = byId(watchIds.message);
  message.textContent = text;
  message.hidden = false;
  byId(watchIds.bar).hidden = true;
}

async function load(): Promise<void> {
  const user = await restoreSession();
  let video: Video;
  try {
    video = await api<Video>(`/api/v1/videos/${encodeURIComponent(videoId)}`);
  } catch (err) {
    byId(watchIds.title).textContent = "Video not available";
    if (err instanceof ApiFailure && err.status === 404) {
      return show("This video does not exist, or it is private. If it is yours, log in to watch it.");
    }
    return show(explain(err));
  }
  byId(watchIds.title).textContent = video.title;
  document.title = `${video.title} · Movio`;
  byId(watchIds.description).textContent = video.description;
  if (user && user.id === video.ownerId) {
    byId(watchIds.ownerLinks).hidden = false;
    if (!byId(watchIds.owner).textContent) byId(watchIds.owner).textContent = "Your video";
  }
  if (video.status === "failed") {
    return show(`This video could not be processed: ${video.error?.message ?? "unknown error"}`);
  }
  if (video.status === "processing" && video.playable) {
    // Playable while processing: the stream grows as it is encoded and becomes the whole video
    // on its own (the manifests turn finished); the page only says how far it is.
    watchProcessing(video.progress);
  } else if (video.status !== "ready") {
    const what = video.status === "processing" ? "processing" : "uploading";
    show(`This video is still ${what} (${video.progress}%). It will start when it is ready.`);
    setTimeout(() => void load(), 3000);
    return;
  }
  await play(await api<Playback>(`/api/v1/videos/${encodeURIComponent(videoId)}/playback`));
}

/** Says the video is still processing, and follows it until it is ready (no reload needed). */
function watchProcessing(progress: number): void {
  const note = byId(watchIds.processingNote);
  note.textContent = `Still processing (${progress}%): it plays as far as it is encoded, and the rest follows as it is.`;
  note.hidden = false;
  state.processing = true;
  setTimeout(async () => {
    const video = await api<Video>(`/api/v1/videos/${encodeURIComponent(videoId)}`).catch(() => undefined);
    if (video?.status === "ready") {
      note.hidden = true;
      state.processing = false;
    } else if (video?.status === "failed") {
      note.textContent = `Processing failed: ${video.error?.message ?? "unknown error"}`;
    } else watchProcessing(video?.progress ?? progress);
  }, 4000);
}

async function play(playback: Playback): Promise<void> {
  // The player (dash.js, most of this page's weight) is its own chunk, fetched only now.
  const { MediaPlayer } = await import("dashjs");
  byId(watchIds.message).hidden = true;
  byId(watchIds.bar).hidden = false;
  element.controls = true;
  if (playback.poster) element.poster = playback.poster;
  const player = MediaPlayer().create();
  state.player = player;
  // A video still processing has a growing (dynamic) MPD: its seekable range is what its
  // timeline lists, and it starts at 0 (below), not at the encoder's edge.
  player.updateSettings({ streaming: { timeShiftBuffer: { calcFromSegmentTimeline: true } } });
  // Deep links (a search hit inside the subtitles): /watch/:id?t=SECONDS starts there.
  const start = Number(new URLSearchParams(location.search).get("t"));
  player.initialize(element, playback.dash, true, Number.isFinite(start) && start > 0 ? start : 0);
  const events = MediaPlayer.events;
  player.on(events.STREAM_INITIALIZED, () => {
    state.representations = player
      .getRepresentationsByType("video")
      .slice()
      .sort((a, b) => b.bandwidth - a.bandwidth);
    const quality = byId<HTMLSelectElement>(watchIds.quality);
    for (const rep of state.representations) {
      quality.append(new Option(`${rep.height}p · ${Math.round(rep.bandwidth / 1000)} kbps`, rep.id));
    }
    setUpSubtitles(player, playback.subtitles);
    setUpAudio(player);
    state.ready = true;
  });
  player.on(events.QUALITY_CHANGE_RENDERED, (event) => {
    if (event.mediaType === "video") state.rendered = event.newRepresentation?.height;
  });
  player.on(events.ERROR, (event) => {
    const error = (event as { error?: { message?: string } }).error;
    show(`Playback failed: ${error?.message ?? "unknown error"}`);
  });
  const quality = byId<HTMLSelectElement>(watchIds.quality);
  quality.addEventListener("change", () => {
    const auto = quality.value === "auto";
    player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: auto } } } });
    if (!auto) player.setRepresentationForTypeById("video", quality.value, true);
  });
  wireControls();
  if (playback.storyboard) void loadStoryboard(playback.storyboard, element, byId(watchIds.seek));
}

// The manifest declares the tracks; the playback API says which one is the default.
function setUpSubtitles(player: dashjs.MediaPlayerClass, published: Playback["subtitles"]): void {
  state.textTracks = player.getTracksFor("text");
  const menu = byId<HTMLSelectElement>(watchIds.subtitles);
  byId(watchIds.subtitlesLabel).hidden = state.textTracks.length === 0;
  state.textTracks.forEach((track, index) => {
    const label = track.labels?.[0]?.text || track.lang || "Subtitles";
    menu.append(new Option(label, String(index)));
  });
  const preferred = published.find((s) => s.default);
  const initial = preferred ? state.textTracks.findIndex((t) => t.lang === (preferred.lang ?? "und")) : -1;
  chooseText(initial);
  menu.addEventListener("change", () => chooseText(Number(menu.value)));
}

/** Alternate audio (other languages): the manifest's first track is the default and plays first. */
function setUpAudio(player: dashjs.MediaPlayerClass): void {
  state.audioTracks = player.getTracksFor("audio");
  const menu = byId<HTMLSelectElement>(watchIds.audio);
  byId(watchIds.audioLabel).hidden = state.audioTracks.length < 2;
  state.audioTracks.forEach((track, index) => {
    menu.append(new Option(track.labels?.[0]?.text || track.lang || `Audio ${index + 1}`, String(index)));
  });
  const current = player.getCurrentTrackFor("audio");
  menu.value = String(
    Math.max(
      0,
      state.audioTracks.findIndex((t) => t.id === current?.id),
    ),
  );
  menu.addEventListener("change", () => {
    const track = state.audioTracks[Number(menu.value)];
    if (track) player.setCurrentTrack(track);
  });
}

function chooseText(index: number): void {
  const player = state.player;
  if (!player) return;
  player.enableText(index >= 0);
  if (index >= 0) player.setTextTrack(index);
  byId<HTMLSelectElement>(watchIds.subtitles).value = String(index);
  state.textTrack = index;
}

function wireControls(): void {
  const seek = byId<HTMLInputElement>(watchIds.seek);
  const playButton = byId<HTMLButtonElement>(watchIds.play);
  const syncPlay = () => {
    playButton.textContent = element.paused ? "Play" : "Pause";
    playButton.setAttribute("aria-label", element.paused ? "Play" : "Pause");
  };
  element.addEventListener("play", syncPlay);
  element.addEventListener("pause", syncPlay);
  syncPlay();
  playButton.addEventListener("click", togglePlay);
  byId(watchIds.fullscreen).addEventListener("click", toggleFullscreen);
  element.addEventListener("timeupdate", () => {
    const length = playableLength();
    if (!length) return;
    seek.value = String(Math.round((element.currentTime / length) * 1000));
    // While it is still encoded, the length is only what is encoded so far: say so.
    const sofar = state.processing ? " so far" : "";
    byId(watchIds.time).textContent =
      `${clock(element.currentTime * 1000)} / ${clock(length * 1000)}${sofar}`;
  });
  seek.addEventListener("input", () => {
    const length = playableLength();
    if (length) element.currentTime = (Number(seek.value) / 1000) * length;
  });
  document.addEventListener("keydown", onKey);
}

/** The video's length; while it is still encoded (no finite duration), as far as it is encoded. */
function playableLength(): number {
  if (Number.isFinite(element.duration)) return element.duration;
  const { seekable } = element;
  return seekable.length > 0 ? seekable.end(seekable.length - 1) : 0;
}

function togglePlay(): void {
  if (element.paused) void element.play();
  else element.pause();
}

function toggleFullscreen(): void {
  if (document.fullscreenElement) void document.exitFullscreen();
  else void element.parentElement?.requestFullscreen();
}

/** Shortcuts, unless the user is typing or working a control that uses the key itself. */
function onKey(event: KeyboardEvent): void {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target as HTMLElement;
  if (target.closest("input, select, textarea, button, a, [contenteditable]") && target !== element) return;
  switch (event.key) {
    case " ":
    case "k":
      togglePlay();
      break;
    case "ArrowLeft":
      element.currentTime = Math.max(0, element.currentTime - 5);
      break;
    case "ArrowRight":
      element.currentTime = Math.min(playableLength() || Infinity, element.currentTime + 5);
      break;
    case "f":
      toggleFullscreen();
      break;
    case "c": {
      if (state.textTracks.length === 0) return;
      const published = state.textTrack >= 0 ? -1 : 0;
      chooseText(published);
      break;
    }
    default:
      return;
  }
  event.preventDefault();
}

load().catch((err) => show(`Something went wrong: ${explain(err)}`));
