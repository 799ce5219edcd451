/**
 * The ffmpeg side of chunked transcoding (farm/src/transcode/): encode one chunk's rungs into an
 * MP4 (one video track per rung) and package it as CMAF on the chunk's node (packageChunks with
 * that one chunk; chunk-segments.ts then moves its segments onto the video's timeline), and
 * encode the audio in one piece (the reference the audio pieces are tested against).
 *
 * Why the chunks make one seamless timeline: every chunk starts on a segment boundary (a whole
 * number of frames into the constant-rate ladder), restarts its timestamps at zero, has a fixed
 * GOP with keyframes forced on the segment grid and closed GOPs, and ends after exactly its
 * frame count. A chunk after the first is encoded from one GOP earlier (warm-up for the rate
 * control), which packaging leaves out: it starts the chunk at its second keyframe (the concat
 * demuxer's `inpoint`). Packaging is a stream copy: it costs I/O, not encoding.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { primedInputs } from "./audio-pieces.ts";
import {
  audioCodecArgs,
  audioLanguageArgs,
  dashPackageArgs,
  type EncodeSource,
  ladderFilterGraph,
  videoCodecArgs,
} from "./encode-ladder.ts";
import type { Ffmpeg } from "./ffmpeg.ts";
import type { Ladder } from "./ladder.ts";
import { DASH_MANIFEST } from "./published-names.ts";
import { audioChain } from "./source-filters.ts";

export interface ChunkWindow {
  /** First output frame of the chunk on the ladder's timeline. */
  startFrame: number;
  /** Output frames in the chunk; null for the last chunk (to the end of the source). */
  frames: number | null;
  /**
   * Frames encoded before startFrame only to warm up the rate control: a whole GOP, so the
   * chunk proper starts on a keyframe; packageChunks skips them (the concat `inpoint`).
   */
  prerollFrames: number;
}

export interface ChunkEncodeInput {
  /** The source as ffmpeg reads it: an HTTP URL of the node's loopback range server. */
  sourceUrl: string;
  /** The MP4 written: one video track per rung of `ladder`, in ladder order. */
  output: string;
  ladder: Ladder;
  /** The whole ladder's display aspect ("W/H"): the same on every chunk and rung. */
  displayAspect: string;
  info: EncodeSource;
  window: ChunkWindow;
  /** Decoder options before the source (a chunk's smallest rung decodes as the first run does). */
  decoderOptions?: string[];
  threads: number;
  signal?: AbortSignal;
  /** Seconds of this chunk encoded so far. */
  onProgress?: (seconds: number) => void;
}

/** Where a chunk's input seek lands: a quarter frame early, so the frame at the boundary is kept. */
const chunkSeekSeconds = (startFrame: number, fps: number) => Math.max(0, (startFrame - 0.25) / fps);

export async function encodeChunk(ffmpeg: Ffmpeg, input: ChunkEncodeInput): Promise<void> {
  const { ladder, window } = input;
  const first = window.startFrame - window.prerollFrames;
  const frames = window.frames === null ? null : window.frames + window.prerollFrames;
  // A read that stalls for a minute (S3 gone quiet) fails the chunk, which then retries.
  const inputOptions: string[] = ["-rw_timeout", "60000000", ...(input.decoderOptions ?? [])];
  if (first > 0) inputOptions.push("-ss", chunkSeekSeconds(first, ladder.fps).toFixed(6));
  // Read a little past the end rather than to the end of a long source; trim cuts exactly.
  if (frames !== null) inputOptions.push("-t", (frames / ladder.fps + 1).toFixed(6));
  const args = [
    "-filter_complex",
    ladderFilterGraph(ladder, input.info, null, {
      withAudio: false,
      displayAspect: input.displayAspect,
      chunk: { frames },
    }),
  ];
  for (let i = 0; i < ladder.rungs.length; i++) args.push("-map", `[v${i}]`);
  args.push(...videoCodecArgs(ladder, input.info, input.threads), "-an", "-f", "mp4");
  await ffmpeg.run({
    inputs: [{ path: input.sourceUrl, options: inputOptions, access: "source-over-http" }],
    outputOptions: args,
    output: input.output,
    signal: input.signal,
    onProgress: input.onProgress,
  });
}

