/**
 * How a long source is cut for chunked transcoding: a short first chunk (CHUNK_FIRST_SECONDS:
 * the video plays once it and the audio over it are out), then chunks growing by half each
 * (CHUNK_GROWTH) up to CHUNK_SECONDS — each a whole number of segments, starting on a frame of
 * the ladder's constant-rate timeline, so chunk boundaries are segment boundaries and the
 * chunks' frames add up to the single encode's.
 * The audio is cut apart from the video, on AAC's own grid: pieces of whole 1024-sample
 * frames, so the pieces' frames add up to the single encode's frame for frame (see
 * farm/src/media/audio-pieces.ts) — and every piece starts on a segment boundary of the
 * audio's own timeline (priming frame included: 8 s at 2 s segments), so each piece packages
 * its own segments and they line up with the single packaging's. The first piece covers the
 * first chunk; the next ones double in length up to CHUNK_AUDIO_SECONDS, so the audio of the
 * start of the video keeps ahead of a viewer who starts at once.
 * The plan is stored with the run (transcode_runs.plan) and read by every job of the run.
 */
import { AAC_FRAME_SAMPLES, AUDIO_RATE, type AudioPieceWindow } from "../media/audio-pieces.ts";
import type { EncodeSource } from "../media/encode-ladder.ts";
import type { Ladder } from "../media/ladder.ts";

export interface ChunkSpan {
  index: number;
  startFrame: number;
  /** null: the last chunk, which runs to the end of the source. */
  frames: number | null;
  /**
   * Frames encoded before the chunk and dropped when assembling (one segment; none for the
   * first chunk): x264's rate control starts cold, and without this warm-up the first second
   * of every chunk came out ~3 dB worse than the same second of a single encode.
   */
  prerollFrames: number;
  /** Segments before the chunk on the video's timeline: its first is number segmentOffset + 1. */
  segmentOffset: number;
}

/**
 * A piece of the audio on the AAC frame grid (1024 samples at 48 kHz, from the video's start),
 * with the frames encoded before it only to warm up (none for the first piece).
 */
export interface AudioPiece extends AudioPieceWindow {
  index: number;
}

export interface ChunkPlan {
  sourceKey: string;
  durationMs: number;
  ladder: Ladder;
  /** "W/H" of the top rung: every rung and chunk is tagged with it. */
  displayAspect: string;
  info: EncodeSource;
  chunks: ChunkSpan[];
  /** The audio's pieces, each its own encode_audio job; empty when the source has no audio. */
  audioPieces: AudioPiece[];
  /** An admin's re-processing of a ready video (it keeps its media until the final publish). */
  reprocess: boolean;
}

/**
 * Whether a source this long is split: past CHUNK_MIN_SOURCE_S, and with at least
 * CHUNK_MIN_NODES nodes up to share it (`nodesUp` is asked only for a long source).
 */
export async function shouldChunk(
  durationMs: number,
  config: { CHUNK_MIN_SOURCE_S: number; CHUNK_MIN_NODES: number },
  nodesUp: () => Promise<number>,
): Promise<boolean> {
  if (durationMs <= config.CHUNK_MIN_SOURCE_S * 1000) return false;
  return config.CHUNK_MIN_NODES <= 1 || (await nodesUp()) >= config.CHUNK_MIN_NODES;
}

/**
 * Each chunk after the first is this much longer than the one before (in whole segments), up
 * to CHUNK_SECONDS: the video's start comes out in small parts, so the growing manifests keep
 * ahead of a viewer who starts at once (a chunk costs its length plus a segment of warm-up;
 * a 30 s second chunk would leave them waiting ~15 s after the first 4 s), and the parts reach
 * full length within a minute of video, where the warm-up's share no longer matters.
 */
export const CHUNK_GROWTH = 1.5;

