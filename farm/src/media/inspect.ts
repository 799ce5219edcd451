/**
 * ffprobe first: decides whether a source is a video we accept, before any encoding.
 * Everything refused gets a stable code and a sentence an uploader can act on. The limits
 * bound what one source can cost: display size (sample aspect ratio applied), duration,
 * frame rate, streams, and bytes per second of claimed duration (no hours from a tiny file).
 */
import { stat } from "node:fs/promises";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { type Ffmpeg, FfmpegError, type ProbeStream } from "./ffmpeg.ts";
import { MediaError } from "./media-error.ts";

export interface SourceInfo {
  durationMs: number;
  /**
   * Display size: the sample aspect ratio applied (an anamorphic 720×576 at 16:15 is shown
   * 768×576) and rotation applied. The ladder is planned on it, with square pixels out.
   */
  width: number;
  height: number;
  fps: number;
  /** avg and real frame rates disagree: timestamps are irregular (phones, screen recordings). */
  variableFrameRate: boolean;
  /** Fields, not frames (ffprobe's field_order): deinterlaced before scaling. */
  interlaced: boolean;
  /** The transfer function: PQ and HLG are HDR and are tone-mapped to SDR BT.709. */
  transfer: "sdr" | "pq" | "hlg";
  hasAudio: boolean;
  /** Audio streams, the default one first (the one players start with). */
  audioStreams: AudioStream[];
  /**
   * When the video stream starts in the source's timeline. The ladder starts the video at 0,
   * so times read from other streams (subtitles) are shifted by this much.
   */
  videoStartMs: number;
  /** Subtitle streams, text and bitmap, as found (extraction decides what becomes a track). */
  subtitleStreams: SubtitleStream[];
}

export interface AudioStream {
  index: number;
  channels: number;
  /** The stream's language tag as written (ISO 639-2 usually), if any. */
  languageTag: string | undefined;
  title: string | undefined;
  isDefault: boolean;
}

export interface SubtitleStream {
  index: number;
  codec: string;
  /** The stream's language tag as written (ISO 639-2 usually), if any. */
  languageTag: string | undefined;
  title: string | undefined;
  isDefault: boolean;
  isForced: boolean;
}

type Limits = Pick<
  FarmConfig,
  | "MEDIA_MAX_WIDTH"
  | "MEDIA_MAX_HEIGHT"
  | "MEDIA_MAX_DURATION_S"
  | "MEDIA_MAX_FPS"
  | "MEDIA_MAX_STREAMS"
  | "MEDIA_MIN_BYTES_PER_S"
>;

/** Clips up to a minute cost little whatever they claim; the bytes-per-second check skips them. */
const SPARSE_CHECK_AFTER_S = 60;
/** 3840×2160: larger pictures need proportionally more bytes per second. */
const UHD_PIXELS = 3840 * 2160;

/**
 * `file`: a path, or (`over`) the URL of the loopback range server with the object's size, so
 * the probe reads only what it needs of an upload still in the bucket.
 */
