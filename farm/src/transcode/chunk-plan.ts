/**
 * How a long source is cut for chunked transcoding: chunks of CHUNK_SECONDS (a whole number
 * of segments), each starting on a frame of the ladder's constant-rate timeline, so chunk
 * boundaries are segment boundaries and the chunks' frames add up to the single encode's.
 * The plan is stored with the run (transcode_runs.plan) and read by every job of the run.
 */
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
}

export interface ChunkPlan {
  sourceKey: string;
  durationMs: number;
  ladder: Ladder;
  /** "W/H" of the top rung: every rung and chunk is tagged with it. */
  displayAspect: string;
  info: EncodeSource;
  chunks: ChunkSpan[];
  /** An admin's re-processing of a ready video (it keeps its media until the final publish). */
  reprocess: boolean;
}

/** Whether a source this long is split (CHUNK_MIN_SOURCE_S). */
export const shouldChunk = (durationMs: number, minSourceSeconds: number) =>
  durationMs > minSourceSeconds * 1000;

export function planChunks(durationMs: number, ladder: Ladder, chunkSeconds: number): ChunkSpan[] {
  // Whole segments per chunk, whatever the configuration says.
  const segments = Math.max(1, Math.round(chunkSeconds / ladder.segmentSeconds));
  const framesPerChunk = Math.round(segments * ladder.segmentSeconds * ladder.fps);
  const totalFrames = Math.ceil((durationMs / 1000) * ladder.fps);
  const count = Math.max(1, Math.ceil(totalFrames / framesPerChunk));
  return Array.from({ length: count }, (_, index) => ({
    index,
    startFrame: index * framesPerChunk,
    frames: index === count - 1 ? null : framesPerChunk,
    prerollFrames: index === 0 ? 0 : ladder.gop,
  }));
}

/** The rungs a part encodes: the smallest first (it is what plays first), then the others. */
export const partRungs = (plan: Pick<ChunkPlan, "ladder">, part: "first" | "rest") =>
  part === "first" ? plan.ladder.rungs.slice(-1) : plan.ladder.rungs.slice(0, -1);

/** Run units (transcode_units): what each stage waits for. */
export const units = {
  audio: "audio",
  extras: "extras",
  playable: "playable",
  first: (index: number) => `first:${index}`,
  rest: (index: number) => `rest:${index}`,
};

/** Every unit of a run whose ladder has `rungs` rungs. */
export function runUnits(plan: Pick<ChunkPlan, "chunks" | "ladder">): string[] {
  const all = [units.audio, units.extras, units.playable];
  for (const chunk of plan.chunks) {
    all.push(units.first(chunk.index));
    if (plan.ladder.rungs.length > 1) all.push(units.rest(chunk.index));
  }
  return all;
}

/** Units the playable stage waits for (the rest wait for the final one, which also waits for `playable`). */
export const isPlayableUnit = (unit: string) => unit === units.audio || unit.startsWith("first:");

export const chunkFileName = (part: "first" | "rest", index: number) =>
  `${part}-${String(index).padStart(5, "0")}.mp4`;
export const AUDIO_FILE = "audio.mp4";
