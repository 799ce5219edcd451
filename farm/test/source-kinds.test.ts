/**
 * Every kind of source is shown as it should be: each generated source goes through the
 * real probe, ladder plan and one-pass encode (real ffmpeg), and its renditions are read
 * back with ffprobe and ffmpeg's own meters.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nameAudioTracks } from "../src/media/audio-manifests.ts";
import { encodeLadder, ladderFilterGraph } from "../src/media/encode-ladder.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { inspectSource, type SourceInfo } from "../src/media/inspect.ts";
import { type Ladder, planLadder } from "../src/media/ladder.ts";
import { sourceKinds } from "./support/source-kinds.ts";

const ffmpeg = new Ffmpeg(locateMediaTools({}));
const LIMITS = {
  MEDIA_MAX_WIDTH: 7680,
  MEDIA_MAX_HEIGHT: 7680,
  MEDIA_MAX_DURATION_S: 3600,
  MEDIA_MAX_FPS: 240,
  MEDIA_MAX_STREAMS: 32,
  MEDIA_MIN_BYTES_PER_S: 1000,
};

interface Encoded {
  info: SourceInfo;
  ladder: Ladder;
  out: string;
  /** Representation k's init + segments joined into one playable MP4. */
  rendition(k: number): string;
}

async function encode(source: string, loudnessTarget: number | null = -16): Promise<Encoded> {
  const info = await inspectSource(ffmpeg, source, LIMITS);
  const ladder = planLadder(info, 30);
  const out = mkdtempSync(path.join(os.tmpdir(), "movio-kinds-out-"));
  await encodeLadder(ffmpeg, {
    source,
    outDir: out,
    ladder,
    info,
    loudnessTarget,
    threads: 0,
    durationMs: info.durationMs,
  });
  await nameAudioTracks(out, info.audioStreams);
  return {
    info,
    ladder,
    out,
    rendition(k) {
      const segments = readdirSync(out)
        .filter((f) => f.startsWith(`seg-${k}-`))
        .sort();
      const file = path.join(out, `rendition-${k}.mp4`);
      writeFileSync(
        file,
        Buffer.concat([`init-${k}.m4s`, ...segments].map((f) => readFileSync(path.join(out, f)))),
      );
      return file;
    },
  };
}

function probeStream(file: string, entries: string): Record<string, string> {
  const text = execFileSync(
    "ffprobe",
    [
      "-v",
      "error",
      "-select_streams",
      "0",
      "-count_frames",
      "-show_entries",
      `stream=${entries}`,
      "-of",
      "default=nw=1",
      file,
    ],
    { encoding: "utf8" },
  );
  return Object.fromEntries(
    text
      .trim()
      .split("\n")
      .map((line) => line.split("=") as [string, string]),
  );
}

/** What ffmpeg's meters print for the audio of `file` (ebur128 summary, volumedetect). */
function audioMeters(file: string): { lufs: number; meanDb: number; channels: number } {
  // The meters print to stderr; spawnSync keeps it.
  const stderr = spawnSync(
    "ffmpeg",
    ["-hide_banner", "-nostats", "-i", file, "-af", "ebur128,volumedetect", "-f", "null", "-"],
    { encoding: "utf8" },
  ).stderr;
  const lufs = Number(/Integrated loudness:\s+I:\s+(-?[\d.]+) LUFS/.exec(stderr)?.[1]);
  const meanDb = Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1]);
  const channels = Number(probeStream(file, "channels").channels);
  return { lufs, meanDb, channels };
}

/** Average luma (0–255) of the frame at 1 s, scaled down. */
function meanLuma(file: string): number {
  const raw = execFileSync("ffmpeg", [
    "-v",
    "error",
    "-ss",
    "1",
    "-i",
    file,
    "-frames:v",
    "1",
    "-vf",
    "scale=64:36,format=gray",
    "-f",
    "rawvideo",
    "-",
  ]);
  return raw.reduce((sum, v) => sum + v, 0) / raw.length;
}