/**
 * Every audio track of the source in one encode, as one MP4 (a track each, the default first):
 * what a chunked run's audio pieces join into, frame for frame (audio-pieces.ts; its tests
 * compare the two).
 */
export async function encodeAudioTracks(
  ffmpeg: Ffmpeg,
  input: {
    source: string;
    output: string;
    info: EncodeSource;
    ladder: Pick<Ladder, "audioBitrateK">;
    loudnessTarget: number | null;
    signal?: AbortSignal;
  },
): Promise<void> {
  const streams = input.info.audioStreams;
  const graph = streams.map((stream, i) => `[0:${stream.index}]${audioChain(input.loudnessTarget)}[a${i}]`);
  const args = ["-filter_complex", graph.join(";")];
  for (let i = 0; i < streams.length; i++) args.push("-map", `[a${i}]`);
  args.push(...audioCodecArgs(input.ladder), "-vn", "-f", "mp4");
  await ffmpeg.run({
    inputs: [{ path: input.source }],
    outputOptions: args,
    output: input.output,
    signal: input.signal,
  });
}

export interface PackageChunksInput {
  /**
   * The chunk MP4s in timeline order, each holding one video track per rung of `rungs`, with
   * the seconds of warm-up (preroll) at their start to leave out.
   */
  chunks: { file: string; prerollSeconds: number }[];
  rungs: Ladder["rungs"];
  segmentSeconds: number;
  /**
   * Audio to package beside the video: a raw AAC (ADTS) file per track of `streams`, read as
   * the start of the whole audio (the priming frame at −1024: `primedInputs`) — the first
   * audio piece's own frames, as it stored them.
   */
  audio?: { frames: string[]; streams: EncodeSource["audioStreams"]; bitrateK: number };
  outDir: string;
  /** Before every file name written (see dashPackageArgs). */
  filePrefix: string;
  workDir: string;
  signal?: AbortSignal;
}

/**
 * Packages chunk files end to end as CMAF (DASH_MANIFEST + HLS master in outDir): in practice one
 * chunk on its node, or the playable stage's sample segment with the audio.
 */
export async function packageChunks(ffmpeg: Ffmpeg, input: PackageChunksInput): Promise<void> {
  const list = path.join(input.workDir, `${input.filePrefix}chunks.txt`);
  const quote = (file: string) => `'${file.replace(/'/g, "'\\''")}'`;
  const entries = input.chunks.map(({ file, prerollSeconds }) =>
    prerollSeconds > 0
      ? `file ${quote(file)}\ninpoint ${prerollSeconds.toFixed(6)}\n`
      : `file ${quote(file)}\n`,
  );
  await writeFile(list, entries.join(""));
  const inputs = [{ path: list, options: ["-f", "concat", "-safe", "0"], access: "own-output" as const }];
  const audio = input.audio?.streams ?? [];
  if (input.audio) {
    if (input.audio.frames.length !== audio.length) throw new Error("one audio file per track");
    inputs.push(...primedInputs(input.audio.frames));
  }
  const args: string[] = [];
  for (let i = 0; i < input.rungs.length; i++) args.push("-map", `0:v:${i}`);
  for (let i = 0; i < audio.length; i++) args.push("-map", `${1 + i}:a:0`);
  args.push("-c", "copy", ...audioLanguageArgs(audio));
  // A stream copy has no encoder to report the bitrate: state each rung's, as the encode would.
  input.rungs.forEach((rung, i) => {
    args.push(`-b:v:${i}`, `${rung.bitrateK}k`);
  });
  if (input.audio) args.push("-b:a", `${input.audio.bitrateK}k`);
  args.push(
    ...dashPackageArgs(
      { rungs: input.rungs, segmentSeconds: input.segmentSeconds },
      audio.length,
      input.filePrefix,
    ),
  );
  await ffmpeg.run({
    inputs,
    outputOptions: args,
    output: path.join(input.outDir, DASH_MANIFEST),
    signal: input.signal,
  });
}
