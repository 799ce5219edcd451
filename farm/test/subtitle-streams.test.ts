/**
 * Embedded subtitle streams of any content or size never stall the farm: a hostile WebVTT
 * stream (a line of 60,000 no-break spaces, then 50,000 cues: 3.5 MB) is parsed in a worker
 * thread while the event loop stays responsive, a farm node takes such a clip from upload to
 * ready without an event loop delay over 150 ms, and a stream larger than
 * SUBTITLE_STREAM_MAX_BYTES is not read at all: its track is `unsupported` with the reason,
 * the video is ready. Real ffmpeg, Postgres and S3.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FarmNode } from "../src/farm-node.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { inspectSource } from "../src/media/inspect.ts";
import { extractSubtitles } from "../src/subtitles/extract-subtitles.ts";
import { closeDb, db, farmConfig, newVideo, startNode } from "./support/farm-env.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-subtitle-streams-"));
const NBSP = "\u00a0";
const CUES = 50_000;
const STORED_CUES = 20_000;

const vttTime = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** A 2 s clip with one WebVTT stream: the no-break space line first, then `cues` short cues. */
function hostileClip(cues: number): string {
  let vtt = `WEBVTT\n\n00:00:00.000 --> 00:00:00.500\na${NBSP.repeat(60_000)}b\n\n`;
  for (let i = 0; i < cues; i++) {
    const start = 500 + Math.floor((i * 1500) / cues);
    vtt += `${vttTime(start)} --> ${vttTime(start + 1)}\n<i>cue ${i}</i> with${NBSP}${NBSP}some words\n\n`;
  }
  const vttFile = path.join(dir, `hostile-${cues}.vtt`);
  writeFileSync(vttFile, vtt);
  const clip = path.join(dir, `hostile-${cues}.mkv`);
  // biome-ignore format: one option per line reads better than the packed form
  execFileSync("ffmpeg", [
    "-y", "-loglevel", "error",
    "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-i", vttFile,
    "-t", "2", "-map", "0", "-map", "1",
    "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "webvtt",
    "-metadata:s:s:0", "language=ita",
    clip,
  ]);
  return clip;
}

let clip: string;
const ffmpeg = new Ffmpeg(locateMediaTools(farmConfig()));
beforeAll(() => {
  clip = hostileClip(CUES);
}, 120_000);

describe("a hostile embedded WebVTT stream", () => {
  it("is parsed off the event loop: no delay over 150 ms while it is read", {
    timeout: 120_000,
  }, async () => {
    const info = await inspectSource(ffmpeg, clip, farmConfig());
    const workDir = mkdtempSync(path.join(dir, "work-"));
    // Two probes: Node's histogram of event loop delays, and a 10 ms timer's largest gap.
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    let last = performance.now();
    let largestGap = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      largestGap = Math.max(largestGap, now - last);
      last = now;
    }, 10);
    histogram.enable();
    try {
      const [track] = await extractSubtitles(ffmpeg, clip, info, workDir);
      expect(track).toMatchObject({ status: "ready", language: "it" });
      expect(track!.cues).toHaveLength(CUES + 1);
      expect(track!.cues[0]!.text).toBe(`a${NBSP.repeat(60_000)}b`);
      // The probes see a block only when their timer next runs: give them that turn.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      histogram.disable();
      clearInterval(probe);
    }
    expect(histogram.max / 1e6).toBeLessThan(150);
    expect(largestGap).toBeLessThan(150);
  });

  it("is not read past the size limit: the track is unsupported with the reason", {
    timeout: 60_000,
  }, async () => {
    const info = await inspectSource(ffmpeg, clip, farmConfig());
    const workDir = mkdtempSync(path.join(dir, "work-"));
    const [track] = await extractSubtitles(ffmpeg, clip, info, workDir, undefined, 1024 * 1024);
    expect(track).toMatchObject({
      status: "unsupported",
      errorCode: "subtitle_stream_too_large",
      errorMessage: expect.stringContaining("larger than 1 MiB"),
      cues: [],
    });
    // ffmpeg stopped writing just past the limit: the stream was never read whole.
    const written = readFileSync(path.join(workDir, `subtitle-${track!.streamIndex}.vtt`)).length;
    expect(written).toBeLessThan(1024 * 1024 + 64 * 1024);
  });
});

describe("through a farm node", () => {
  // One node at a time: nodes share the job queue, so each test's node takes its own video.
  let farm: { node: FarmNode; url: string } | undefined;
  const start = async (overrides: Record<string, string> = {}) => {
    farm = await startNode({ JOB_POLL_MS: "100", ...overrides }, { work: true });
    return farm;
  };
  afterEach(async () => {
    await farm?.node.close();
    farm = undefined;
  });
  afterAll(closeDb);

  it("processes the hostile clip while its event loop stays responsive", { timeout: 120_000 }, async () => {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    // The no-break space line and as many cues as a track may hold (SUBTITLE_MAX_CUES, 20,000):
    // the largest stream the farm stores, parsed, stored and published.
    const { url } = await start();
    const { videoId, token } = await newVideo();
    await tusUpload(url, token, readFileSync(hostileClip(STORED_CUES - 1)));
    histogram.enable();
    try {
      await waitFor("ready", async () => {
        const { rows } = await db().query<{ status: string }>("select status from videos where id = $1", [
          videoId,
        ]);
        return rows[0]?.status === "ready" ? true : undefined;
      });
    } finally {
      histogram.disable();
    }
    const { rows } = await db().query<{ status: string; cue_count: number }>(
      "select status, cue_count from subtitle_tracks where video_id = $1 and origin = 'embedded'",
      [videoId],
    );
    expect(rows).toEqual([{ status: "ready", cue_count: STORED_CUES }]);
    expect(histogram.max / 1e6).toBeLessThan(150);
  });

  it("publishes the video and records the oversize stream as unsupported", { timeout: 120_000 }, async () => {
    const { videoId, token } = await newVideo();
    const { url } = await start({ SUBTITLE_STREAM_MAX_BYTES: "100000" });
    await tusUpload(url, token, readFileSync(hostileClip(5_000)));
    await waitFor("ready", async () => {
      const { rows } = await db().query<{ status: string }>("select status from videos where id = $1", [
        videoId,
      ]);
      return rows[0]?.status === "ready" ? true : undefined;
    });
    const { rows } = await db().query(
      `select language, status, error_code, error_message, cue_count from subtitle_tracks
       where video_id = $1 and origin = 'embedded'`,
      [videoId],
    );
    expect(rows).toEqual([
      {
        language: "it",
        status: "unsupported",
        error_code: "subtitle_stream_too_large",
        error_message: expect.stringContaining("SUBTITLE_STREAM_MAX_BYTES"),
        cue_count: 0,
      },
    ]);
  });
});