describe("sources shown as they should be", () => {
  it("anamorphic 720×576 at 16:15 is laddered on its 4:3 display size with square pixels", async () => {
    const { info, ladder, rendition } = await encode(sourceKinds.anamorphic());
    expect([info.width, info.height]).toEqual([768, 576]);
    expect(ladder.rungs.map((r) => `${r.width}x${r.height}`)).toEqual(["640x480", "480x360", "320x240"]);
    const top = probeStream(rendition(0), "width,height,sample_aspect_ratio,display_aspect_ratio");
    expect(top).toMatchObject({
      width: "640",
      height: "480",
      sample_aspect_ratio: "1:1",
      display_aspect_ratio: "4:3",
    });
  });

  it("interlaced fields are woven into progressive frames (bwdif) at the source's frame rate", async () => {
    const { info, ladder, rendition } = await encode(sourceKinds.interlaced());
    expect(info.interlaced).toBe(true);
    expect(ladderFilterGraph(ladder, info)).toContain("bwdif=mode=send_frame");
    const top = probeStream(rendition(0), "field_order,avg_frame_rate,nb_read_frames");
    expect(top.field_order ?? "progressive").toBe("progressive");
    expect(top.avg_frame_rate).toBe("25/1");
    expect(Number(top.nb_read_frames)).toBeGreaterThanOrEqual(74); // 3 s at 25 fps
  });

  for (const [transfer, name] of [
    ["smpte2084", "pq"],
    ["arib-std-b67", "hlg"],
  ] as const) {
    it(`HDR (${name}) is tone-mapped to SDR BT.709, 8-bit, with a picture that is neither black nor blown out`, async () => {
      expect(await ffmpeg.hasFilters("zscale", "tonemap")).toBe(true); // this machine's build can
      const { info, rendition } = await encode(sourceKinds.hdr(transfer));
      expect(info.transfer).toBe(name);
      const file = rendition(0);
      const top = probeStream(file, "pix_fmt,color_transfer,color_primaries,color_space");
      expect(top).toMatchObject({
        pix_fmt: "yuv420p",
        color_transfer: "bt709",
        color_primaries: "bt709",
        color_space: "bt709",
      });
      const luma = meanLuma(file);
      expect(luma).toBeGreaterThan(40);
      expect(luma).toBeLessThan(220);
    });
  }

  it("an ffmpeg without zscale is detected (HDR is then refused with hdr_unsupported)", async () => {
    expect(await ffmpeg.hasFilters("zscale", "no_such_filter_here")).toBe(false);
  });

  it("variable frame rate becomes constant at its fastest rate without drifting from the audio", async () => {
    const { info, ladder, rendition } = await encode(sourceKinds.variableFrameRate());
    expect(info.variableFrameRate).toBe(true);
    expect(ladder.fps).toBe(30);
    const video = probeStream(rendition(0), "avg_frame_rate,r_frame_rate,nb_read_frames");
    expect(video.avg_frame_rate).toBe("30/1");
    expect(video.r_frame_rate).toBe("30/1");
    // 4 s at 30 fps, within a frame; and the audio lasts as long.
    expect(Math.abs(Number(video.nb_read_frames) - 120)).toBeLessThanOrEqual(1);
    const audio = probeStream(rendition(ladder.rungs.length), "duration");
    expect(Math.abs(Number(audio.duration) - 4)).toBeLessThan(0.05);
  });

  it("5.1 is downmixed to stereo with the centre channel (dialogue) audible", async () => {
    const { ladder, rendition } = await encode(sourceKinds.centreOnly51(), null);
    const meters = audioMeters(rendition(ladder.rungs.length));
    expect(meters.channels).toBe(2);
    expect(meters.meanDb).toBeGreaterThan(-20); // the tone was at −6 dBFS in the centre alone
  });

  it("loudness is normalised to −16 LUFS integrated; LOUDNESS_TARGET=off keeps the source's level", async () => {
    const source = sourceKinds.quiet();
    const normalised = await encode(source, -16);
    expect(audioMeters(normalised.rendition(normalised.ladder.rungs.length)).lufs).toBeCloseTo(-16, 0);
    const kept = await encode(source, null);
    expect(audioMeters(kept.rendition(kept.ladder.rungs.length)).lufs).toBeLessThan(-28);
  });

  it("several audio tracks: the default plays first, the others are alternate renditions with languages", async () => {
    const { info, out } = await encode(sourceKinds.twoLanguages());
    expect(info.audioStreams.map((a) => [a.languageTag, a.isDefault])).toEqual([
      ["fre", true],
      ["eng", false],
    ]);
    const mpd = readFileSync(path.join(out, "manifest.mpd"), "utf8");
    const sets = [
      ...mpd.matchAll(
        /<AdaptationSet [^>]*contentType="audio"[^>]*lang="([^"]+)"[^>]*>\s*<Role [^>]*value="(\w+)" \/>\s*<Label>([^<]+)<\/Label>/g,
      ),
    ];
    expect(sets.map((m) => [m[1], m[2], m[3]])).toEqual([
      ["fr", "main", "Français"],
      ["en", "alternate", "English"],
    ]);
    const master = readFileSync(path.join(out, "master.m3u8"), "utf8");
    const media = master.split("\n").filter((line) => line.startsWith("#EXT-X-MEDIA:TYPE=AUDIO"));
    expect(media).toHaveLength(2);
    expect(media[0]).toMatch(/NAME="Français",LANGUAGE="fr",DEFAULT=YES,AUTOSELECT=YES/);
    expect(media[1]).toMatch(/NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES/);
    for (const line of media) {
      const uri = /URI="([^"]+)"/.exec(line)![1]!;
      expect(readFileSync(path.join(out, uri), "utf8")).toContain("#EXTINF");
    }
  });
});