export async function inspectSource(
  ffmpeg: Ffmpeg,
  file: string,
  limits: Limits,
  over?: { http: true; bytes: number },
): Promise<SourceInfo> {
  const fileBytes = over ? over.bytes : (await stat(file)).size;
  let probe: Awaited<ReturnType<Ffmpeg["probe"]>>;
  try {
    probe = await ffmpeg.probe(file, undefined, over ? "source-over-http" : "source");
  } catch (err) {
    if (err instanceof FfmpegError)
      throw new MediaError("not_a_video", "The file is not a video we can read (unknown format or damaged).");
    throw err;
  }
  const streams = probe.streams ?? [];
  if (streams.length === 0)
    throw new MediaError("not_a_video", "The file contains no audio or video streams.");
  if (streams.length > limits.MEDIA_MAX_STREAMS) {
    throw new MediaError(
      "too_many_streams",
      `The file has ${streams.length} streams; at most ${limits.MEDIA_MAX_STREAMS} are accepted.`,
    );
  }
  const video = streams.find((s) => s.codec_type === "video" && !isCoverArt(s));
  if (!video)
    throw new MediaError(
      "no_video_stream",
      "The file has no video track (audio-only files are not accepted).",
    );

  const width = video.width ?? 0;
  const height = video.height ?? 0;
  if (width <= 0 || height <= 0) {
    // ffmpeg refuses absurd sizes outright and reports 0×0; its warning still names the claim.
    const claimed = /Picture size (\d+)x(\d+) is invalid/.exec(probe.warnings);
    if (claimed) {
      throw new MediaError(
        "dimensions_too_large",
        `The video claims to be ${claimed[1]}×${claimed[2]}; the largest accepted is ${limits.MEDIA_MAX_WIDTH}×${limits.MEDIA_MAX_HEIGHT}.`,
      );
    }
    throw new MediaError("not_a_video", "The video track has no picture size.");
  }
  // Anamorphic: stretch the width to the display aspect (never shrink the height: no rung
  // should lose vertical resolution the source has). The limit applies to that display size,
  // which is what gets encoded: a 1920-wide source with 4:1 pixels is 7680 wide on screen.
  const sar = sampleAspect(video);
  const displayWidth = Math.round(width * sar);
  if (displayWidth > limits.MEDIA_MAX_WIDTH || height > limits.MEDIA_MAX_HEIGHT) {
    const anamorphic =
      displayWidth !== width ? ` (${width}×${height} with ${video.sample_aspect_ratio} pixels)` : "";
    throw new MediaError(
      "dimensions_too_large",
      `The video is ${displayWidth}×${height}${anamorphic}; the largest accepted is ${limits.MEDIA_MAX_WIDTH}×${limits.MEDIA_MAX_HEIGHT}.`,
    );
  }
  const durationS = Number(probe.format?.duration ?? video.duration ?? 0);
  if (!Number.isFinite(durationS) || durationS <= 0)
    throw new MediaError("zero_duration", "The video has no duration (no frames).");
  if (durationS > limits.MEDIA_MAX_DURATION_S) {
    throw new MediaError(
      "duration_too_long",
      `The video lasts ${Math.round(durationS)} s; the limit is ${limits.MEDIA_MAX_DURATION_S} s.`,
    );
  }
  const minBytesPerS = limits.MEDIA_MIN_BYTES_PER_S * Math.max(1, (displayWidth * height) / UHD_PIXELS);
  if (durationS > SPARSE_CHECK_AFTER_S && fileBytes / durationS < minBytesPerS) {
    throw new MediaError(
      "source_too_sparse",
      `The file has ${fileBytes} bytes for ${Math.round(durationS)} s of ${displayWidth}×${height} video ` +
        `(${Math.round(fileBytes / durationS)} bytes per second; at least ${Math.round(minBytesPerS)} are expected). ` +
        "Re-export it with a normal frame rate, or cut it to its real length.",
    );
  }
  // Variable rate: encode at the fastest rate the source uses (r_frame_rate), not its average,
  // so its dense stretches lose no frames (the sparse ones repeat frames); an absurd r (a
  // container's time base) falls back to the average.
  const variable = isVariableFrameRate(video);
  const realRate = rateOf(video.r_frame_rate);
  const fps = variable && realRate > 0 && realRate <= 120 ? realRate : frameRate(video);
  if (fps > limits.MEDIA_MAX_FPS) {
    throw new MediaError(
      "frame_rate_too_high",
      `The video runs at ${fps.toFixed(1)} fps; the limit is ${limits.MEDIA_MAX_FPS}.`,
    );
  }
  const rotated = Math.abs(rotation(video)) % 180 === 90;
  const audioStreams = audioStreamsOf(streams);
  return {
    durationMs: Math.round(durationS * 1000),
    width: rotated ? height : displayWidth,
    height: rotated ? displayWidth : height,
    fps: fps > 0 ? fps : 25,
    variableFrameRate: variable,
    interlaced: ["tt", "bb", "tb", "bt"].includes(video.field_order ?? ""),
    transfer: transferOf(video),
    hasAudio: audioStreams.length > 0,
    audioStreams,
    videoStartMs: Math.round(Number(video.start_time ?? 0) * 1000) || 0,
    subtitleStreams: streams
      .filter((s) => s.codec_type === "subtitle")
      .map((s) => ({
        index: s.index,
        codec: s.codec_name ?? "unknown",
        languageTag: s.tags?.language,
        title: s.tags?.title,
        isDefault: s.disposition?.default === 1,
        isForced: s.disposition?.forced === 1,
      })),
  };
}

/** Pixel width ÷ height (1 for square pixels, 16/15 for PAL 4:3 DVD). Nonsense reads as square. */
function sampleAspect(stream: ProbeStream): number {
  const [num, den] = (stream.sample_aspect_ratio ?? "").split(":").map(Number);
  if (!num || !den) return 1;
  const ratio = num / den;
  return ratio >= 0.25 && ratio <= 4 ? ratio : 1;
}

function transferOf(stream: ProbeStream): SourceInfo["transfer"] {
  if (stream.color_transfer === "smpte2084") return "pq";
  if (stream.color_transfer === "arib-std-b67") return "hlg";
  return "sdr";
}

function rateOf(text: string | undefined): number {
  const [num, den] = (text ?? "").split("/").map(Number);
  return num && den ? num / den : 0;
}

function isVariableFrameRate(stream: ProbeStream): boolean {
  const avg = rateOf(stream.avg_frame_rate);
  const real = rateOf(stream.r_frame_rate);
  return avg > 0 && real > 0 && Math.abs(avg - real) / real > 0.01;
}

function audioStreamsOf(streams: ProbeStream[]): AudioStream[] {
  const audio = streams
    .filter((s) => s.codec_type === "audio" && (s.channels ?? 1) > 0)
    .map((s) => ({
      index: s.index,
      channels: s.channels ?? 2,
      languageTag: s.tags?.language,
      title: s.tags?.title,
      isDefault: s.disposition?.default === 1,
    }));
  // The default first; without one flagged, the first stream is the default.
  const first = audio.findIndex((s) => s.isDefault);
  if (first > 0) audio.unshift(...audio.splice(first, 1));
  return audio.map((s, i) => ({ ...s, isDefault: i === 0 }));
}

function isCoverArt(stream: ProbeStream): boolean {
  return (
    ["mjpeg", "png", "bmp"].includes(stream.codec_name ?? "") &&
    (stream.avg_frame_rate === "0/0" || !stream.avg_frame_rate)
  );
}

function frameRate(stream: ProbeStream): number {
  for (const rate of [stream.avg_frame_rate, stream.r_frame_rate]) {
    const [num, den] = (rate ?? "").split("/").map(Number);
    if (num && den) return num / den;
  }
  return 0;
}

function rotation(stream: ProbeStream): number {
  const fromSideData = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  return Number(fromSideData ?? stream.tags?.rotate ?? 0);
}