export function planChunks(
  durationMs: number,
  ladder: Ladder,
  spans: { chunkSeconds: number; firstSeconds: number },
): ChunkSpan[] {
  // Whole segments per chunk, whatever the configuration says; the first no longer than the others.
  const segments = Math.max(1, Math.round(spans.chunkSeconds / ladder.segmentSeconds));
  const firstSegments = Math.min(
    segments,
    Math.max(1, Math.round(spans.firstSeconds / ladder.segmentSeconds)),
  );
  const framesOf = (n: number) => Math.round(n * ladder.segmentSeconds * ladder.fps);
  const totalFrames = Math.ceil((durationMs / 1000) * ladder.fps);
  const chunks: ChunkSpan[] = [];
  let startFrame = 0;
  let segmentOffset = 0;
  let length = firstSegments;
  for (;;) {
    const frames = framesOf(length);
    const last = startFrame + frames >= totalFrames;
    chunks.push({
      index: chunks.length,
      startFrame,
      frames: last ? null : frames,
      prerollFrames: chunks.length === 0 ? 0 : ladder.gop,
      segmentOffset,
    });
    if (last) return chunks;
    startFrame += frames;
    segmentOffset += length;
    length = Math.min(segments, Math.ceil(length * CHUNK_GROWTH));
  }
}

/** About 6 s of warm-up before a piece (loudnorm looks at 3 s windows) and after it (its lookahead). */
export const AUDIO_WARMUP_FRAMES = 282;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * AAC frames in the shortest span that is a whole number of both frames and segments: 375
 * frames (8 s) at 2 s segments. The packager cuts the audio every segment length from its
 * first frame (the priming one), so pieces a multiple of this long cut where one packaging would.
 */
export function audioGridFrames(segmentSeconds: number): number {
  const segmentSamples = Math.round(segmentSeconds * AUDIO_RATE);
  return segmentSamples / gcd(segmentSamples, AAC_FRAME_SAMPLES);
}

/**
 * Where a piece starts on the audio's own timeline, in frames: the encoder's priming frame is
 * frame 0 there, so a later piece's first frame (source frame `startFrame`) is frame startFrame + 1.
 */
export const audioTimelineFrame = (piece: Pick<AudioPiece, "startFrame">) =>
  piece.startFrame === 0 ? 0 : piece.startFrame + 1;

/** Where a piece starts in the video, in seconds. */
export const audioPieceSeconds = (piece: Pick<AudioPiece, "startFrame">) =>
  (piece.startFrame * AAC_FRAME_SAMPLES) / AUDIO_RATE;

/** How many audio segments come before a piece (it starts on a segment boundary). */
export const audioSegmentOffset = (piece: Pick<AudioPiece, "startFrame">, segmentSeconds: number) =>
  Math.round((audioTimelineFrame(piece) * AAC_FRAME_SAMPLES) / (segmentSeconds * AUDIO_RATE));

/**
 * The audio's pieces: the first at least `firstSeconds` long (the first chunk: playback starts
 * when both are out), each next one twice as long as the one before up to about `pieceSeconds`
 * (the start of the video is encoded soonest), every boundary on the segment grid.
 */
export function planAudioPieces(
  durationMs: number,
  spans: { firstSeconds: number; pieceSeconds: number; segmentSeconds: number },
): AudioPiece[] {
  const grid = audioGridFrames(spans.segmentSeconds);
  const gridSeconds = (grid * AAC_FRAME_SAMPLES) / AUDIO_RATE;
  const first = Math.max(1, Math.ceil(spans.firstSeconds / gridSeconds - 1e-9)) * grid;
  const step = Math.max(1, Math.round(spans.pieceSeconds / gridSeconds)) * grid;
  // On the audio's timeline: the priming frame, then the source's frames.
  const total = 1 + Math.ceil(((durationMs / 1000) * AUDIO_RATE) / AAC_FRAME_SAMPLES);
  const bounds = [0];
  for (let next = first, size = first; next < total; next += size) {
    bounds.push(next);
    size = Math.min(step, size * 2);
  }
  return bounds.map((bound, index) => {
    const startFrame = bound === 0 ? 0 : bound - 1;
    const end = bounds[index + 1];
    return {
      index,
      startFrame,
      // The first piece keeps the priming frame on top of these (audio-pieces.ts, keptFrames).
      frames: end === undefined ? null : end - bound - (bound === 0 ? 1 : 0),
      prerollFrames: Math.min(startFrame, AUDIO_WARMUP_FRAMES),
    };
  });
}

