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
  /**
   * A Matroska clip (the landscape pattern with its tone) with three subtitle streams: English
   * SubRip (default), French ASS with italic/bold overrides and a positioning tag (forced,
   * titled), and a German PGS (bitmap) stream. `brokenFrench` makes the ASS event invalid
   * UTF-8, which ffmpeg refuses to decode.
   */
  withSubtitles: (options: { brokenFrench?: boolean; seconds?: number; size?: string } = {}) => {
    const srt = path.join(dir, "en.srt");
    writeFileSync(
      srt,
      "1\n00:00:00,500 --> 00:00:01,500\nHello <i>world</i> & friends\n\n2\n00:00:02,000 --> 00:00:03,000\nThe keeper climbs\nthe lighthouse\n",
    );
    const ass = path.join(dir, "fr.ass");
    writeFileSync(
      ass,
      [
        "[Script Info]",
        "ScriptType: v4.00+",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        "Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        "Dialogue: 0,0:00:00.50,0:00:01.50,Default,,0,0,0,,{\\i1}Bonjour{\\i0} le {\\b1}monde{\\b0}\\Nligne deux {\\pos(10,10)}fin",
        "",
      ].join("\n"),
    );
    // A minimal PGS (Blu-ray bitmap) stream: one presentation composition and its end segment.
    const segment = (type: number, data: Buffer) => {
      const header = Buffer.alloc(13);
      header.write("PG", 0);
      header.writeUInt32BE(90000, 2);
      header.writeUInt8(type, 10);
      header.writeUInt16BE(data.length, 11);
      return Buffer.concat([header, data]);
    };
    const pcs = Buffer.from([0x05, 0x00, 0x02, 0xd0, 0x10, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00]);
    const sup = path.join(dir, "de.sup");
    writeFileSync(sup, Buffer.concat([segment(0x16, pcs), segment(0x80, Buffer.alloc(0))]));
    const seconds = options.seconds ?? 4;
    const size = options.size ?? "320x240";
    fixtures.landscape(seconds, size);
    // biome-ignore format: one option per line reads better than the packed form
    const clip = ffmpeg(
      [
        "-i", path.join(dir, `landscape-${seconds}-${size}.mp4`), "-i", srt, "-i", ass, "-i", sup,
        "-map", "0", "-map", "1", "-map", "2", "-map", "3",
        "-c:v", "copy", "-c:a", "copy", "-c:s:0", "srt", "-c:s:1", "ass", "-c:s:2", "copy",
        "-metadata:s:s:0", "language=eng",
        "-metadata:s:s:1", "language=fre", "-metadata:s:s:1", "title=Français (forced)",
        "-metadata:s:s:2", "language=ger",
        "-disposition:s:0", "default", "-disposition:s:1", "forced",
      ],
      `subtitled-${seconds}-${size}.mkv`,
    );
    if (!options.brokenFrench) return clip;
    const broken = Buffer.from(clip);
    const at = broken.indexOf("Bonjour");
    broken.set([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9], at);
    return broken;
  },
};
