/**
 * The single-node transcode's poster comes from the top rung's segment at the poster's time
 * (thumbnails.ts' makePosterFromRendition), not from a decode of the source: it must be the
 * same picture the source has there. Real ffmpeg, the real ladder encode; the picture is
 * compared with the source's own frame at that time (PSNR) and with a frame half a second
 * later, which a poster off by that much would match instead.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeLadder } from "../src/media/encode-ladder.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { ffmpegMediaPlaylist, parseMediaPlaylist } from "../src/media/growing-manifests.ts";
import { planLadder } from "../src/media/ladder.ts";
import { POSTER } from "../src/media/published-names.ts";
import { makePoster, makePosterFromRendition, posterSeconds } from "../src/media/thumbnails.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-poster-"));
const source = path.join(dir, "source.mp4");
const DURATION_MS = 17_000; // the poster at 1.7 s: inside the first segment, off its start
const ffmpeg = new Ffmpeg(locateMediaTools({}));

/** PSNR (dB) of two pictures of the same size, from ffmpeg's psnr filter. */
function picturePsnr(a: string, b: string): number {
  const stderr = execFileSync("sh", [
    "-c",
    `ffmpeg -hide_banner -i "${a}" -i "${b}" -lavfi psnr -f null - 2>&1`,
  ]).toString();
  const match = /average:(inf|[\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no PSNR in: ${stderr}`);
  return match[1] === "inf" ? 100 : Number(match[1]);
}

/** The source's own frame at `seconds`, as a picture of `height` lines. */
function sourceFrame(seconds: number, height: number, name: string): string {
  const file = path.join(dir, name);
  execFileSync("ffmpeg", [
    ...["-loglevel", "error", "-y", "-i", source, "-ss", seconds.toFixed(3), "-frames:v", "1"],
    ...["-vf", `scale=-2:${height}`, "-q:v", "3", file],
  ]);
  return file;
}

let out: string;
beforeAll(async () => {
  // A moving test card with a running clock, and a long GOP (8 s) as cameras often write.
  execFileSync("ffmpeg", [
    ...["-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=30"],
    ...["-t", String(DURATION_MS / 1000), "-c:v", "libx264", "-preset", "ultrafast", "-g", "240"],
    ...["-pix_fmt", "yuv420p", source],
  ]);
  out = path.join(dir, "out");
  mkdirSync(out);
  await encodeLadder(ffmpeg, {
    source,
    outDir: out,
    ladder: planLadder({ width: 1280, height: 720, fps: 30 }, 30),
    info: { interlaced: false, transfer: "sdr", audioStreams: [] },
    loudnessTarget: null,
    threads: 0,
    durationMs: DURATION_MS,
  });
}, 120_000);

describe("the poster from the top rung", () => {
  it("is the source's picture at the poster's time", async () => {
    const segments = parseMediaPlaylist(readFileSync(path.join(out, ffmpegMediaPlaylist(0)), "utf8"))!;
    await makePosterFromRendition(ffmpeg, {
      outDir: out,
      segments,
      durationMs: DURATION_MS,
      height: 720,
      workDir: dir,
    });
    const poster = path.join(out, POSTER);
    const at = posterSeconds(DURATION_MS);
    const same = picturePsnr(poster, sourceFrame(at, 720, "at.jpg"));
    const later = picturePsnr(poster, sourceFrame(at + 0.5, 720, "later.jpg"));
    expect(same).toBeGreaterThan(30);
    expect(same).toBeGreaterThan(later + 3);
    // As the source-decoding poster it replaces.
    const fromSource = path.join(dir, "from-source");
    mkdirSync(fromSource);
    await makePoster(ffmpeg, source, fromSource, DURATION_MS, 720);
    expect(picturePsnr(poster, path.join(fromSource, POSTER))).toBeGreaterThan(30);
  });

  it("is taken from the last segment when the time falls past the listed ones", async () => {
    const segments = parseMediaPlaylist(readFileSync(path.join(out, ffmpegMediaPlaylist(0)), "utf8"))!;
    const last = path.join(dir, "last");
    mkdirSync(last);
    // Only the first segment written yet, as when the encode ended short of the poster's time.
    await makePosterFromRendition(ffmpeg, {
      outDir: out,
      segments: { init: segments.init, segments: segments.segments.slice(0, 1) },
      durationMs: 60_000,
      height: 360,
      workDir: last,
    });
    const poster = path.join(out, POSTER);
    const lastFrameOfFirst = sourceFrame(segments.segments[0]!.seconds - 0.1, 360, "first-end.jpg");
    expect(picturePsnr(poster, lastFrameOfFirst)).toBeGreaterThan(30);
  });
});
