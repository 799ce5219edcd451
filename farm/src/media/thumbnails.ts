/**
 * The poster (one frame a tenth of the way in) and the storyboard for seek previews:
 * sprite sheets of 10×10 thumbnails plus a WebVTT track whose cues point into them with
 * `#xywh=` fragments, the format players (dash.js, video.js, hls.js plugins) understand.
 * Thumbnails come out of encodes we run anyway (the single-node encode's second output, a
 * chunk's smallest-rung part) and are tiled into sheets at the end (tileStoryboard).
 */
import { appendFile, copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Ffmpeg, InputAccess } from "./ffmpeg.ts";
import type { StreamSegments } from "./growing-manifests.ts";
import { POSTER, STORYBOARD_VTT } from "./published-names.ts";

const THUMB_WIDTH = 160;
const GRID = 10;
const MAX_THUMBS = 400;

/** Where the poster is taken: a tenth of the way in, at most 10 s. */
export const posterSeconds = (durationMs: number) => Math.min(durationMs / 10, 10_000) / 1000;

export async function makePoster(
  ffmpeg: Ffmpeg,
  source: string,
  outDir: string,
  durationMs: number,
  height: number,
  access: InputAccess = "source",
  /** Stops it with the job (a lost lease, a delete): stopped by us, not failed on its own. */
  signal?: AbortSignal,
  /** At a lower CPU priority: nobody waits for it (a chunked video plays without it). */
  background = false,
) {
  const at = posterSeconds(durationMs);
  await ffmpeg.run({
    inputs: [{ path: source, options: ["-ss", at.toFixed(3)], access }],
    outputOptions: ["-frames:v", "1", "-vf", `scale=-2:${Math.min(720, even(height))}`, "-q:v", "3", "-an"],
    output: path.join(outDir, POSTER),
    ...(signal ? { signal } : {}),
    background,
  });
}

/**
 * The poster from one of our own renditions (the top rung: `segments` as ffmpeg listed them)
 * rather than the source: the frame at posterSeconds decoded from the start of its 2 s
 * segment — not from the source's keyframe before it (up to a whole GOP of the source: 1.3
 * CPU s of 1080p at an 8 s GOP, for one picture) — and without reading the source again.
 */
export async function makePosterFromRendition(
  ffmpeg: Ffmpeg,
  input: {
    outDir: string;
    segments: StreamSegments;
    durationMs: number;
    height: number;
    workDir: string;
    signal?: AbortSignal;
  },
) {
  const at = posterSeconds(input.durationMs);
  const { init, segments } = input.segments;
  let start = 0;
  let chosen = segments.length - 1;
  for (const [i, segment] of segments.entries()) {
    if (at < start + segment.seconds) {
      chosen = i;
      break;
    }
    if (i < segments.length - 1) start += segment.seconds;
  }
  const segment = segments[chosen];
  if (!segment) throw new Error("no segment to take the poster from");
  // Inside the segment, a frame short of its end (ffmpeg's listed durations are rounded).
  const offset = Math.max(0, Math.min(at - start, segment.seconds - 0.1));
  const joined = await joinRendition(
    input.outDir,
    init,
    [segment.uri],
    path.join(input.workDir, "poster-source.mp4"),
  );
  await ffmpeg.run({
    inputs: [{ path: joined, access: "own-output" }],
    outputOptions: [
      ...["-ss", offset.toFixed(3), "-frames:v", "1"],
      ...["-vf", `scale=-2:${Math.min(720, even(input.height))}`, "-q:v", "3", "-an"],
    ],
    output: path.join(input.outDir, POSTER),
    ...(input.signal ? { signal: input.signal } : {}),
  });
}

/** Where the storyboard's thumbnails fall: one every `interval` seconds, `count` in all. */
export interface StoryboardLayout {
  seconds: number;
  interval: number;
  count: number;
  thumbHeight: number;
}

export function storyboardLayout(info: {
  durationMs: number;
  width: number;
  height: number;
}): StoryboardLayout {
  const seconds = info.durationMs / 1000;
  const interval = Math.max(1, Math.ceil(seconds / MAX_THUMBS));
  return {
    seconds,
    interval,
    count: Math.ceil(seconds / interval),
    thumbHeight: even((THUMB_WIDTH * info.height) / info.width),
  };
}

/** Frames in, the storyboard's thumbnails out: one every `interval` seconds, THUMB_WIDTH wide. */
export const storyboardThumbFilter = (layout: StoryboardLayout) =>
  `fps=1/${layout.interval},scale=${THUMB_WIDTH}:${layout.thumbHeight}`;

/** Thumbnails into sheets, GRID × GRID a sheet. */
export const STORYBOARD_TILE = `tile=${GRID}x${GRID}`;
const STORYBOARD_SHEET_OPTIONS = ["-q:v", "5", "-start_number", "0"];
const STORYBOARD_SHEETS = "storyboard-%02d.jpg";
const STORYBOARD_THUMBS = "thumb-%05d.png";

