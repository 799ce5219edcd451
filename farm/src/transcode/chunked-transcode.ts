/**
 * The transcode job's part when a source is long enough to split: it plans the chunks and
 * the audio's pieces and queues all their jobs in one transaction (so every node can start at
 * once, and the audio never waits for one node), then does what is left of the whole source
 * on this node — the embedded subtitles — and hands the rest to the run's units. (The poster
 * is made by the chunk its frame falls in: encode-chunk-job.ts.)
 * It reads the source through the parent's loopback range server: no node downloads it.
 */
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import type { SourceInfo } from "../media/inspect.ts";
import type { Ladder } from "../media/ladder.ts";
import type { Job } from "../queue/job-queue.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { SubtitleStore } from "../subtitles/subtitle-store.ts";
import { extractEmbeddedSubtitles } from "../subtitles/transcode-subtitles.ts";
import { type ChunkPlan, planAudioPieces, planChunks, units } from "./chunk-plan.ts";
import type { ChunkRuns } from "./chunk-runs.ts";

export interface ChunkedTranscodeDeps {
  ffmpeg: Ffmpeg;
  storage: ObjectStorage;
  subtitles: SubtitleStore;
  chunkRuns: ChunkRuns;
  config: Pick<FarmConfig, "CHUNK_AUDIO_SECONDS" | "CHUNK_FIRST_SECONDS">;
  chunkSeconds: number;
  /** Unused here: the audio's own jobs (encode-audio-job.ts) read LOUDNESS_TARGET. */
  loudnessTarget?: number | null;
  /** SUBTITLE_STREAM_MAX_BYTES: larger embedded subtitle streams are not read. */
  subtitleStreamMaxBytes?: number;
  log: (line: string) => void;
}

export interface ChunkedTranscodeInput {
  videoId: string;
  sourceKey: string;
  /** The parent's loopback range server over the upload (source-server.ts): nothing is downloaded. */
  source: { url: string; size: number };
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
  const chunks = planChunks(info.durationMs, ladder, {
    chunkSeconds: deps.chunkSeconds,
    firstSeconds: deps.config.CHUNK_FIRST_SECONDS,
  });
  const firstChunkFrames = chunks[0]?.frames;
  const plan: ChunkPlan = {
    sourceKey: input.sourceKey,
    durationMs: info.durationMs,
    ladder,
    displayAspect: `${top.width}/${top.height}`,
    info: { interlaced: info.interlaced, transfer: info.transfer, audioStreams: info.audioStreams },
    chunks,
    audioPieces:
      info.audioStreams.length > 0
        ? planAudioPieces(info.durationMs, {
            // The first piece covers the first chunk: the video plays when both are out.
            firstSeconds: firstChunkFrames == null ? info.durationMs / 1000 : firstChunkFrames / ladder.fps,
            pieceSeconds: deps.config.CHUNK_AUDIO_SECONDS,
            segmentSeconds: ladder.segmentSeconds,
          })
        : [],
    reprocess: input.reprocess,
  };
  const run = await deps.chunkRuns.start(job, input.videoId, input.prefix, plan);
  if (!run) throw lost();
  deps.log(
    `video ${input.videoId}: chunked run ${run.id}, ${plan.chunks.length} chunks of ${ladder.rungs.length} rungs, ${plan.audioPieces.length} audio pieces`,
  );

  // What only the final publish needs: the source's own subtitle tracks. (The storyboard is
  // tiled from the chunks' thumbnails by the final stage: no 1080p decode here.)
  await extractEmbeddedSubtitles(
    { ffmpeg: deps.ffmpeg, subtitles: deps.subtitles, subtitleStreamMaxBytes: deps.subtitleStreamMaxBytes },
    {
      videoId: input.videoId,
      source: input.source.url,
      sourceAccess: "source-over-http",
      sourceBytes: input.source.size,
      info,
      workDir: input.workDir,
      signal,
    },
  );
  if (!(await deps.chunkRuns.finishUnit(job, run, units.extras, { complete: true }))) throw lost();
}
