/**
 * Test media, generated with ffmpeg's lavfi sources (nothing downloaded, nothing large in
 * the repo), plus the broken files uploaders really send.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-fixtures-"));

function ffmpeg(args: string[], name: string): Buffer {
  const file = path.join(dir, name);
  execFileSync("ffmpeg", ["-y", "-loglevel", "error", ...args, file]);
  return readFileSync(file);
}

/** A silent H.264 test pattern. */
const pattern = (size: string, fps: number, seconds: number, name: string) =>
  ffmpeg(
    [
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=${size}:rate=${fps}`,
      "-t",
      String(seconds),
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
    ],
    name,
  );

export const fixtures = {
  /** 1280×720 test pattern with a tone, `seconds` long. */
  landscape: (seconds = 4, size = "1280x720") =>
    ffmpeg(
      [
        "-f",
        "lavfi",
        "-i",
        `testsrc2=size=${size}:rate=30`,
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        String(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-shortest",
      ],
      `landscape-${seconds}-${size}.mp4`,
    ),
  /** 360×640 portrait, no audio. */
  portrait: () => pattern("360x640", 25, 3, "portrait.mp4"),
  audioOnly: () =>
    ffmpeg(["-f", "lavfi", "-i", "sine=frequency=300", "-t", "3", "-c:a", "aac"], "audio-only.m4a"),
  junk: () => randomBytes(64 * 1024),
  /** The first third of an MP4 whose index (moov) sits at the end, as an interrupted copy leaves it. */
  truncated: () => {
    const whole = pattern("320x240", 25, 3, "whole.mp4");
    return whole.subarray(0, Math.floor(whole.length / 3));
  },
  /** A valid MJPEG MP4 whose headers (track, sample entry, every JPEG frame) claim 30000×30000. */
  hugeHeader: () => {
    const data = Buffer.from(
      ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "1", "-c:v", "mjpeg"],
        "small-mjpeg.mp4",
      ),
    );
    const entry = data.indexOf("mp4v", data.indexOf("stsd"));
    data.writeUInt16BE(30000, entry + 28);
    data.writeUInt16BE(30000, entry + 30);
    const tkhd = data.indexOf("tkhd");
    data.writeUInt32BE(30000 << 16, tkhd + 76);
    data.writeUInt32BE(30000 << 16, tkhd + 80);
    for (
      let at = data.indexOf(Buffer.from([0xff, 0xc0]));
      at >= 0;
      at = data.indexOf(Buffer.from([0xff, 0xc0]), at + 2)
    ) {
      data.writeUInt16BE(30000, at + 5);
      data.writeUInt16BE(30000, at + 7);
    }
    writeFileSync(path.join(dir, "huge.mp4"), data);
    return data;
  },
};
