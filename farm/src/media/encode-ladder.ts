/**
 * One ffmpeg run for the whole ladder: decode once, scale each rung, encode H.264 per rung with a fixed
 * GOP and no scene-cut keyframes, AAC once, and package once as CMAF fMP4 segments that
 * both the DASH manifest (manifest.mpd) and the HLS playlists (master.m3u8) reference.
 *
 * The audio is read through a second opening of the same source (`encodeLadder`): loudnorm
 * holds 3 s of audio before it gives any out, and with one opening the demuxer can only reach
 * that audio by reading — and so decoding and encoding — the video alongside it; every stream's
 * first segment then waited for ~5 s of the ladder to be encoded instead of 2 (1080p ladder on 2
 * cores: 4.7 → 2.8 s to the first segments). The second opening reads the file's bytes again
 * but decodes only its audio: the video is still decoded once; and the loopback source server
 * fetches those bytes from storage once for both (transcode/shared-source-reads.ts).
 */
import path from "node:path";
import { languageFromTag } from "../../../shared/subtitles/languages.ts";
import type { Ffmpeg, InputAccess } from "./ffmpeg.ts";
import type { SourceInfo } from "./inspect.ts";
import type { Ladder } from "./ladder.ts";
import { DASH_MANIFEST, HLS_MASTER } from "./published-names.ts";
import { audioChain, colorTagArgs, videoPrelude } from "./source-filters.ts";
import { type StoryboardLayout, storyboardThumbFilter, storyboardThumbsOutput } from "./thumbnails.ts";

/** What the encode needs to know about the source. */
export type EncodeSource = Pick<SourceInfo, "interlaced" | "transfer" | "audioStreams">;

export interface EncodeInput {
  source: string;
  outDir: string;
  ladder: Ladder;
  info: EncodeSource;
  /** LUFS, or null to keep the source's levels. */
  loudnessTarget: number | null;
  /** Encode the audio tracks in this run (default true). */
  withAudio?: boolean;
  /** Decoder options before the source (a chunk's smallest rung skips some deblocking). */
  decoderOptions?: string[];
  /** How the source is read: a file (default), or the loopback range server's URL. */
  sourceAccess?: InputAccess;
  /** Put before every file name this run writes, so two runs can share one directory. */
  filePrefix?: string;
  /** The whole ladder's display aspect ("W/H"), when this run encodes only some rungs. */
  displayAspect?: string;
  threads: number;
  durationMs: number;
  signal?: AbortSignal;
  /** 0..1 of the source encoded. */
  onProgress?: (fraction: number) => void;
  /**
   * Also write the storyboard's thumbnails (for tileStoryboard) into `thumbsDir`, from the
   * smallest rung's frames in this run: no decode of their own.
   */
  storyboard?: { layout: StoryboardLayout; thumbsDir: string };
}

export function ladderFilterGraph(
  ladder: Ladder,
  info: EncodeSource,
  loudnessTarget: number | null = null,
  options: {
    withAudio?: boolean;
    displayAspect?: string;
    /**
     * A chunk of the source (chunked transcoding): its frames restart at zero, and it ends
     * after `frames` output frames (null: at the end of the source).
     */
    chunk?: { frames: number | null };
    /** The input the audio tracks are read from (1: the source's second opening). */
    audioInput?: number;
    /** Thumbnails from the smallest rung's frames, as the `[storyboard]` output (encodeLadder). */
    storyboard?: StoryboardLayout;
  } = {},
): string {
  // Rungs round to even sizes, so their pixel shapes differ slightly; one display aspect for
  // all keeps players from letterboxing and is what the DASH muxer requires of a set. The
  // ladder is planned on the display size, so pixels come out square (or within rounding).
  const top = ladder.rungs[0];
  const dar = options.displayAspect ?? (top ? `${top.width}/${top.height}` : "16/9");
  const n = ladder.rungs.length;
  // Decoded once, then every rung scaled from the full-size frame: scaling each rung from
  // the one above would be cheaper but costs the small rungs about 0.5 dB (bench/HISTORY.md).
  let prelude = videoPrelude(info, ladder.fps);
  if (options.chunk) {
    prelude = `setpts=PTS-STARTPTS,${prelude}`;
    if (options.chunk.frames !== null) prelude += `,trim=end_frame=${options.chunk.frames}`;
  }
  const parts = [
    `[0:v:0]${prelude}${n > 1 ? `,split=${n}` : ""}${ladder.rungs.map((_, i) => `[f${i}]`).join("")}`,
  ];
  ladder.rungs.forEach((rung, i) => {
    const sheets = options.storyboard && i === n - 1;
    parts.push(
      `[f${i}]scale=${rung.width}:${rung.height}:flags=bicubic,setdar=${dar}${sheets ? ",split=2[sheets]" : ""}[v${i}]`,
    );
  });
  // Thumbnails, not sheets: ffmpeg reports no progress until every output has written
  // something, and a sheet is written only once 100 thumbnails are in.
  if (options.storyboard) parts.push(`[sheets]${storyboardThumbFilter(options.storyboard)}[storyboard]`);
  if (options.withAudio !== false) {
    info.audioStreams.forEach((stream, i) => {
      parts.push(`[${options.audioInput ?? 0}:${stream.index}]${audioChain(loudnessTarget)}[a${i}]`);
    });
  }
  return parts.join(";");
}