/**
 * An output writing the whole video's thumbnails (storyboardThumbName 0…count-1) into
 * thumbsDir, from a filter's output labelled `label`, for tileStoryboard after the run.
 */
export const storyboardThumbsOutput = (layout: StoryboardLayout, label: string, thumbsDir: string) => ({
  options: ["-map", `[${label}]`, "-frames:v", String(layout.count), "-start_number", "0"],
  path: path.join(thumbsDir, STORYBOARD_THUMBS),
});

/** The WebVTT track over the sprite sheets in outDir. */
async function writeStoryboardVtt(outDir: string, layout: StoryboardLayout) {
  const { seconds, interval, count, thumbHeight } = layout;
  const sheets = (await readdir(outDir)).filter((name) => /^storyboard-\d+\.jpg$/.test(name)).sort();
  const cues: string[] = ["WEBVTT", ""];
  for (let i = 0; i < count && Math.floor(i / (GRID * GRID)) < sheets.length; i++) {
    const sheet = sheets[Math.floor(i / (GRID * GRID))];
    const cell = i % (GRID * GRID);
    const x = (cell % GRID) * THUMB_WIDTH;
    const y = Math.floor(cell / GRID) * thumbHeight;
    cues.push(`${vttTime(i * interval)} --> ${vttTime(Math.min((i + 1) * interval, seconds))}`);
    cues.push(`${sheet}#xywh=${x},${y},${THUMB_WIDTH},${thumbHeight}`, "");
  }
  await writeFile(path.join(outDir, STORYBOARD_VTT), cues.join("\n"));
}

/** One storyboard thumbnail's file (lossless: the sheets are compressed once, when tiled). */
export const storyboardThumbName = (index: number) => `thumb-${String(index).padStart(5, "0")}.png`;

/**
 * The storyboard's thumbnails that fall in one piece of the video (a chunk of a chunked run:
 * `input` is its own rendition, starting at `startSeconds` of the video and `seconds` long,
 * after `skipSeconds` of warm-up that is not part of it),
 * written to outDir as storyboardThumbName(i) with i on the whole video's grid. Returns their
 * indexes (none when no thumbnail falls in the piece).
 */
export async function makeStoryboardThumbs(
  ffmpeg: Ffmpeg,
  input: {
    source: string;
    skipSeconds?: number;
    outDir: string;
    layout: StoryboardLayout;
    startSeconds: number;
    seconds: number;
    signal?: AbortSignal;
  },
): Promise<number[]> {
  const { layout } = input;
  const first = Math.ceil(input.startSeconds / layout.interval - 1e-9);
  const end = Math.min(
    layout.count,
    Math.ceil((input.startSeconds + input.seconds) / layout.interval - 1e-9),
  );
  if (end <= first) return [];
  const offset = first * layout.interval - input.startSeconds + (input.skipSeconds ?? 0);
  await ffmpeg.run({
    inputs: [{ path: input.source, options: ["-ss", offset.toFixed(6)], access: "own-output" }],
    outputOptions: [
      "-vf",
      storyboardThumbFilter(layout),
      "-frames:v",
      String(end - first),
      "-an",
      "-start_number",
      String(first),
    ],
    output: path.join(input.outDir, STORYBOARD_THUMBS),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  // What ffmpeg wrote (a piece whose picture ends early may have fewer).
  const written = new Set(await readdir(input.outDir));
  return Array.from({ length: end - first }, (_, i) => first + i).filter((i) =>
    written.has(storyboardThumbName(i)),
  );
}

/** The sprite sheets and WebVTT track in outDir from every thumbnail (storyboardThumbName) in thumbsDir. */
export async function tileStoryboard(
  ffmpeg: Ffmpeg,
  input: { thumbsDir: string; outDir: string; layout: StoryboardLayout; signal?: AbortSignal },
): Promise<void> {
  await ffmpeg.run({
    inputs: [
      {
        path: path.join(input.thumbsDir, STORYBOARD_THUMBS),
        options: ["-framerate", "1", "-start_number", "0"],
        access: "own-output",
      },
    ],
    outputOptions: ["-vf", STORYBOARD_TILE, ...STORYBOARD_SHEET_OPTIONS],
    output: path.join(input.outDir, STORYBOARD_SHEETS),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  await writeStoryboardVtt(input.outDir, input.layout);
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(ms % 1000).padStart(3, "0")}`;
}

/** A rendition's init segment and the given media segments (names in dir) as one playable file. */
async function joinRendition(dir: string, init: string, segments: string[], joined: string): Promise<string> {
  await copyFile(path.join(dir, init), joined);
  for (const name of segments) await appendFile(joined, await readFile(path.join(dir, name)));
  return joined;
}
