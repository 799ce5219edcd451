/**
 * transcode: source → probe → ladder → poster → first playable (smallest rung + audio,
 * published) → the other rungs → storyboard → subtitles (extract, render the set) → upload →
 * publish. A source longer than CHUNK_MIN_SOURCE_S goes to the farm's nodes in chunks instead
 * (farm/src/transcode/): this job then plans them and does only the whole-source parts.
 * Outputs go to a directory of their own per attempt (media/<video>/<attempt>/), so a stale
 * worker can never overwrite what another attempt published; publishing is fenced on the
 * job's lease, and older attempts' files are removed once one attempt has published.
 */
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import { inspectSource } from "../media/inspect.ts";
import { planLadder } from "../media/ladder.ts";
import { MediaError } from "../media/media-error.ts";
import { FIRST_PREFIX } from "../media/published-names.ts";
import { TONEMAP_FILTERS } from "../media/source-filters.ts";
import { makePoster, makeStoryboardFromRendition } from "../media/thumbnails.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { PermanentJobError } from "../queue/permanent-job-error.ts";
import { withWorkDir } from "../scratch.ts";
import { mediaPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { SubtitleStore } from "../subtitles/subtitle-store.ts";
import { prepareSubtitles } from "../subtitles/transcode-subtitles.ts";
import { shouldChunk } from "./chunk-plan.ts";
import type { ChunkRuns } from "./chunk-runs.ts";
import { startChunkedTranscode } from "./chunked-transcode.ts";
import { encodeFirstPlayable } from "./encode-first-playable.ts";
import { failProcessing } from "./fail-processing.ts";
import { ProcessingQuota } from "./processing-quota.ts";
import { publishFirstPlayable, publishLadder } from "./publish-ladder.ts";
import type { VideoStore } from "./video-store.ts";

export interface TranscodeDeps {
  config: FarmConfig;
  ffmpeg: Ffmpeg;
  storage: ObjectStorage;
  videos: VideoStore;
  queue: JobQueue;
  subtitles: SubtitleStore;
  log: (line: string) => void;
  chunkRuns: ChunkRuns;
  /** Told each ladder encode's source duration and wall time (the transcode speed metric). */
  metrics?: { transcoded(sourceSeconds: number, wallSeconds: number): void };
}

export function transcodeHandler(deps: TranscodeDeps): JobHandler<"transcode"> {
  const { config, ffmpeg, storage, videos, queue } = deps;
  const quota = new ProcessingQuota(queue.pool, config.PROCESSING_MINUTES_PER_DAY);
  return {
    async run(job, { signal }) {
      const videoId = requireVideo(job);
      const video = await videos.forProcessing(videoId);
      // An admin's re-processing encodes a ready video again; it stays ready until this publishes.
      const wanted = video?.status === "processing" || (job.payload.reprocess && video?.status === "ready");
      if (!video || video.deleted || !wanted) return; // nothing left to do
      if (!video.sourceKey) throw new PermanentJobError("the video has no uploaded source");
      const prefix = `${mediaPrefix(videoId)}${job.attempts}-${randomUUID().slice(0, 8)}/`;

      await withWorkDir(config.FARM_TMP_DIR, async (dir) => {
        const source = path.join(dir, "source");
        const out = path.join(dir, "out");
        await mkdir(out);

        if (video.sourceBytes === 0) throw new MediaError("not_a_video", "The uploaded file is empty.");
        await storage.download(video.sourceKey as string, source, signal).catch((err) => {
          if ((err as { name?: string }).name === "NoSuchKey") {
            throw new MediaError(
              "source_missing",
              "The uploaded file is no longer in storage; upload it again.",
            );
          }
          throw err;
        });
        const info = await inspectSource(ffmpeg, source, config);
        if (info.transfer !== "sdr" && !(await ffmpeg.hasFilters(...TONEMAP_FILTERS))) {
          throw new MediaError(
            "hdr_unsupported",
            "The video is HDR and this server's ffmpeg cannot convert HDR to standard range (it lacks zscale).",
          );
        }
        // The owner's processing quota, charged now that the duration is known (an admin's
        // re-processing is not the owner's doing); over it, nothing is encoded.
        if (!job.payload.reprocess) await quota.charge(job, videoId, info.durationMs);
        const ladder = planLadder(info, config.LADDER_MAX_FPS);
        if (shouldChunk(info.durationMs, config.CHUNK_MIN_SOURCE_S)) {
          // Long: split across the farm's nodes; this job plans it and does the audio and extras.
          await startChunkedTranscode(
            {
              ...deps,
              chunkSeconds: config.CHUNK_SECONDS,
              loudnessTarget: config.LOUDNESS_TARGET,
              subtitleStreamMaxBytes: config.SUBTITLE_STREAM_MAX_BYTES,
            },
            job,
            {
              videoId,
              sourceKey: video.sourceKey as string,
              source,
              workDir: dir,
              info,
              ladder,
              prefix,
              reprocess: job.payload.reprocess === true,
              signal,
            },
          );
          return;
        }
        let lastReport = 0;
        // The poster first: the video has it from the moment it plays.
        await makePoster(ffmpeg, source, out, info.durationMs, info.height);
        const uploadedFirst = new Set<string>();
        const encodeStarted = performance.now();
        let playablePublished = false;
        let playableAt: string | undefined;
        await encodeFirstPlayable(ffmpeg, {
          source,
          outDir: out,
          ladder,
          info,
          loudnessTarget: config.LOUDNESS_TARGET,
          threads: config.FFMPEG_THREADS,
          durationMs: info.durationMs,
          signal,
          onProgress: (fraction) => {
            if (Date.now() - lastReport < 1000) return;
            lastReport = Date.now();
            void videos.processingProgress(videoId, 2 + fraction * 85).catch(() => undefined);
          },
          onFirstPlayable: async () => {
            // Re-processing a ready video: it keeps playing its current media until this publishes.
            if (video.status !== "processing") return;
            for (const name of await storage.publishDirectory(out, prefix, { signal })) {
              uploadedFirst.add(name.slice(prefix.length));
            }
            playableAt = await publishFirstPlayable(deps, job, {
              outDir: out,
              prefix,
              durationMs: info.durationMs,
              storyboard: null,
            });
            playablePublished = playableAt !== undefined;
            if (!playablePublished) {
              throw new Error("the job or its video changed before the first rendition was published");
            }
            deps.log(`video ${videoId} playable: first rendition published`);
          },
        });
        deps.metrics?.transcoded(info.durationMs / 1000, (performance.now() - encodeStarted) / 1000);
        signal.throwIfAborted();
        const smallest = ladder.rungs[ladder.rungs.length - 1]!;
        await makeStoryboardFromRendition(
          ffmpeg,
          out,
          ladder.rungs.length > 1 ? `${FIRST_PREFIX}0` : "0",
          { durationMs: info.durationMs, width: smallest.width, height: smallest.height },
          dir,
        );
        const subtitleSet = await prepareSubtitles(
          { ffmpeg, subtitles: deps.subtitles, subtitleStreamMaxBytes: config.SUBTITLE_STREAM_MAX_BYTES },
          {
            videoId,
            source,
            info,
            workDir: dir,
            outDir: out,
            currentVersion: video.subtitlesVersion,
            signal,
          },
        );
        await videos.processingProgress(videoId, 90);
        signal.throwIfAborted();

        const published = await publishLadder(deps, job, {
          videoId,
          outDir: out,
          prefix,
          durationMs: info.durationMs,
          subtitleSet,
          playableAt,
          reprocess: job.payload.reprocess === true,
          sourceKey: video.sourceKey as string,
          translateTo: video.translateTo,
          alreadyUploaded: uploadedFirst,
          prefixInUse: playablePublished,
          signal,
        });
        if (!published) {
          throw new Error(
            "the job or its video changed before publishing; this attempt's files were removed",
          );
        }
        deps.log(`video ${videoId} ready: ${ladder.rungs.length} rungs, ${info.durationMs} ms`);
      });
    },
    giveUp: (job, error) => failProcessing(deps, requireVideo(job), error),
  };
}

function requireVideo(job: Job): string {
  if (!job.videoId) throw new PermanentJobError("job has no video");
  return job.videoId;
}
