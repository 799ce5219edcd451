/**
 * A long source's audio encoded in pieces on several nodes and joined frame for frame as if
 * it had been encoded once. The invariant: the joined stream has the single encode's AAC
 * frames — the same count, the same timestamps, the encoder's priming frame at the start —
 * so the decoded audio has the single encode's samples, with no gap or click at a join. (ADTS
 * cannot carry how much of the last frame is padding: the join sets it from the probed
 * duration, to the millisecond.)
 *
 * How: pieces are cut on the AAC frame grid (1024 samples at 48 kHz from the video's start;
 * chunk-plan.ts). A piece is encoded from `prerollFrames` before its start (the encoder's
 * overlap and the loudness normaliser's history warm up) to a little after its end (their
 * lookahead), as raw AAC in ADTS frames; then only its own frames are kept. Output frame j
 * of an encode that starts at sample s decodes to samples s + (j − 1)·1024 onwards (frame 0
 * is the encoder's priming), so the frames a piece keeps are known exactly. Joining is
 * concatenating the kept frames; one stream copy then puts them in an MP4 with the priming
 * marked as the single encode marks it (timestamps start at −1024, the edit list skips it) —
 * what the tests compare with one encode of the whole (farm/test/support/join-audio-pieces.ts).
 *
 * A chunked run never joins them, though: each piece packages its own CMAF segments
 * (`packageAudioPiece`), timed exactly as a join would start (its first frame at −1024, the
 * same edit list, so the same init segment), cut by the packager every segment length from
 * that frame — which, the pieces starting on the segment grid (chunk-plan.ts), is where one
 * packaging of the joined audio cuts — and moved onto the video's timeline like a chunk's
 * (chunk-segments.ts). Its segments are byte for byte the joined packaging's, save the
 * fragment sequence numbers.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { audioCodecArgs, type EncodeSource } from "./encode-ladder.ts";
import type { Ffmpeg } from "./ffmpeg.ts";
import type { Ladder } from "./ladder.ts";
import { DASH_MANIFEST, HLS_MASTER } from "./published-names.ts";
import { audioChain } from "./source-filters.ts";

export const AAC_FRAME_SAMPLES = 1024;
export const AUDIO_RATE = 48_000;
/** Frames read past a piece's end: the loudness normaliser looks ahead (~6 s). */
const POSTROLL_FRAMES = 282;

export interface AudioPieceWindow {
  /** First AAC frame of the piece on the video's timeline. */
  startFrame: number;
  /** Frames in the piece; null for the last piece (to the end of the source). */
  frames: number | null;
  /** Frames encoded before startFrame and dropped. */
  prerollFrames: number;
}

/** The ADTS frames of an AAC stream (each header states its frame's length). */
export function adtsFrames(data: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 7 > data.length || data[at] !== 0xff || (data[at + 1]! & 0xf0) !== 0xf0) {
      throw new Error(`not an ADTS frame at byte ${at}`);
    }
    const length = ((data[at + 3]! & 0x03) << 11) | (data[at + 4]! << 3) | (data[at + 5]! >> 5);
    if (length < 7 || at + length > data.length) throw new Error(`truncated ADTS frame at byte ${at}`);
    frames.push(data.subarray(at, at + length));
    at += length;
  }
  return frames;
}

/**
 * Which of a piece's encoded frames are its own: [from, to) in encoder output order. The
 * first piece keeps the priming frame (the single encode starts with it); the last keeps
 * everything to the end, including the encoder's final flush.
 */
export function keptFrames(window: AudioPieceWindow, encoded: number): { from: number; to: number } {
  const from = window.startFrame === 0 ? 0 : window.prerollFrames + 1;
  const to = window.frames === null ? encoded : from + window.frames + (window.startFrame === 0 ? 1 : 0);
  // A source whose audio ends before its video: the pieces past its end have fewer frames, or none.
  return { from: Math.min(from, encoded), to: Math.min(to, encoded) };
}

export interface AudioPieceInput {
  /** The source as ffmpeg reads it: the node's loopback range server. */
  sourceUrl: string;
  /** One file per audio track of `info`, in its order: the piece's own frames, ADTS. */
  outputs: string[];
  info: EncodeSource;
  ladder: Pick<Ladder, "audioBitrateK">;
  loudnessTarget: number | null;
  window: AudioPieceWindow;
  signal?: AbortSignal;
}

