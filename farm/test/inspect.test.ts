/** ffprobe checks against the configured limits, each with its own stable code. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodeArgs } from "../src/media/encode-ladder.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { inspectSource } from "../src/media/inspect.ts";
import { planLadder } from "../src/media/ladder.ts";
import { fixtures } from "./support/fixtures.ts";

const ffmpeg = new Ffmpeg(locateMediaTools({}));
const dir = mkdtempSync(path.join(os.tmpdir(), "movio-inspect-"));
const file = (name: string, data: Buffer) => {
  const target = path.join(dir, name);
  writeFileSync(target, data);
  return target;
};
const limits = {
  MEDIA_MAX_WIDTH: 7680,
  MEDIA_MAX_HEIGHT: 7680,
  MEDIA_MAX_DURATION_S: 3600,
  MEDIA_MAX_FPS: 240,
  MEDIA_MAX_STREAMS: 32,
  MEDIA_MIN_BYTES_PER_S: 1000,
};

describe("source limits", () => {
  const clip = file("clip.mp4", fixtures.landscape(4, "640x360"));

  it("accepts a source within every limit and reports what it is", async () => {
    expect(await inspectSource(ffmpeg, clip, limits)).toEqual({
      durationMs: 4000,
      width: 640,
      height: 360,
      fps: 30,
      variableFrameRate: false,
      interlaced: false,
      transfer: "sdr",
      hasAudio: true,
      audioStreams: [{ index: 1, channels: 1, languageTag: "und", title: undefined, isDefault: true }],
      videoStartMs: 0,
      subtitleStreams: [],
    });
  });

  it.each([
    ["duration", { MEDIA_MAX_DURATION_S: 3 }, "duration_too_long", /lasts 4 s; the limit is 3 s/],
    ["frame rate", { MEDIA_MAX_FPS: 25 }, "frame_rate_too_high", /30\.0 fps; the limit is 25/],
    ["stream count", { MEDIA_MAX_STREAMS: 1 }, "too_many_streams", /2 streams; at most 1/],
    [
      "dimensions",
      { MEDIA_MAX_WIDTH: 320 },
      "dimensions_too_large",
      /640×360; the largest accepted is 320×7680/,
    ],
  ])("refuses a source over the %s limit", async (_name, override, code, message) => {
    await expect(inspectSource(ffmpeg, clip, { ...limits, ...override })).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
  });
});

describe("what a source may cost", () => {
  const encode = (name: string, args: string[]) => {
    const target = path.join(dir, name);
    execFileSync("ffmpeg", ["-y", "-loglevel", "error", ...args, target]);
    return target;
  };

  it("refuses at once a tiny file that claims most of an hour of static 4K", async () => {
    // Six frames of one grey 3840×2160 picture, 500 s apart: 3000 s of video in about 26 KB.
    const sparse = encode("sparse.mp4", [
      ...["-f", "lavfi", "-i", "color=c=gray:s=3840x2160:r=1/500", "-frames:v", "6"],
      ...["-c:v", "libx264", "-preset", "ultrafast"],
    ]);
    const started = Date.now();
    await expect(inspectSource(ffmpeg, sparse, limits)).rejects.toMatchObject({
      code: "source_too_sparse",
      message: expect.stringMatching(/bytes for 3000 s of 3840×2160 video .*at least 1000 are expected/),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("accepts a long still picture with its sound (a podcast), and short clips whatever they weigh", async () => {
    const podcast = encode("podcast.mp4", [
      ...["-f", "lavfi", "-i", "color=c=gray:s=320x240:r=1"],
      ...["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=22050", "-t", "70"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "16k"],
    ]);
    expect(await inspectSource(ffmpeg, podcast, limits)).toMatchObject({
      durationMs: 70_000,
      hasAudio: true,
    });
    // Ten seconds of a still: a few kilobytes, under the rate, but too short to matter.
    const still = encode("still.mp4", [
      ...["-f", "lavfi", "-i", "color=c=gray:s=320x240:r=1", "-t", "10"],
      ...["-c:v", "libx264", "-preset", "ultrafast"],
    ]);
    expect(await inspectSource(ffmpeg, still, limits)).toMatchObject({ durationMs: 10_000 });
  });

  it("applies the sample aspect ratio before the size limit", async () => {
    // 320×180 stored, pixels four times as wide as high: 1280×180 on screen.
    const anamorphic = encode("anamorphic.mp4", [
      ...["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "1", "-vf", "setsar=4/1"],
      ...["-c:v", "libx264", "-preset", "ultrafast"],
    ]);
    await expect(
      inspectSource(ffmpeg, anamorphic, { ...limits, MEDIA_MAX_WIDTH: 1000 }),
    ).rejects.toMatchObject({
      code: "dimensions_too_large",
      message: expect.stringMatching(
        /1280×180 \(320×180 with 4:1 pixels\); the largest accepted is 1000×7680/,
      ),
    });
    // Within the limit it is accepted at its display size (the ladder's input).
    expect(await inspectSource(ffmpeg, anamorphic, { ...limits, MEDIA_MAX_WIDTH: 1280 })).toMatchObject({
      width: 1280,
      height: 180,
    });
  });
});

describe("ladder planning", () => {
  it("never upscales, keeps the aspect, and caps the frame rate", () => {
    const ladder = planLadder({ width: 1920, height: 1080, fps: 59.94 }, 30);
    expect(ladder.rungs.map((r) => `${r.width}x${r.height}`)).toEqual([
      "1920x1080",
      "1280x720",
      "854x480",
      "640x360",
      "426x240",
    ]);
    expect(ladder.fps).toBe(30);
    expect(ladder.gop).toBe(60);
    expect(
      planLadder({ width: 320, height: 180, fps: 25 }, 30).rungs.map((r) => `${r.width}x${r.height}`),
    ).toEqual(["320x180"]);
    expect(planLadder({ width: 1080, height: 1920, fps: 30 }, 30).rungs[0]).toMatchObject({
      width: 1080,
      height: 1920,
    });
  });

  it("gives each rung its own x264 options: closed GOPs everywhere, subme=1 on 720p–360p only", () => {
    const ladder = planLadder({ width: 1920, height: 1080, fps: 30 }, 30);
    const args = encodeArgs({
      outDir: "/tmp",
      ladder,
      info: { interlaced: false, transfer: "sdr", audioStreams: [] },
      loudnessTarget: null,
      threads: 0,
    });
    const params = ladder.rungs.map((_, i) => args[args.indexOf(`-x264-params:v:${i}`) + 1]);
    expect(params).toEqual([
      "scenecut=0:open_gop=0",
      "scenecut=0:open_gop=0:subme=1",
      "scenecut=0:open_gop=0:subme=1",
      "scenecut=0:open_gop=0:subme=1",
      "scenecut=0:open_gop=0",
    ]);
    // No stream is left with x264's defaults (an unqualified -x264-params would be overridden).
    expect(args).not.toContain("-x264-params");
  });
});

describe("untrusted sources open nothing but themselves", () => {
  it("refuses a playlist that points ffmpeg at other files or at the network", async () => {
    const segment = file("segment.ts", fixtures.landscape(2, "320x240"));
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const localPlaylist = file(
        "local-source",
        Buffer.from(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${segment}\n#EXT-X-ENDLIST\n`),
      );
      const remotePlaylist = file(
        "remote-source",
        Buffer.from(
          `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://127.0.0.1:${port}/seg.ts\n#EXT-X-ENDLIST\n`,
        ),
      );
      for (const source of [localPlaylist, remotePlaylist]) {
        await expect(inspectSource(ffmpeg, source, limits)).rejects.toMatchObject({ code: "not_a_video" });
      }
      const concat = file("concat-source", Buffer.from(`ffconcat version 1.0\nfile '${segment}'\n`));
      await expect(inspectSource(ffmpeg, concat, limits)).rejects.toMatchObject({ code: "not_a_video" });
      expect(requests).toEqual([]);
      // The segment itself is a fine video: only the indirection is refused.
      expect((await inspectSource(ffmpeg, segment, limits)).width).toBe(320);
    } finally {
      server.close();
    }
  });
});
