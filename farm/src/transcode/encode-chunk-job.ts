/**
 * encode_chunk: one chunk of a long source, on whichever node claims it. It reads only its
 * part of the source from storage (source-server.ts: byte ranges), encodes its rungs (the
 * smallest for `first`, the others for `rest`) into one MP4, stores it with the run's chunk
 * files and marks its unit done — fenced like every job, so a node killed mid-chunk loses
 * only that chunk, which another node then encodes again.
 */
import path from "node:path";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { encodeChunk } from "../media/chunk-media.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import type { Job } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { withWorkDir } from "../scratch.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import { chunkFileName, partRungs, units } from "./chunk-plan.ts";
import { type ChunkRun, type ChunkRuns, RunAbandonedError } from "./chunk-runs.ts";
import { failProcessing } from "./fail-processing.ts";
import { FIRST_RUN_DECODER_OPTIONS } from "./first-manifests.ts";
import { serveUpload } from "./source-server.ts";
import type { VideoStore } from "./video-store.ts";

export interface ChunkJobDeps {
  config: FarmConfig;
  ffmpeg: Ffmpeg;
  storage: ObjectStorage;
  videos: VideoStore;
  chunkRuns: ChunkRuns;
  log: (line: string) => void;
}

export interface WantedRun {
  run: ChunkRun;
  subtitlesVersion: number;
  translateTo: string[];
  status: string;
  playableAt: string | null;
}

/**
 * The run this job belongs to, if it is still wanted: the run exists (not abandoned) and its
 * video is processing (or ready, for an admin's re-processing) and not deleted.
 */
export async function wantedRun(
  deps: Pick<ChunkJobDeps, "chunkRuns" | "videos">,
  runId: string,
): Promise<WantedRun | undefined> {
  const run = await deps.chunkRuns.load(runId);
  if (!run) return undefined;
  const video = await deps.videos.forProcessing(run.videoId);
  if (!video || video.deleted) return undefined;
  if (video.status !== "processing" && !(run.plan.reprocess && video.status === "ready")) return undefined;
  return {
    run,
    subtitlesVersion: video.subtitlesVersion,
    translateTo: video.translateTo,
    status: video.status,
    playableAt: video.playableAt,
  };
}

export function encodeChunkHandler(deps: ChunkJobDeps): JobHandler<"encode_chunk"> {
  return {
    async run(job, { signal }) {
      const wanted = await wantedRun(deps, job.payload.runId);
      if (!wanted) return; // abandoned, deleted or failed meanwhile: nothing to do
      const { run } = wanted;
      const { plan } = run;
      const span = plan.chunks[job.payload.index];
      if (!span) throw new Error(`chunk ${job.payload.index} is not in run ${run.id}`);
      const { part } = job.payload;
      await withWorkDir(deps.config.FARM_TMP_DIR, async (dir) => {
        const name = chunkFileName(part, span.index);
        const source = await serveUpload(deps.storage, plan.sourceKey, signal);
        try {
          await encodeChunk(deps.ffmpeg, {
            sourceUrl: source.url,
            output: path.join(dir, name),
            ladder: { ...plan.ladder, rungs: partRungs(plan, part) },
            displayAspect: plan.displayAspect,
            info: plan.info,
            window: span,
            ...(part === "first" ? { decoderOptions: FIRST_RUN_DECODER_OPTIONS } : {}),
            threads: deps.config.FFMPEG_THREADS,
            signal,
          });
        } finally {
          await source.close();
        }
        deps.log(
          `video ${run.videoId} chunk ${span.index} (${part}): read from offsets ${source.requestedOffsets().join(",")} of ${source.size} source bytes, ${source.bytesServed()} bytes read`,
        );
        await deps.storage.publishDirectory(dir, chunkScratchPrefix(run.videoId, run.id), { signal });
      });
      const unit = part === "first" ? units.first(span.index) : units.rest(span.index);
      try {
        await deps.chunkRuns.finishUnit(job, run, unit, { complete: true });
      } catch (err) {
        if (!(err instanceof RunAbandonedError)) throw err;
      }
    },
    giveUp: (job, error) => giveUpOnRun(deps, job, error),
  };
}

/** A chunk or an assembly gave up for good: the video fails and its run is abandoned. */
export async function giveUpOnRun(deps: ChunkJobDeps, job: Job, error: Error): Promise<void> {
  if (!job.videoId) return;
  await failProcessing(deps, job.videoId, error);
}
