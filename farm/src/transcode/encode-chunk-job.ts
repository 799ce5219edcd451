/**
 * encode_chunk: one chunk of a long source, on whichever node claims it. It reads only its
 * part of the source from storage (source-server.ts: byte ranges), encodes its rungs (the
 * smallest for `first`, the others for `rest`), packages them as CMAF with the dash muxer on
 * this node and publishes the segments straight to their final keys under the run's prefix,
 * numbered and timed on the video's timeline (chunk-segments.ts) — so no assembly moves them
 * again: it writes manifests only. Beside them, in the run's scratch prefix, it records its
 * segment list (and chunk 0 its part's init segments and the dash muxer's manifests, the
 * assembly's templates); then it marks its unit done, fenced like every job. For a source
 * without audio, the `first` job of the chunk holding the poster's frame then makes the poster
 * (run-poster.ts; after its unit, as the video may already grow by the chunk).
 *
 * Why two attempts of one chunk can share the final keys (the lease fencing):
 * - No manifest lists a chunk's segments before its unit is marked done, and that happens in
 *   the attempt's fenced transaction after every upload of that attempt finished; a done unit
 *   is never encoded again.
 * - An attempt that loses its lease stops uploading: the runner aborts its signal (every PUT
 *   takes it) as soon as the lease is lost or could not be renewed for a whole lease period,
 *   which is before another node can claim the job — and that node still has the chunk to
 *   encode before it uploads anything.
 * - Even so, what a straggler could overwrite is the same segment: the same plan, encoder
 *   settings and timeline (byte for byte with the same ffmpeg build and FFMPEG_THREADS); each
 *   segment is one closed GOP starting with an IDR frame, and every chunk's init segment is
 *   checked against the published one by the assembly (its hash in the chunk's record), so
 *   segments of two attempts side by side still decode as one stream.
 * Keys with an attempt in their name would need a SegmentList per chunk; this keeps the
 * manifests' templates.
 */

import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { encodeChunk, packageChunks } from "../media/chunk-media.ts";
import { placeChunkSegments } from "../media/chunk-segments.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import { DASH_MANIFEST, FIRST_PREFIX, HLS_MASTER } from "../media/published-names.ts";
import { makeStoryboardThumbs, storyboardLayout } from "../media/thumbnails.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { withWorkDir } from "../scratch.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import {
  type ChunkPlan,
  type ChunkSpan,
  chunkListName,
  partRungs,
  partTemplateName,
  segmentNumberOffset,
  units,
} from "./chunk-plan.ts";
import { type ChunkRun, type ChunkRuns, RunAbandonedError } from "./chunk-runs.ts";
import { failProcessing } from "./fail-processing.ts";
import { FIRST_RUN_DECODER_OPTIONS } from "./first-manifests.ts";
import { finishPart, makeRunPoster, makesRunPoster, onlyThePosterLeft } from "./run-poster.ts";
import { serveUpload } from "./source-server.ts";
import type { VideoStore } from "./video-store.ts";

