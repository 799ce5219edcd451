/**
 * The transcode job's part when a source is long enough to split: it plans the chunks and
 * queues their jobs first (so every node can start at once), then does what needs the whole
 * source on this node — the audio (encoded once, so no per-chunk AAC priming gaps), the
 * poster and the embedded subtitles — and hands the rest to the run's units.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { encodeAudioTracks } from "../media/chunk-media.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import type { SourceInfo } from "../media/inspect.ts";
import type { Ladder } from "../media/ladder.ts";
import { makePoster } from "../media/thumbnails.ts";
import type { Job } from "../queue/job-queue.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { SubtitleStore } from "../subtitles/subtitle-store.ts";
import { extractEmbeddedSubtitles } from "../subtitles/transcode-subtitles.ts";
import { AUDIO_FILE, type ChunkPlan, planChunks, units } from "./chunk-plan.ts";
import type { ChunkRuns } from "./chunk-runs.ts";

export interface ChunkedTranscodeDeps {
  ffmpeg: Ffmpeg;
  storage: ObjectStorage;
  subtitles: SubtitleStore;
  chunkRuns: ChunkRuns;
  chunkSeconds: number;
  loudnessTarget: number | null;
  /** SUBTITLE_STREAM_MAX_BYTES: larger embedded subtitle streams are not read. */
  subtitleStreamMaxBytes?: number;
  log: (line: string) => void;
}

export interface ChunkedTranscodeInput {
  videoId: string;
  sourceKey: string;
  /** The source on local disk (the parent downloaded it to probe it). */
  source: string;
  workDir: string;
  info: SourceInfo;
  ladder: Ladder;
  /** The output directory of this attempt, as a single-node transcode would publish to. */
  prefix: string;
  reprocess: boolean;
  signal: AbortSignal;
}

const lost = () => new Error("the transcode job or its video changed while the chunked run started");

export async function startChunkedTranscode(
  deps: ChunkedTranscodeDeps,
  job: Job,
  input: ChunkedTranscodeInput,
): Promise<void> {
  const { info, ladder, signal } = input;
  const top = ladder.rungs[0]!;
  const plan: ChunkPlan = {
    sourceKey: input.sourceKey,
    durationMs: info.durationMs,
    ladder,
    displayAspect: `${top.width}/${top.height}`,
    info: { interlaced: info.interlaced, transfer: info.transfer, audioStreams: info.audioStreams },
    chunks: planChunks(info.durationMs, ladder, deps.chunkSeconds),
    reprocess: input.reprocess,
  };
  const run = await deps.chunkRuns.start(job, input.videoId, input.prefix, plan);
  if (!run) throw lost();
  deps.log(
    `video ${input.videoId}: chunked run ${run.id}, ${plan.chunks.length} chunks of ${ladder.rungs.length} rungs`,
  );

  // The audio (and the poster) first: the playable stage waits for them.
  const audioDir = path.join(input.workDir, "audio");
  const extrasDir = path.join(input.workDir, "extras");
  await mkdir(audioDir);
  await mkdir(extrasDir);
  if (info.audioStreams.length > 0) {
    await encodeAudioTracks(deps.ffmpeg, {
      source: input.source,
      output: path.join(audioDir, AUDIO_FILE),
      info,
      ladder,
      loudnessTarget: deps.loudnessTarget,
      signal,
    });
    await deps.storage.publishDirectory(audioDir, chunkScratchPrefix(input.videoId, run.id), { signal });
  }
  await makePoster(deps.ffmpeg, input.source, extrasDir, info.durationMs, info.height);
  await deps.storage.publishDirectory(extrasDir, run.prefix, { signal });
  if (!(await deps.chunkRuns.finishUnit(job, run, units.audio, { complete: false }))) throw lost();

  // What only the final publish needs: the source's own subtitle tracks. (The storyboard is
  // made from the smallest rung when the playable stage assembles it: no 1080p decode here.)
  await extractEmbeddedSubtitles(
    { ffmpeg: deps.ffmpeg, subtitles: deps.subtitles, subtitleStreamMaxBytes: deps.subtitleStreamMaxBytes },
    { videoId: input.videoId, source: input.source, info, workDir: input.workDir, signal },
  );
  if (!(await deps.chunkRuns.finishUnit(job, run, units.extras, { complete: true }))) throw lost();
}
