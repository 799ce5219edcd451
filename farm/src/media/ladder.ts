/**
 * Plans the adaptive ladder from the source: never upscaled, the short side picks the rungs
 * (so portrait video gets the same quality steps as landscape), frame rate capped, even
 * dimensions, one fixed GOP of two seconds so every rung's segments line up.
 */
import type { SourceInfo } from "./inspect.ts";

export interface Rung {
  name: string;
  width: number;
  height: number;
  /** Target video bitrate, kbit/s. */
  bitrateK: number;
  preset: string;
  /** Extra x264 options for this rung ("key=value:…"), measured in bench/transcode. */
  x264?: string;
}

export interface Ladder {
  rungs: Rung[];
  fps: number;
  gop: number;
  segmentSeconds: number;
  audioBitrateK: number;
}

/**
 * Short side → bitrate at 30 fps (kbit/s) and x264 preset. The big rungs dominate the
 * cost, so they use a faster preset (their generous bitrate absorbs it); the small rungs,
 * where every bit shows, keep veryfast — the middle ones with the fastest subpixel search
 * (subme=1, what superfast uses): −7 to −16 % CPU for the ladder, ≤ 0.08 dB PSNR on 360p.
 * The 240p rung is left alone (it is ~4 % of its run; not measured). Measured in bench/transcode.
 */
const RUNGS: { short: number; bitrateK: number; preset: string; x264?: string }[] = [
  { short: 2160, bitrateK: 14000, preset: "superfast" },
  { short: 1440, bitrateK: 8000, preset: "superfast" },
  { short: 1080, bitrateK: 5000, preset: "superfast" },
  { short: 720, bitrateK: 2800, preset: "veryfast", x264: "subme=1" },
  { short: 480, bitrateK: 1400, preset: "veryfast", x264: "subme=1" },
  { short: 360, bitrateK: 800, preset: "veryfast", x264: "subme=1" },
  { short: 240, bitrateK: 400, preset: "veryfast" },
];

export const SEGMENT_SECONDS = 2;

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

export function planLadder(source: Pick<SourceInfo, "width" | "height" | "fps">, maxFps: number): Ladder {
  const fps = Math.min(maxFps, roundFps(source.fps));
  const portrait = source.height > source.width;
  const short = Math.min(source.width, source.height);
  const long = Math.max(source.width, source.height);
  const fitting = RUNGS.filter((r) => r.short <= short);
  // A source smaller than the smallest rung is kept at its own size.
  const chosen = fitting.length > 0 ? fitting : [{ short, bitrateK: 300, preset: "veryfast" }];
  const fpsFactor = fps > 30 ? 1.5 : 1;
  const rungs = chosen.map((r) => {
    const scaledLong = even((long * r.short) / short);
    const rungShort = even(r.short);
    return {
      name: `${r.short}p`,
      width: portrait ? rungShort : scaledLong,
      height: portrait ? scaledLong : rungShort,
      bitrateK: Math.round(r.bitrateK * fpsFactor),
      preset: r.preset,
      ...(r.x264 ? { x264: r.x264 } : {}),
    };
  });
  return {
    rungs,
    fps,
    gop: Math.round(fps * SEGMENT_SECONDS),
    segmentSeconds: SEGMENT_SECONDS,
    audioBitrateK: 128,
  };
}

function roundFps(fps: number): number {
  // 29.97 stays 29.97; odd rates are rounded to 3 decimals for a stable GOP.
  return Math.round(fps * 1000) / 1000;
}
