/**
 * The last step of every transcode, single-node or chunked: upload the output directory,
 * mark the video ready in one transaction fenced on the job (with its renditions, its
 * subtitle set, the translations asked for at creation), then remove what is no longer
 * needed — files of earlier attempts, and the source unless KEEP_SOURCE.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { translationEnabled } from "../../../shared/config/translation.ts";
import type { Job, JobQueue } from "../jobs/job-queue.ts";
import { renditionsFromMpd } from "../media/dash-manifest.ts";
import { DASH_MANIFEST } from "../media/encode-ladder.ts";
import { POSTER, STORYBOARD_VTT } from "../media/thumbnails.ts";
import { mediaPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { SubtitleStore } from "../subtitles/subtitle-store.ts";
import { type PreparedSubtitles, queueSubtitleFollowUps } from "../subtitles/transcode-subtitles.ts";
import type { VideoStore } from "./video-store.ts";

export interface PublishLadderDeps {
  config: FarmConfig;
  storage: ObjectStorage;
  videos: VideoStore;
  queue: JobQueue;
  subtitles: SubtitleStore;
}

export interface PublishLadderInput {
  videoId: string;
  /** The finished output directory: base manifests (DASH_MANIFEST, …), segments, subtitles. */
  outDir: string;
  prefix: string;
  durationMs: number;
  subtitleSet: PreparedSubtitles;
  /** When the video first became playable; now if it only becomes so by this publish. */
  playableAt: string | undefined;
  reprocess: boolean;
  sourceKey: string;
  translateTo: string[];
  /** Files of outDir already under `prefix` (uploaded earlier by this run). */
  alreadyUploaded?: ReadonlySet<string>;
  /** Keep `prefix` if this publish fails (the video plays its first rendition from it). */
  prefixInUse: boolean;
  /** More to write in the publishing transaction (a chunked run's rows are removed there). */
  alsoInTransaction?: (client: pg.PoolClient) => Promise<void>;
  signal: AbortSignal;
}

/** True once published; false when the job or its video changed first (nothing published). */
export async function publishLadder(
  deps: PublishLadderDeps,
  job: Job,
  input: PublishLadderInput,
): Promise<boolean> {
  const { storage, videos, queue } = deps;
  const renditions = renditionsFromMpd(await readFile(path.join(input.outDir, DASH_MANIFEST), "utf8"));
  let published = false;
  try {
    await storage.publishDirectory(input.outDir, input.prefix, {
      signal: input.signal,
      ...(input.alreadyUploaded ? { skip: input.alreadyUploaded } : {}),
    });
    published = await videos.publish(queue, job, {
      prefix: input.prefix,
      durationMs: input.durationMs,
      renditions,
      media: {
        dash: input.subtitleSet.dash,
        hls: input.subtitleSet.hls,
        poster: POSTER,
        storyboard: STORYBOARD_VTT,
        subtitles: input.subtitleSet.published,
        playableAt: input.playableAt ?? new Date().toISOString(),
      },
      subtitlesVersion: input.subtitleSet.version,
      mediaBytes: await storage.prefixBytes(input.prefix),
      reprocess: input.reprocess,
      andThen: async (client) => {
        await queueSubtitleFollowUps(client, deps.subtitles, {
          videoId: input.videoId,
          // Asked for at creation; with translation off (no credentials) there is none to queue.
          translateTo: translationEnabled(deps.config) ? input.translateTo : [],
          renderedAt: input.subtitleSet.renderedAt,
        });
        await input.alsoInTransaction?.(client);
      },
    });
  } finally {
    // Whatever stopped this attempt (lease lost, video deleted, S3 gave up), its files go —
    // unless its first rendition is what the video plays now (the next attempt replaces it).
    if (!published && !input.prefixInUse) await storage.deletePrefix(input.prefix).catch(() => undefined);
  }
  if (!published) return false;
  // Files of earlier, abandoned attempts (a worker killed mid-upload, chunk files) go now.
  const stale = (await storage.listKeys(mediaPrefix(input.videoId))).filter(
    (key) => !key.startsWith(input.prefix),
  );
  await storage.deleteKeys(stale);
  if (!deps.config.KEEP_SOURCE) await storage.deleteKeys([input.sourceKey]);
  return true;
}