/** Encodes one piece of every audio track (one decode of the range) and keeps its own frames. */
export async function encodeAudioPiece(ffmpeg: Ffmpeg, input: AudioPieceInput): Promise<void> {
  const { window } = input;
  const streams = input.info.audioStreams;
  if (streams.length !== input.outputs.length) throw new Error("one output per audio track");
  const frameSeconds = AAC_FRAME_SAMPLES / AUDIO_RATE;
  const first = window.startFrame - window.prerollFrames;
  // A read that stalls for a minute (S3 gone quiet) fails the piece, which then retries. The
  // audio packets sit between the video's: read across gaps of up to 4 MiB on one connection
  // rather than reconnecting at each (every reconnect leaves the old response's buffered bytes
  // read from storage for nothing, and costs a request).
  const inputOptions = ["-rw_timeout", "60000000", "-short_seek_size", String(4 * 1024 * 1024)];
  // An input seek decodes from the packet before and trims to the exact sample.
  if (first > 0) inputOptions.push("-ss", (first * frameSeconds).toFixed(9));
  if (window.frames !== null) {
    const read = window.prerollFrames + window.frames + POSTROLL_FRAMES;
    inputOptions.push("-t", (read * frameSeconds).toFixed(9));
  }
  const graph = streams.map((stream, i) => `[0:${stream.index}]${audioChain(input.loudnessTarget)}[a${i}]`);
  // One output per track; the wrapper's output is the last one.
  const args = ["-filter_complex", graph.join(";")];
  streams.forEach((_, i) => {
    args.push("-map", `[a${i}]`, ...audioCodecArgs(input.ladder), "-vn", "-f", "adts");
    if (i < streams.length - 1) args.push(input.outputs[i]!);
  });
  await ffmpeg.run({
    inputs: [{ path: input.sourceUrl, options: inputOptions, access: "source-over-http" }],
    outputOptions: args,
    output: input.outputs[streams.length - 1]!,
    signal: input.signal,
  });
  for (const file of input.outputs) {
    const frames = adtsFrames(await readFile(file));
    const { from, to } = keptFrames(window, frames.length);
    await writeFile(file, Buffer.concat(frames.slice(from, to)));
  }
}

/** Raw AAC files (a track each) read as the single encode times them: the priming frame at −1024. */
export const primedInputs = (files: string[]) =>
  files.map((file) => ({
    path: file,
    options: ["-itsoffset", (-AAC_FRAME_SAMPLES / AUDIO_RATE).toFixed(9), "-f", "aac"],
    access: "own-output" as const,
  }));

/**
 * Stream-copy arguments for `primedInputs`, a track each. The last frame holds only the
 * samples up to `endSample` (counted from the first frame after the priming one; the rest is
 * the encoder's padding): its duration says so, as the single encode's does, so the audio ends
 * with the video and not up to 21 ms after it. Null: the last frame is whole (the files stop
 * before the end of the audio; the demuxer would guess it short).
 */
export async function copyWithTail(files: string[], endSample: number | null): Promise<string[]> {
  const args: string[] = [];
  files.forEach((_, track) => {
    args.push("-map", `${track}:a:0`);
  });
  args.push("-c", "copy");
  for (const [track, file] of files.entries()) {
    const count = adtsFrames(await readFile(file)).length;
    const lastStart = (count - 2) * AAC_FRAME_SAMPLES; // after the priming frame
    const tail =
      endSample === null
        ? AAC_FRAME_SAMPLES
        : Math.min(AAC_FRAME_SAMPLES, Math.max(1, endSample - lastStart));
    // In samples: the muxer's time base by the time the filter runs.
    args.push(`-bsf:a:${track}`, `setts=duration='if(eq(N,${count - 1}),${tail},DURATION)'`);
  }
  return args;
}

/**
 * Packages one piece of the audio (its own frames, one raw AAC file per track) as CMAF in
 * `outDir`, timed as a join would start it (its first frame at −1024, so the same init
 * segment as the whole audio's): the dash muxer's init and media segments per track, streams
 * 0…tracks−1, cut every `segmentSeconds` from that first frame. `endSample`: where the audio
 * ends, counted from the piece's first frame after the priming one's place; null when the
 * piece is not the last. Its manifests are not used (the segments are moved onto the video's
 * timeline and listed by the run's: chunk-segments.ts).
 */
export async function packageAudioPiece(
  ffmpeg: Ffmpeg,
  input: {
    frames: string[];
    endSample: number | null;
    bitrateK: number;
    segmentSeconds: number;
    outDir: string;
    /** Before every file name written, as the run's smallest rung's (FIRST_PREFIX). */
    filePrefix: string;
    signal?: AbortSignal;
  },
): Promise<void> {
  const sets = input.frames.map((_, track) => `id=${track},streams=${track}`);
  const args = [
    ...(await copyWithTail(input.frames, input.endSample)),
    ...["-b:a", `${input.bitrateK}k`, "-f", "dash"],
    ...["-seg_duration", String(input.segmentSeconds), "-use_template", "1", "-use_timeline", "0"],
    ...["-hls_playlist", "1", "-hls_master_name", HLS_MASTER],
    ...["-init_seg_name", `init-${input.filePrefix}$RepresentationID$.m4s`],
    ...["-media_seg_name", `seg-${input.filePrefix}$RepresentationID$-$Number%05d$.m4s`],
    ...["-adaptation_sets", sets.join(" ")],
  ];
  await ffmpeg.run({
    inputs: primedInputs(input.frames),
    outputOptions: args,
    output: path.join(input.outDir, DASH_MANIFEST),
    signal: input.signal,
  });
}
