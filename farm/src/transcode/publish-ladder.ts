/**
 * The one publish path of every transcode, single-node or chunked. The first playable
 * (`publishFirstPlayable`): once its files are under the prefix, the video — still
 * processing — points at them, so it plays while the rest encodes (single-node: the growing
 * manifests of segment-publisher.ts). The last step
 * (`publishLadder`): upload the output directory,
 * mark the video ready in one transaction fenced on the job (with its renditions, its
 * subtitle set, the translations asked for at creation), then remove what is no longer
 * needed — chunk files, and the source unless KEEP_SOURCE.
 *
 * Invariant: media a viewer may be playing is never removed before the new media is
 * published, nor at once after: earlier attempts' directories (the media a re-processing
 * replaces, a retried attempt's first playable) are handed to a retire_media job queued in the
 * publishing transaction to run SUPERSEDED_MEDIA_GRACE_S later, so a player that loaded the old
 * manifest finishes without a 404.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { translationEnabled } from "../../../shared/config/translation.ts";
import { enqueueQuery } from "../../../shared/jobs/enqueue.ts";
import { renditionsFromMpd } from "../media/dash-manifest.ts";
import { DASH_MANIFEST, FIRST_DASH, FIRST_HLS, POSTER, STORYBOARD_VTT } from "../media/published-names.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
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

/**
 * The first playable's row: its manifests are already under `prefix` — the chunked path's
 * FIRST_DASH and FIRST_HLS (in `outDir`), or the single-node path's growing ones (`manifests`,
 * with the MPD ffmpeg is writing, which declares every rendition); the video, still
 * processing, points at them in a transaction fenced on the job. When it became playable, or
 * undefined when the job or its video changed first.
 */
export async function publishFirstPlayable(
  deps: Pick<PublishLadderDeps, "videos" | "queue">,
  job: Job,
  input: {
    outDir: string;
    prefix: string;
    durationMs: number;
    storyboard: string | null;
    manifests?: { dash: string; hls: string; declaredBy: string };
    /** The poster's name, or null when it comes after (`VideoStore.attachPoster`). */
    poster?: string | null;
  },
): Promise<string | undefined> {
  const { dash, hls, declaredBy } = input.manifests ?? {
    dash: FIRST_DASH,
    hls: FIRST_HLS,
    declaredBy: FIRST_DASH,
  };
  const renditions = renditionsFromMpd(await readFile(path.join(input.outDir, declaredBy), "utf8"));
  const playableAt = new Date().toISOString();
  const published = await deps.videos.publishPlayable(deps.queue, job, {
    prefix: input.prefix,
    durationMs: input.durationMs,
    renditions,
    media: {
      dash,
      hls,
      poster: input.poster === undefined ? POSTER : input.poster,
      storyboard: input.storyboard,
      playableAt,
    },
  });
  return published ? playableAt : undefined;
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
  let scratch: string[] = [];
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
        scratch = await retireEarlierAttempts(client, deps, input);
      },
    });
  } finally {
    // Whatever stopped this attempt (lease lost, video deleted, S3 gave up), its files go —
    // unless its first rendition is what the video plays now (the next attempt replaces it).
    if (!published && !input.prefixInUse) await storage.deletePrefix(input.prefix).catch(() => undefined);
  }
  if (!published) return false;
  // Chunk files no player reads go now; earlier attempts' media after the grace (above).
  await storage.deleteKeys(scratch);
  if (!deps.config.KEEP_SOURCE) await storage.deleteKeys([input.sourceKey]);
  return true;
}

/** Most directories one retire_media job names (its payload's limit). */
const RETIRE_BATCH = 100;

/**
 * Queues the removal of every other attempt's directory under the video's media prefix, due
 * SUPERSEDED_MEDIA_GRACE_S from now, in the publishing transaction (so a crash right after the
 * publish cannot forget them); returns the keys of chunk directories, removable at once.
 */
async function retireEarlierAttempts(
  client: pg.PoolClient,
  deps: PublishLadderDeps,
  input: PublishLadderInput,
): Promise<string[]> {
  const own = mediaPrefix(input.videoId);
  const attempts = new Set<string>();
  const scratch: string[] = [];
  for (const key of await deps.storage.listKeys(own)) {
    if (key.startsWith(input.prefix)) continue;
    const dir = key.slice(own.length).split("/")[0] ?? "";
    // A transcription's audio and transcript (subtitles/transcribe-job.ts), not an attempt's media.
    if (dir.startsWith("captions-")) continue;
    if (dir.startsWith("chunks-") || !key.slice(own.length).includes("/")) scratch.push(key);
    else attempts.add(`${own}${dir}/`);
  }
  const prefixes = [...attempts];
  for (let i = 0; i < prefixes.length; i += RETIRE_BATCH) {
    const job = enqueueQuery({
      type: "retire_media",
      videoId: input.videoId,
      payload: { prefixes: prefixes.slice(i, i + RETIRE_BATCH) },
    });
    const { rows } = await client.query<{ id: string }>(job.text, job.values);
    await client.query("update jobs set run_at = now() + make_interval(secs => $2::int) where id = $1", [
      rows[0]?.id,
      deps.config.SUPERSEDED_MEDIA_GRACE_S,
    ]);
  }
  return scratch;
}
