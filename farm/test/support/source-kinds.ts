/**
 * Sources that need more than scaling to be shown as they should be, generated with ffmpeg's
 * lavfi sources: anamorphic, interlaced, HDR (PQ and HLG), variable frame rate, 5.1 audio,
 * quiet audio, several audio tracks. Each is a few seconds at SD size: fast to encode.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-source-kinds-"));

function make(name: string, args: string[]): string {
  const file = path.join(dir, name);
  execFileSync("ffmpeg", ["-y", "-loglevel", "error", ...args, file]);
  return file;
}

const tone = (seconds: number, frequency = 440) => [
  "-f",
  "lavfi",
  "-i",
  `sine=frequency=${frequency}:sample_rate=48000:duration=${seconds}`,
];
const x264 = ["-c:v", "libx264", "-preset", "ultrafast"];

export const sourceKinds = {
  /** PAL DVD 4:3: 720×576 stored, pixels 16:15 wide, so shown as 768×576. */
  anamorphic: () =>
    make("anamorphic.mp4", [
      ...["-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=3"],
      ...["-vf", "setsar=16/15", ...x264, "-an"],
    ]),
  /** 25 fps, interlaced top field first (fields woven from a 50 fps source). */
  interlaced: () =>
    make("interlaced.mkv", [
      ...["-f", "lavfi", "-i", "testsrc2=size=720x576:rate=50:duration=3"],
      ...["-vf", "tinterlace=mode=interleave_top,setfield=tff"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ildct+ilme", "-x264-params", "tff=1"],
      "-an",
    ]),
  /** 10-bit HEVC with BT.2020 primaries and the PQ (or HLG) transfer, tagged as HDR10 is. */
  hdr: (transfer: "smpte2084" | "arib-std-b67") =>
    make(`hdr-${transfer}.mkv`, [
      ...["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2"],
      ...["-pix_fmt", "yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast"],
      ...["-x265-params", `log-level=error:colorprim=bt2020:transfer=${transfer}:colormatrix=bt2020nc`],
      ...["-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc", "-an"],
    ]),
  /** 7.5 fps for 1.5 s, then 30 fps: irregular timestamps, with a tone for the whole 4 s. */
  variableFrameRate: () =>
    make("vfr.mp4", [
      ...["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4"],
      ...tone(4),
      ...["-vf", "select='gte(n\\,45)+not(mod(n\\,4))'", "-vsync", "vfr", ...x264, "-c:a", "aac"],
    ]),
  /** 5.1 with a tone in the centre channel only (where dialogue is mixed) and silence elsewhere. */
  centreOnly51: () =>
    make("centre-51.mkv", [
      ...["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3"],
      ...[
        "-f",
        "lavfi",
        "-i",
        "aevalsrc=0|0|0.5*sin(440*2*PI*t)|0|0|0:channel_layout=5.1:sample_rate=48000:duration=3",
      ],
      ...x264,
      ...["-c:a", "flac"],
    ]),
  /** A tone 30 dB below full scale: far quieter than the −16 LUFS target. */
  quiet: () =>
    make("quiet.mp4", [
      ...["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=6"],
      ...["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=6,volume=-30dB"],
      ...x264,
      ...["-c:a", "aac", "-b:a", "128k"],
    ]),
  /** English (first) and French (flagged default) audio tracks. */
  twoLanguages: () =>
    make("two-languages.mkv", [
      ...["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3"],
      ...tone(3, 440),
      ...tone(3, 880),
      ...["-map", "0", "-map", "1", "-map", "2", ...x264, "-c:a", "aac"],
      ...["-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre"],
      ...["-disposition:a:0", "0", "-disposition:a:1", "default"],
    ]),
};