export interface ChunkJobDeps {
  config: FarmConfig;
  ffmpeg: Ffmpeg;
  storage: ObjectStorage;
  videos: VideoStore;
  queue: JobQueue;
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
      const unit = part === "first" ? units.first(span.index) : units.rest(span.index);
      const makesPoster = part === "first" && makesRunPoster(run, "encode_chunk", span.index);
      if (await onlyThePosterLeft(deps, run, unit, makesPoster)) {
        await makeRunPoster(deps, job, run, signal);
        return;
      }
      await withWorkDir(deps.config.FARM_TMP_DIR, async (dir) => {
        const rungs = partRungs(plan, part);
        const encoded = path.join(dir, "chunk.mp4");
        const source = await serveUpload(deps.storage, plan.sourceKey, signal);
        try {
          await encodeChunk(deps.ffmpeg, {
            sourceUrl: source.url,
            output: encoded,
            ladder: { ...plan.ladder, rungs },
            displayAspect: plan.displayAspect,
            info: plan.info,
            window: span,
            ...(part === "first" ? { decoderOptions: FIRST_RUN_DECODER_OPTIONS } : {}),
            threads: deps.config.FFMPEG_THREADS,
            signal,
          });
          source.assertWhole(); // not a chunk cut short by a broken read
        } finally {
          await source.close();
        }
        deps.log(
          `video ${run.videoId} chunk ${span.index} (${part}): read from offsets ${source.requestedOffsets().join(",")} of ${source.size} source bytes, ${source.bytesServed()} bytes read`,
        );
        // CMAF by a stream copy, from the first frame encoded (the warm-up GOP is a segment);
        // beside it, the storyboard's thumbnails in this chunk from the same encoded pictures.
        const packaged = path.join(dir, "packaged");
        const published = path.join(dir, "published");
        const scratch = path.join(dir, "scratch");
        await Promise.all([mkdir(packaged), mkdir(published), mkdir(scratch)]);
        const [thumbs] = await Promise.all([
          part === "first" ? chunkThumbs(deps, plan, span, encoded, scratch, signal) : [],
          packageChunks(deps.ffmpeg, {
            chunks: [{ file: encoded, prerollSeconds: 0 }],
            rungs,
            segmentSeconds: plan.ladder.segmentSeconds,
            outDir: packaged,
            filePrefix: part === "first" ? FIRST_PREFIX : "",
            workDir: dir,
            signal,
          }),
        ]);
        // …then, the warm-up segment left out, moved onto the video's timeline under the final names.
        const placed = await placeChunkSegments({
          packagedDir: packaged,
          outDir: published,
          streams: rungs.length,
          dropSeconds: span.prerollFrames / plan.ladder.fps,
          numberOffset: segmentNumberOffset(span),
          startSeconds: (span.startFrame - span.prerollFrames) / plan.ladder.fps,
          withInit: span.index === 0,
        });
        const streams = placed.map((p) => p.stream);
        await writeFile(
          path.join(scratch, chunkListName(part, span.index)),
          JSON.stringify({ streams, thumbs }),
        );
        if (span.index === 0) {
          for (const file of [DASH_MANIFEST, HLS_MASTER]) {
            await copyFile(path.join(packaged, file), path.join(scratch, partTemplateName(part, file)));
          }
        }
        await deps.storage.publishDirectory(published, run.prefix, { signal });
        await deps.storage.publishDirectory(scratch, chunkScratchPrefix(run.videoId, run.id), { signal });
        deps.log(
          `video ${run.videoId} chunk ${span.index} (${part}): ${streams.reduce((n, s) => n + s.segments.length, 0)} segments published`,
        );
      });
      try {
        await finishPart(deps, job, run, unit, makesPoster, signal);
      } catch (err) {
        if (!(err instanceof RunAbandonedError)) throw err;
      }
    },
    giveUp: (job, error) => giveUpOnRun(deps, job, error),
  };
}

/**
 * The chunk's storyboard thumbnails (thumbnails.ts), written to `outDir`, from its encoded
 * smallest rung (`encoded`: the only track of a `first` part) past the warm-up; their indexes.
 */
async function chunkThumbs(
  deps: ChunkJobDeps,
  plan: ChunkPlan,
  span: ChunkSpan,
  encoded: string,
  outDir: string,
  signal: AbortSignal,
): Promise<number[]> {
  const smallest = partRungs(plan, "first")[0]!;
  const { fps } = plan.ladder;
  const startSeconds = span.startFrame / fps;
  return makeStoryboardThumbs(deps.ffmpeg, {
    source: encoded,
    skipSeconds: span.prerollFrames / fps,
    outDir,
    layout: storyboardLayout({ durationMs: plan.durationMs, width: smallest.width, height: smallest.height }),
    startSeconds,
    seconds: span.frames === null ? plan.durationMs / 1000 - startSeconds : span.frames / fps,
    signal,
  });
}

/** A chunk or an assembly gave up for good: the video fails and its run is abandoned. */
export async function giveUpOnRun(deps: ChunkJobDeps, job: Job, error: Error): Promise<void> {
  if (!job.videoId) return;
  await failProcessing(deps, job.videoId, error);
}
