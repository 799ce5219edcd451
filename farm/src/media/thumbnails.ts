/**
 * The poster (one frame a tenth of the way in) and the storyboard for seek previews:
 * sprite sheets of 10×10 thumbnails plus a WebVTT track whose cues point into them with
 * `#xywh=` fragments, the format players (dash.js, video.js, hls.js plugins) understand.
 */
import { appendFile, copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Ffmpeg, InputAccess } from "./ffmpeg.ts";
import { POSTER, STORYBOARD_VTT } from "./published-names.ts";

const THUMB_WIDTH = 160;
const GRID = 10;
const MAX_THUMBS = 400;

export async function makePoster(
  ffmpeg: Ffmpeg,
  source: string,
  outDir: string,
  durationMs: number,
  height: number,
  access: InputAccess = "source",
  /** Stops it with the job (a lost lease, a delete): stopped by us, not failed on its own. */
  signal?: AbortSignal,
) {
  const at = Math.min(durationMs / 10, 10_000) / 1000;
  await ffmpeg.run({
    inputs: [{ path: source, options: ["-ss", at.toFixed(3)], access }],
    outputOptions: ["-frames:v", "1", "-vf", `scale=-2:${Math.min(720, even(height))}`, "-q:v", "3", "-an"],
    output: path.join(outDir, POSTER),
    ...(signal ? { signal } : {}),
  });
}

export async function makeStoryboard(
  ffmpeg: Ffmpeg,
  source: string,
  outDir: string,
  info: { durationMs: number; width: number; height: number },
) {
  const seconds = info.durationMs / 1000;
  const interval = Math.max(1, Math.ceil(seconds / MAX_THUMBS));
  const thumbHeight = even((THUMB_WIDTH * info.height) / info.width);
  await ffmpeg.run({
    inputs: [{ path: source }],
    outputOptions: [
      "-vf",
      `fps=1/${interval},scale=${THUMB_WIDTH}:${thumbHeight},tile=${GRID}x${GRID}`,
      "-q:v",
      "5",
      "-an",
      "-start_number",
      "0",
    ],
    output: path.join(outDir, "storyboard-%02d.jpg"),
  });
  const sheets = (await readdir(outDir)).filter((name) => /^storyboard-\d+\.jpg$/.test(name)).sort();
  const count = Math.ceil(seconds / interval);
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

/**
 * The storyboard made from one of our own renditions in outDir (its init segment and media
 * segments joined into one file) rather than from the source: 160-pixel thumbnails need no
 * 1080p decode, and the smallest rung is ready long before the ladder is.
 */
export async function makeStoryboardFromRendition(
  ffmpeg: Ffmpeg,
  outDir: string,
  representation: string,
  info: { durationMs: number; width: number; height: number },
  workDir: string,
): Promise<void> {
  const names = (await readdir(outDir)).sort();
  const segments = names.filter(
    (name) => name.startsWith(`seg-${representation}-`) && /-\d+\.m4s$/.test(name),
  );
  const joined = path.join(workDir, `storyboard-${representation}.mp4`);
  await copyFile(path.join(outDir, `init-${representation}.m4s`), joined);
  for (const name of segments) await appendFile(joined, await readFile(path.join(outDir, name)));
  await makeStoryboard(ffmpeg, joined, outDir, info);
}