/** The rungs a part encodes: the smallest first (it is what plays first), then the others. */
export const partRungs = (plan: Pick<ChunkPlan, "ladder">, part: "first" | "rest") =>
  part === "first" ? plan.ladder.rungs.slice(-1) : plan.ladder.rungs.slice(0, -1);

/**
 * The job that also makes the poster, right after its own part counts: the first audio
 * piece's — done before the first chunk, and the audio keeps ahead of the video, so the
 * poster (made at a lower CPU priority) holds back neither the first playable nor the growing
 * video, and usually comes with the first playable. A source without audio: the `first` job
 * of the chunk the poster's frame falls in (thumbnails.ts' posterSeconds).
 */
export function posterMaker(
  plan: Pick<ChunkPlan, "chunks" | "ladder" | "audioPieces">,
  posterAt: number,
): { type: "encode_audio" | "encode_chunk"; index: number } {
  if (plan.audioPieces.length > 0) return { type: "encode_audio", index: 0 };
  let index = 0;
  for (const chunk of plan.chunks) if (chunk.startFrame / plan.ladder.fps <= posterAt) index = chunk.index;
  return { type: "encode_chunk", index };
}

/** Run units (transcode_units): what each stage waits for. */
export const units = {
  audio: (index: number) => `audio:${index}`,
  poster: "poster",
  extras: "extras",
  playable: "playable",
  first: (index: number) => `first:${index}`,
  rest: (index: number) => `rest:${index}`,
};

/** Every unit of a run whose ladder has `rungs` rungs. */
export function runUnits(plan: Pick<ChunkPlan, "chunks" | "ladder" | "audioPieces">): string[] {
  const all = [
    units.poster,
    units.extras,
    units.playable,
    ...plan.audioPieces.map((piece) => units.audio(piece.index)),
  ];
  for (const chunk of plan.chunks) {
    all.push(units.first(chunk.index));
    if (plan.ladder.rungs.length > 1) all.push(units.rest(chunk.index));
  }
  return all;
}

/**
 * Units the playable stage waits for: the first chunk's smallest rung and the audio over it.
 * (Not the poster: the video gets it when it comes, like a single-node one.)
 */
export const playableUnits = (plan: Pick<ChunkPlan, "audioPieces">): string[] => [
  units.first(0),
  ...(plan.audioPieces.length > 0 ? [units.audio(0)] : []),
];

/** Units whose media the growing manifests list as a contiguous prefix joins them. */
export const isGrowingUnit = (unit: string) => unit.startsWith("first:") || unit.startsWith("audio:");

/** A chunk's record of what it published (its streams' segments: chunk-segments.ts), in the scratch prefix. */
export const chunkListName = (part: "first" | "rest", index: number) =>
  `segments-${part}-${String(index).padStart(5, "0")}.json`;
/** The dash muxer's manifests of a part's chunk 0, in the scratch prefix: the assembly's templates. */
export const partTemplateName = (part: "first" | "rest", file: string) => `${part}-${file}`;

/**
 * How many segments come before a chunk on the video's timeline (its keyframes are forced on
 * the segment grid from its own start, and every chunk is a whole number of segments).
 */
export const segmentNumberOffset = (chunk: ChunkSpan): number => chunk.segmentOffset;
/** An audio piece's record of what it published (chunk-segments.ts' ChunkStream per track), in the scratch prefix. */
export const audioListName = (index: number) => `segments-audio-${String(index).padStart(5, "0")}.json`;
/** One audio piece's encoded frames for one track (raw AAC in ADTS frames). */
export const audioPieceName = (index: number, track: number) =>
  `audio-${String(index).padStart(5, "0")}-${track}.aac`;
/**
 * The growing manifests' templates (the dash muxer's MPD and master of the smallest rung and
 * the audio) and their start time, in the scratch prefix.
 */
export const GROWING_TEMPLATE = "growing-template.json";
