/**
 * transcode: source (read by ranges, never downloaded) → probe → ladder → one ffmpeg for every
 * rung and the audio, its segments published as it writes them (segment-publisher.ts: the
 * video plays from its first segments, on growing manifests) — from then on, alongside it, the
 * poster (from the top rung's segment at its time) and the embedded subtitles' extraction;
 * the storyboard's thumbnails come out of the encode too → its sheets → render the subtitle
 * set → upload the rest → publish ready. A source longer than CHUNK_MIN_SOURCE_S, with
 * CHUNK_MIN_NODES nodes up, goes to the farm's nodes in chunks instead (chunked-transcode.ts):
 * this job then plans them and does only the whole-source parts.
 * Outputs go to a directory of their own per attempt (media/<video>/<attempt>/), so a stale
 * worker can never overwrite what another attempt published; publishing is fenced on the
 * job's lease, and older attempts' files are removed once one attempt has published.
 */
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { audioTrackNames, nameAudioTracks } from "../media/audio-manifests.ts";
import { encodeLadder } from "../media/encode-ladder.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import { LIVE_DASH, LIVE_HLS } from "../media/growing-manifests.ts";
import { inspectSource } from "../media/inspect.ts";
import { planLadder } from "../media/ladder.ts";
import { MediaError } from "../media/media-error.ts";
import { DASH_MANIFEST, POSTER } from "../media/published-names.ts";
import { TONEMAP_FILTERS } from "../media/source-filters.ts";
import {
  makePosterFromRendition,
  posterSeconds,
  storyboardLayout,
  tileStoryboard,
} from "../media/thumbnails.ts";
import { nodesUp } from "../nodes/nodes-up.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { PermanentJobError } from "../queue/permanent-job-error.ts";
import { withWorkDir } from "../scratch.ts";
import { mediaPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { SubtitleStore } from "../subtitles/subtitle-store.ts";
import { extractEmbeddedSubtitles, renderReadySubtitles } from "../subtitles/transcode-subtitles.ts";
import { shouldChunk } from "./chunk-plan.ts";
import type { ChunkRuns } from "./chunk-runs.ts";
import { startChunkedTranscode } from "./chunked-transcode.ts";
import { failProcessing } from "./fail-processing.ts";
import { ProcessingQuota } from "./processing-quota.ts";
import { publishFirstPlayable, publishLadder } from "./publish-ladder.ts";
import { SegmentPublisher } from "./segment-publisher.ts";
import { serveSource } from "./source-server.ts";
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
        const out = path.join(dir, "out");
        await mkdir(out);

        if (video.sourceBytes === 0) throw new MediaError("not_a_video", "The uploaded file is empty.");
        // Where the seconds to the first playable go (logged when it plays).
        const jobStarted = performance.now();
        const took: string[] = [];
        const lap = (what: string, since: number) => {
          took.push(`${what} ${((performance.now() - since) / 1000).toFixed(1)} s`);
          return performance.now();
        };
        // Probe, poster, encode and embedded subtitles read the upload by ranges from the
        // bucket through a loopback server: this node never downloads the whole source.
        const sourceKey = video.sourceKey as string;
        const served = await serveSource(storage, sourceKey, signal).catch((err) => {
          throw sourceMissing(err);
        });
        try {
          let mark = lap("open", jobStarted);
          const info = await inspectSource(ffmpeg, served.url, config, { http: true, bytes: served.size });
          mark = lap("probe", mark);
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
          if (
            await shouldChunk(info.durationMs, config, () => nodesUp(queue.pool, config.FARM_HEARTBEAT_MS))
          ) {
            // Long, and nodes to share it: this job plans the chunks and the audio's pieces,
            // makes the poster and extracts the embedded subtitles.
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
                source: served,
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
          // The poster is asked for once the first segments are out, and taken from the top
          // rung's segment at its time once that is written: the video plays without it for the
          // seconds that takes, then gets it (attachPoster).
          let poster: Promise<void> | undefined;
          // The embedded subtitles too: one streaming read of the source, alongside the rest
          // of the encode instead of after it (none in the source: nothing is read).
          let extraction: Promise<void> | undefined;
          const extractTheSubtitles = () => {
            extraction ??= extractEmbeddedSubtitles(
              { ffmpeg, subtitles: deps.subtitles, subtitleStreamMaxBytes: config.SUBTITLE_STREAM_MAX_BYTES },
              {
                videoId,
                source: served.url,
                sourceAccess: "source-over-http",
                sourceBytes: served.size,
                info,
                workDir: dir,
                signal,
              },
            );
            return extraction;
          };
          const makeThePoster = () => {
            // From the top rung's segment at the poster's time, once written: no decode of the
            // source's GOP, no third read of it.
            poster ??= publisher
              .whenCovered(0, posterSeconds(info.durationMs))
              .then((segments) => {
                if (!segments) throw new Error("the encode stopped before the poster's segment");
                return makePosterFromRendition(ffmpeg, {
                  outDir: out,
                  segments,
                  durationMs: info.durationMs,
                  height: ladder.rungs[0]!.height,
                  workDir: dir,
                  signal,
                });
              })
              .then(() => storage.putFile(`${prefix}${POSTER}`, path.join(out, POSTER), { signal }))
              .then(() => void lap("poster (after the first segments)", mark));
            return poster;
          };
          // The storyboard's thumbnails come out of the encode, from the smallest rung's frames.
          const smallest = ladder.rungs[ladder.rungs.length - 1]!;
          const storyboard = {
            layout: storyboardLayout({
              durationMs: info.durationMs,
              width: smallest.width,
              height: smallest.height,
            }),
            thumbsDir: path.join(dir, "thumbs"),
          };
          await mkdir(storyboard.thumbsDir);
          const encodeStarted = performance.now();
          // One ffmpeg for every rung and the audio; its segments are published as it writes
          // them, and the video plays once every stream has its first one.
          const stopEncode = new AbortController();
          let playableAt: string | undefined;
          const publisher = new SegmentPublisher({
            storage,
            outDir: out,
            prefix,
            streams: ladder.rungs.length + info.audioStreams.length,
            segmentSeconds: ladder.segmentSeconds,
            audio: audioTrackNames(info.audioStreams),
            // Back by the duration: players never hold a listed segment as "not yet available"
            // by the clock, even when the encode runs faster than real time.
            availabilityStartTime: new Date(Date.now() - info.durationMs).toISOString(),
            signal,
            onFirstSegments: async () => {
              // Re-processing a ready video: it keeps playing its current media until this publishes.
              extractTheSubtitles().catch(() => undefined); // awaited after the encode
              if (video.status !== "processing") return void makeThePoster().catch(() => undefined);
              playableAt = await publishFirstPlayable(deps, job, {
                outDir: out,
                prefix,
                durationMs: info.durationMs,
                storyboard: null,
                poster: null,
                manifests: { dash: LIVE_DASH, hls: LIVE_HLS, declaredBy: DASH_MANIFEST },
              });
              if (playableAt === undefined) {
                throw new Error("the job or its video changed before the first segments were published");
              }
              deps.log(
                `video ${videoId} playable ${((performance.now() - jobStarted) / 1000).toFixed(1)} s into its job: ${[...took, `encode to the first segments of every stream ${((performance.now() - encodeStarted) / 1000).toFixed(1)} s`].join(", ")}`,
              );
              // Awaited after the encode; a failure here fails the job there.
              makeThePoster()
                .then(() => videos.attachPoster(queue, job, prefix, POSTER))
                .catch(() => undefined);
            },
          });
          publisher.start((err) => stopEncode.abort(err));
          try {
            await encodeLadder(ffmpeg, {
              source: served.url,
              sourceAccess: "source-over-http",
              outDir: out,
              ladder,
              info,
              loudnessTarget: config.LOUDNESS_TARGET,
              threads: config.FFMPEG_THREADS,
              durationMs: info.durationMs,
              storyboard,
              signal: AbortSignal.any([signal, stopEncode.signal]),
              onProgress: (fraction) => {
                if (Date.now() - lastReport < 1000) return;
                lastReport = Date.now();
                void videos.processingProgress(videoId, 2 + fraction * 85).catch(() => undefined);
              },
            });
            // A ladder cut short by a broken read never gets its finished manifests.
            served.assertWhole();
          } catch (err) {
            await publisher.stop();
            // Not left running into the removed work dir.
            await Promise.all([poster?.catch(() => undefined), extraction?.catch(() => undefined)]);
            // The publisher's failure (S3, the fenced row) explains the stopped encode best.
            throw stopEncode.signal.aborted ? stopEncode.signal.reason : err;
          }
          deps.metrics?.transcoded(info.durationMs / 1000, (performance.now() - encodeStarted) / 1000);
          const encodeEnded = performance.now();
          // What is left after the encode, side by side: the last uploads and the manifests'
          // audio names (files), the poster (a small decode of our own top rung), the
          // storyboard's sheets from the thumbnails the encode wrote, the embedded subtitles
          // (a read of the source, begun with the encode).
          const after: string[] = [];
          const timed = async (what: string, work: () => Promise<unknown>) => {
            await work();
            after.push(`${what} ${((performance.now() - encodeEnded) / 1000).toFixed(1)} s`);
          };
          await settleAll([
            timed("last segments", async () => {
              await publisher.finish();
              await nameAudioTracks(out, info.audioStreams);
            }),
            timed("poster", async () => {
              await makeThePoster();
              publisher.uploaded.add(POSTER);
            }),
            timed("storyboard", () =>
              tileStoryboard(ffmpeg, {
                thumbsDir: storyboard.thumbsDir,
                outDir: out,
                layout: storyboard.layout,
                signal,
              }),
            ),
            timed("subtitles", () => extractTheSubtitles()),
          ]);
          signal.throwIfAborted();
          served.assertWhole(); // the subtitle tracks too
          const subtitleSet = await renderReadySubtitles(deps, {
            videoId,
            durationMs: info.durationMs,
            outDir: out,
            currentVersion: video.subtitlesVersion,
          });
          await videos.processingProgress(videoId, 90);
          signal.throwIfAborted();

          const publishStarted = performance.now();
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
            alreadyUploaded: publisher.uploaded,
            prefixInUse: publisher.playable && playableAt !== undefined,
            signal,
          });
          if (!published) {
            throw new Error(
              "the job or its video changed before publishing; this attempt's files were removed",
            );
          }
          deps.log(
            `video ${videoId} ready: ${ladder.rungs.length} rungs, ${info.durationMs} ms; ${((performance.now() - jobStarted) / 1000).toFixed(1)} s into its job, ${((performance.now() - encodeEnded) / 1000).toFixed(1)} s after the encode (done after it: ${after.join(", ")}; published ${((performance.now() - publishStarted) / 1000).toFixed(1)} s); source: ${mib(served.bytesFromStorage())} MiB read from storage for ${mib(served.bytesServed())} MiB to ffmpeg`,
          );
        } finally {
          await served.close();
        }
      });
    },
    giveUp: (job, error) => failProcessing(deps, requireVideo(job), error),
  };
}

function sourceMissing(err: unknown): unknown {
  if ((err as { name?: string }).name !== "NoSuchKey") return err;
  return new MediaError("source_missing", "The uploaded file is no longer in storage; upload it again.");
}

function requireVideo(job: Job): string {
  if (!job.videoId) throw new PermanentJobError("job has no video");
  return job.videoId;
}

/** Waits for every one of `work`, then throws the first failure (none is left running). */
async function settleAll(work: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((outcome) => outcome.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