export function encodeArgs(
  input: Omit<EncodeInput, "source" | "signal" | "onProgress" | "durationMs"> & {
    /** The audio comes from a second input (the source opened again: see the header). */
    audioFromSecondInput?: boolean;
  },
): string[] {
  const { ladder, info, threads } = input;
  const audio = input.withAudio === false ? [] : info.audioStreams;
  const hasAudio = audio.length > 0;
  const args = [
    "-filter_complex",
    ladderFilterGraph(ladder, info, input.loudnessTarget, {
      withAudio: hasAudio,
      ...(input.displayAspect ? { displayAspect: input.displayAspect } : {}),
      ...(input.audioFromSecondInput ? { audioInput: 1 } : {}),
      ...(input.storyboard ? { storyboard: input.storyboard.layout } : {}),
    }),
  ];
  for (let i = 0; i < ladder.rungs.length; i++) args.push("-map", `[v${i}]`);
  for (let i = 0; i < audio.length; i++) args.push("-map", `[a${i}]`);
  args.push(...audioLanguageArgs(audio), ...videoCodecArgs(ladder, info, threads));
  if (hasAudio) args.push(...audioCodecArgs(ladder));
  args.push(...dashPackageArgs(ladder, audio.length, input.filePrefix ?? ""));
  return args;
}

/** The audio tracks' languages, which the dash muxer writes as each AdaptationSet's `lang`. */
export function audioLanguageArgs(audio: EncodeSource["audioStreams"]): string[] {
  const args: string[] = [];
  audio.forEach((stream, i) => {
    const lang = languageFromTag(stream.languageTag);
    if (lang) args.push(`-metadata:s:a:${i}`, `language=${lang}`);
  });
  return args;
}

/**
 * H.264 for every rung: its preset and bitrate, one fixed GOP with keyframes forced on the
 * segment grid and closed GOPs — what lets separately encoded pieces (first playable, chunks)
 * line up segment for segment.
 */
export function videoCodecArgs(
  ladder: Ladder,
  info: Pick<EncodeSource, "transfer">,
  threads: number,
): string[] {
  const args = ["-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p"];
  ladder.rungs.forEach((rung, i) => {
    args.push(
      `-preset:v:${i}`,
      rung.preset,
      `-b:v:${i}`,
      `${rung.bitrateK}k`,
      `-maxrate:v:${i}`,
      `${Math.round(rung.bitrateK * 1.1)}k`,
      `-bufsize:v:${i}`,
      `${rung.bitrateK * 2}k`,
      // Per stream: closed GOPs, no scene-cut keyframes, plus the rung's own options.
      `-x264-params:v:${i}`,
      ["scenecut=0", "open_gop=0", ...(rung.x264 ? [rung.x264] : [])].join(":"),
    );
  });
  args.push(
    "-g",
    String(ladder.gop),
    "-keyint_min",
    String(ladder.gop),
    "-sc_threshold",
    "0",
    "-force_key_frames",
    `expr:gte(t,n_forced*${ladder.segmentSeconds})`,
  );
  args.push(...colorTagArgs(info));
  if (threads > 0) args.push("-threads", String(threads));
  return args;
}

export const audioCodecArgs = (ladder: Pick<Ladder, "audioBitrateK">): string[] => [
  "-c:a",
  "aac",
  "-b:a",
  `${ladder.audioBitrateK}k`,
  "-ac",
  "2",
  "-ar",
  "48000",
];

/**
 * CMAF segments for DASH and HLS from one dash muxer: the video streams first (one set),
 * then one set per audio track (a language each, so players offer them as alternatives).
 * `filePrefix` goes before every file name, so two packagings can share one directory.
 */
export function dashPackageArgs(
  ladder: Pick<Ladder, "segmentSeconds" | "rungs">,
  audioTracks: number,
  filePrefix: string,
): string[] {
  const videoStreams = ladder.rungs.length;
  const sets = ["id=0,streams=v"];
  for (let i = 0; i < audioTracks; i++) sets.push(`id=${i + 1},streams=${videoStreams + i}`);
  return [
    "-f",
    "dash",
    "-seg_duration",
    String(ladder.segmentSeconds),
    "-use_template",
    "1",
    "-use_timeline",
    "0",
    "-hls_playlist",
    "1",
    "-hls_master_name",
    HLS_MASTER,
    "-init_seg_name",
    `init-${filePrefix}$RepresentationID$.m4s`,
    "-media_seg_name",
    `seg-${filePrefix}$RepresentationID$-$Number%05d$.m4s`,
    "-adaptation_sets",
    sets.join(" "),
  ];
}

export async function encodeLadder(ffmpeg: Ffmpeg, input: EncodeInput): Promise<void> {
  const total = input.durationMs / 1000;
  const access = input.sourceAccess ?? "source";
  const inputs = [{ path: input.source, options: input.decoderOptions ?? [], access }];
  const audioApart = input.withAudio !== false && input.info.audioStreams.length > 0;
  if (audioApart) inputs.push({ path: input.source, options: [], access });
  await ffmpeg.run({
    inputs,
    outputOptions: encodeArgs({ ...input, audioFromSecondInput: audioApart }),
    output: path.join(input.outDir, DASH_MANIFEST),
    ...(input.storyboard
      ? {
          moreOutputs: [
            storyboardThumbsOutput(input.storyboard.layout, "storyboard", input.storyboard.thumbsDir),
          ],
        }
      : {}),
    signal: input.signal,
    onProgress: (seconds) => input.onProgress?.(Math.min(1, total > 0 ? seconds / total : 0)),
  });
}
