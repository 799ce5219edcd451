/**
 * The single-node storyboard comes out of the encode itself (encodeLadder's `storyboard`):
 * sheets from the smallest rung's frames, the same pictures a run of their own over that
 * rendition makes, and the sheets' long spans never taken for the encode's progress.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeLadder } from "../src/media/encode-ladder.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { planLadder } from "../src/media/ladder.ts";
import {
  STORYBOARD_TILE,
  storyboardLayout,
  storyboardThumbFilter,
  tileStoryboard,
} from "../src/media/thumbnails.ts";
import { joinLocalRenditions } from "./support/media-checks.ts";

const SECONDS = 130; // a sheet of 100 thumbnails and part of a second
const dir = mkdtempSync(path.join(os.tmpdir(), "movio-storyboard-encode-"));
const source = path.join(dir, "source.mp4");
const out = path.join(dir, "out");
const thumbsDir = path.join(dir, "thumbs");
const ffmpeg = new Ffmpeg(locateMediaTools({}));
const ladder = planLadder({ width: 426, height: 240, fps: 30 }, 30);
const smallest = ladder.rungs[ladder.rungs.length - 1]!;
const layout = storyboardLayout({
  durationMs: SECONDS * 1000,
  width: smallest.width,
  height: smallest.height,
});
const progress: number[] = [];

function imagePsnr(a: string, b: string): number {
  const stderr = execFileSync("sh", [
    "-c",
    `ffmpeg -hide_banner -i "${a}" -i "${b}" -lavfi psnr -f null - 2>&1`,
  ]);
  const match = /average:(inf|[\d.]+)/.exec(stderr.toString());
  if (!match) throw new Error(`no PSNR in: ${stderr}`);
  return match[1] === "inf" ? 100 : Number(match[1]);
}

beforeAll(async () => {
  // A moving test card with a running clock: every thumbnail differs from its neighbours.
  execFileSync("ffmpeg", [
    ...["-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=426x240:rate=30"],
    ...["-t", String(SECONDS), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", source],
  ]);
  mkdirSync(out);
  mkdirSync(thumbsDir);
  await encodeLadder(ffmpeg, {
    source,
    outDir: out,
    ladder,
    info: { interlaced: false, transfer: "sdr", audioStreams: [] },
    loudnessTarget: null,
    threads: 0,
    durationMs: SECONDS * 1000,
    storyboard: { layout, thumbsDir },
    onProgress: (fraction) => progress.push(fraction),
  });
  await tileStoryboard(ffmpeg, { thumbsDir, outDir: out, layout });
}, 180_000);

describe("the storyboard out of the encode", () => {
  it("has the pictures of a run of its own over the smallest rendition", async () => {
    const rendition = joinLocalRenditions(out, path.join(dir, "joined")).get(String(ladder.rungs.length - 1));
    if (!rendition) throw new Error("no smallest rendition");
    const reference = path.join(dir, "reference");
    mkdirSync(reference);
    await ffmpeg.run({
      inputs: [{ path: rendition, access: "own-output" }],
      outputOptions: [
        ...["-vf", `${storyboardThumbFilter(layout)},${STORYBOARD_TILE}`],
        ...["-q:v", "5", "-start_number", "0"],
      ],
      output: path.join(reference, "storyboard-%02d.jpg"),
    });
    const sheets = readdirSync(out).filter((name) => /^storyboard-\d+\.jpg$/.test(name));
    expect(sheets.sort()).toEqual(["storyboard-00.jpg", "storyboard-01.jpg"]);
    const shifted = path.join(dir, "shifted");
    mkdirSync(shifted);
    await ffmpeg.run({
      inputs: [{ path: rendition, access: "own-output", options: ["-ss", "1"] }],
      outputOptions: [
        ...["-vf", `${storyboardThumbFilter(layout)},${STORYBOARD_TILE}`],
        ...["-q:v", "5", "-start_number", "0"],
      ],
      output: path.join(shifted, "storyboard-%02d.jpg"),
    });
    // The same pictures: 30–35 dB measured (the reference's come through the rung's
    // encode); a second off, the first sheet gave 18.5 dB.
    for (const sheet of sheets) {
      expect(imagePsnr(path.join(out, sheet), path.join(reference, sheet))).toBeGreaterThan(25);
    }
    expect(
      imagePsnr(path.join(out, "storyboard-00.jpg"), path.join(shifted, "storyboard-00.jpg")),
    ).toBeLessThan(22);
    // Every thumbnail of the video, and no more (the last sheet is a part one).
    expect(readdirSync(thumbsDir)).toHaveLength(layout.count);
    const vtt = readFileSync(path.join(out, "storyboard.vtt"), "utf8");
    expect(vtt).toContain(
      `storyboard-01.jpg#xywh=${9 * 160},${2 * layout.thumbHeight},160,${layout.thumbHeight}`,
    );
  });

  it("leaves the progress to the ladder: never ahead of the encode", () => {
    // ffmpeg reports no progress until every output has written something: with the sheets
    // as the output (written 100 thumbnails in), none until the encode was nearly done.
    expect(progress.length).toBeGreaterThan(4);
    expect(progress.filter((fraction) => fraction > 0.95).length).toBeLessThanOrEqual(2);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]! - 1e-9);
    }
  });
});
