/**
 * The farm's writes to a video's rows. Its status changes are the lifecycle's statements
 * (shared/videos/lifecycle.ts), each guarded on the state it expects, so a late or repeated
 * event can never move a video backwards or publish it twice; this file runs them in the
 * transactions that go with them (jobs, renditions, webhooks).
 */
import type pg from "pg";
import type { PublishedMedia } from "../../../shared/db/schema.ts";
import type { MediaErrorCode } from "../../../shared/errors/error-codes.ts";
import {
  attachPoster,
  claimUpload,
  failProcessing,
  finishUpload,
  lifecycleQuery,
  publishPlayable,
  publishReady,
  releaseUpload,
} from "../../../shared/videos/lifecycle.ts";
import { webhookEventQuery } from "../../../shared/webhooks/event-jobs.ts";
import { inTransaction } from "../db/transaction.ts";
import { queueVideoMail, type VideoMailSettings } from "../mail/video-mail.ts";
import type { ManifestRendition } from "../media/dash-manifest.ts";
import { enqueueJob, type Job, type JobQueue } from "../queue/job-queue.ts";
import { type SearchIndexQueue, searchIndexQueue } from "../search/search-jobs.ts";
import type { QueueAutoCaptions } from "../subtitles/queue-auto-captions.ts";
import { abandonRuns } from "./chunk-runs.ts";

/** The jobs that process an upload; a new upload supersedes those of the previous one. */
const PROCESSING_JOB_TYPES = ["transcode", "encode_chunk", "encode_audio", "assemble_video"];
const SUPERSEDED = "superseded by a new upload of the video";

export interface UploadTarget {
  id: string;
  ownerId: string;
  status: string;
  deleted: boolean;
}

export class VideoStore {
  constructor(
    private readonly pool: pg.Pool,
    /** Queues the search index update of a video that became ready (Algolia only). */
    private readonly search: SearchIndexQueue = searchIndexQueue({ SEARCH_PROVIDER: "postgres" }),
    /** The owners' opt-in mail when a video is ready or failed (mail/video-mail.ts); none without. */
    private readonly mail?: VideoMailSettings,
    /** Queued with the video's first playable: its automatic captions (subtitles/queue-auto-captions.ts). */
    private readonly onFirstPlayable?: QueueAutoCaptions,
  ) {}

  async find(id: string): Promise<UploadTarget | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      owner_id: string;
      status: string;
      deleted: boolean;
    }>("select id, owner_id, status, deleted_at is not null as deleted from videos where id = $1", [id]);
    const row = rows[0];
    return row && { id: row.id, ownerId: row.owner_id, status: row.status, deleted: row.deleted };
  }

  /**
   * awaiting_upload → uploading, recording the announced size, unless the owner already has
   * `maxConcurrent` uploads in progress. "taken" when the video already has an upload.
   */
  async claimUpload(
    id: string,
    bytes: number,
    maxConcurrent: number,
  ): Promise<"claimed" | "taken" | "quota"> {
    const { rows } = await this.pool.query<{ claimed: boolean; awaiting: boolean }>(
      lifecycleQuery(claimUpload(id, bytes, maxConcurrent)),
    );
    const row = rows[0];
    if (row?.claimed) return "claimed";
    return row?.awaiting ? "quota" : "taken";
  }

  /**
   * Bytes arrived for this upload: its expiry counts from now. Says whether the video was
   * deleted meanwhile, so the request streaming into it can be stopped.
   */
  async uploadActivity(id: string): Promise<{ deleted: boolean }> {
    const { rows } = await this.pool.query<{ deleted: boolean }>(
      `update videos set upload_activity_at = now() where id = $1
       returning deleted_at is not null as deleted`,
      [id],
    );
    // No such video (rows are never removed): not a deletion. The watch starts before tus has
    // checked anything, and cutting here would hang up on a request tus answers 404/403.
    return { deleted: rows[0]?.deleted ?? false };
  }

  /** Uploads that received no byte for `seconds` (counted from the last byte, not from creation). */
  async idleUploads(seconds: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `select id from videos where status = 'uploading'
         and coalesce(upload_activity_at, updated_at) < now() - ($1 || ' seconds')::interval`,
      [String(seconds)],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Videos still `uploading` whose tus bookkeeping is gone: @tus/s3-store clears it once it
   * has completed the multipart upload, so these may be finished uploads whose finish was
   * never recorded (the database or the node failed right then).
   */
  async unrecordedFinishes(): Promise<{ id: string; sourceBytes: number }[]> {
    const { rows } = await this.pool.query<{ id: string; source_bytes: string | null }>(
      `select v.id, v.source_bytes from videos v
       where v.status = 'uploading' and v.deleted_at is null
         and not exists (select 1 from tus_uploads u where u.key = v.id::text)`,
    );
    return rows.map((row) => ({ id: row.id, sourceBytes: Number(row.source_bytes ?? -1) }));
  }

  /** The size the upload announced, while the video is still uploading. */
  async uploadingSize(id: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ source_bytes: string | null }>(
      "select source_bytes from videos where id = $1 and status = 'uploading' and deleted_at is null",
      [id],
    );
    return rows[0] ? Number(rows[0].source_bytes ?? -1) : undefined;
  }

  /** uploading → awaiting_upload, after the client terminated its upload or it expired. */
  async releaseUpload(id: string): Promise<void> {
    await this.pool.query(lifecycleQuery(releaseUpload(id)));
  }

  /** Upload progress as a percentage of the announced size (100 only once processing starts). */
  async uploadProgress(id: string, offset: number): Promise<void> {
    await this.pool.query(
      `update videos set progress = least(99, floor($2::bigint * 100 / greatest(source_bytes, 1)))::int, updated_at = now()
       where id = $1 and status = 'uploading' and progress < least(99, floor($2::bigint * 100 / greatest(source_bytes, 1)))`,
      [id, offset],
    );
  }

  /**
   * uploading → processing and a transcode job, in one transaction. Idempotent: a finish
   * noticed twice (the tus hook, a later HEAD, the sweep) moves the video and queues once.
   * Returns whether this call did it.
   */
  async uploadFinished(id: string, sourceKey: string, bytes: number): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(lifecycleQuery(finishUpload(id, sourceKey, bytes)));
      if (rowCount !== 1) return false;
      // The processing of a previous upload may still hold the transcode's dedupe key: an
      // admin cancelled it (the video failed and was reopened at once) and its runner has not
      // seen the cancel yet. Left alone it would drop this upload's transcode as a duplicate
      // and the video would stay `processing` with no job. It is settled now; its runner's
      // writes are fenced (the job is no longer running) and it stops at its next heartbeat.
      await abandonRuns(client, id, SUPERSEDED);
      await client.query(
        `with superseded as (
           update jobs set state = 'cancelled', last_error = $2, locked_until = null,
                  finished_at = now(), updated_at = now()
           where video_id = $1 and type = any($3::text[]) and state in ('queued', 'running')
           returning id, attempts
         )
         update job_attempts a set finished_at = now(), outcome = 'cancelled', error = $2
         from superseded s where a.job_id = s.id and a.attempt = s.attempts and a.finished_at is null`,
        [id, SUPERSEDED, PROCESSING_JOB_TYPES],
      );
      // Never `processing` without its job: if it still could not be queued, nothing commits
      // and the finish is recorded again later (the upload sweep).
      if (!(await enqueueJob(client, { type: "transcode", videoId: id, payload: { sourceKey } })))
        throw new Error(`the transcode of video ${id} could not be queued (an active one remains)`);
      return true;
    });
  }

  async forProcessing(id: string): Promise<
    | {
        status: string;
        sourceKey: string | null;
        sourceBytes: number;
        deleted: boolean;
        subtitlesVersion: number;
        translateTo: string[];
        /** When the media it plays now became playable (a first rendition published), if any. */
        playableAt: string | null;
      }
    | undefined
  > {
    const { rows } = await this.pool.query<{
      status: string;
      source_key: string | null;
      source_bytes: string | null;
      deleted: boolean;
      subtitles_version: number;
      translate_to: string[];
      playable_at: string | null;
    }>(
      `select status, source_key, source_bytes, deleted_at is not null as deleted, subtitles_version, translate_to,
              media->>'playableAt' as playable_at
       from videos where id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      status: row.status,
      sourceKey: row.source_key,
      sourceBytes: Number(row.source_bytes ?? 0),
      deleted: row.deleted,
      subtitlesVersion: row.subtitles_version,
      translateTo: row.translate_to,
      playableAt: row.playable_at,
    };
  }

  async processingProgress(id: string, percent: number): Promise<void> {
    await this.pool.query(
      "update videos set progress = $2, updated_at = now() where id = $1 and status = 'processing' and progress < $2",
      [id, Math.max(0, Math.min(99, Math.floor(percent)))],
    );
  }

  /**
   * processing → ready with its renditions, and the job done, in one transaction fenced on
   * the job's lease: false (and nothing written) if another worker owns the job now. The
   * same transaction queues the video's search indexing (Algolia) and its `video.ready`
   * webhooks. A re-processing (`reprocess`) publishes over a video that is already ready.
   */
  async publish(
    queue: JobQueue,
    job: Job,
    result: {
      prefix: string;
      durationMs: number;
      media: PublishedMedia;
      renditions: ManifestRendition[];
      subtitlesVersion: number;
      /** Bytes of everything published under `prefix` (storage statistics). */
      mediaBytes?: number;
      /** An admin's re-processing: the video may be ready already. */
      reprocess?: boolean;
      /** More work queued in the same transaction (translations, a subtitle re-publish). */
      andThen?: (client: pg.PoolClient) => Promise<void>;
    },
  ): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      if (!(await queue.complete(job, client))) return false;
      const firstPlayable = await playableForTheFirstTime(client, job.videoId as string);
      const { rowCount } = await client.query(
        lifecycleQuery(
          publishReady(job.videoId as string, {
            durationMs: result.durationMs,
            prefix: result.prefix,
            media: result.media,
            subtitlesVersion: result.subtitlesVersion,
            mediaBytes: result.mediaBytes ?? null,
            reprocess: result.reprocess ?? false,
          }),
        ),
      );
      if (rowCount !== 1) return false;
      await replaceRenditions(client, job.videoId as string, result.renditions);
      await this.search.enqueue(client, job.videoId as string);
      // A video that was never playable before (one rung, chunked) becomes so by this publish.
      if (firstPlayable) await client.query(webhookEventQuery(job.videoId as string, "video.playable"));
      if (firstPlayable) await this.onFirstPlayable?.(client, job.videoId as string);
      await client.query(webhookEventQuery(job.videoId as string, "video.ready"));
      if (this.mail) await queueVideoMail(client, this.mail, job.videoId as string, "video_ready");
      await result.andThen?.(client);
      return true;
    });
  }

  /**
   * First playable: the video stays `processing`, but its first rendition's manifests are
   * published (media, storage prefix, renditions), so it plays. Fenced on the job's lease
   * like `publish`; false (and nothing written) if the job or the video changed.
   */
  async publishPlayable(
    queue: JobQueue,
    job: Job,
    result: { prefix: string; durationMs: number; media: PublishedMedia; renditions: ManifestRendition[] },
  ): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      if (!(await queue.holds(job, client))) return false;
      const firstPlayable = await playableForTheFirstTime(client, job.videoId as string);
      const { rowCount } = await client.query(lifecycleQuery(publishPlayable(job.videoId as string, result)));
      if (rowCount !== 1) return false;
      await replaceRenditions(client, job.videoId as string, result.renditions);
      // Once per upload: a retried attempt that publishes its own first playable tells no one again.
      if (firstPlayable) await client.query(webhookEventQuery(job.videoId as string, "video.playable"));
      if (firstPlayable) await this.onFirstPlayable?.(client, job.videoId as string);
      return true;
    });
  }

  /**
   * The poster of a video that already plays this attempt (made after its first segments),
   * fenced on the job's lease; false when the job or the video moved on (nothing written).
   */
  async attachPoster(queue: JobQueue, job: Job, prefix: string, poster: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      if (!(await queue.holds(job, client))) return false;
      const { rowCount } = await client.query(
        lifecycleQuery(attachPoster(job.videoId as string, prefix, poster)),
      );
      return rowCount === 1;
    });
  }

  /** processing → failed with a stable code and a readable message, and its `video.failed` webhooks. */
  async fail(id: string, code: MediaErrorCode, message: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(lifecycleQuery(failProcessing(id, code, message)));
      if (rowCount !== 1) return;
      await client.query(webhookEventQuery(id, "video.failed"));
      if (this.mail) await queueVideoMail(client, this.mail, id, "video_failed");
    });
  }
}

/** The video's renditions become exactly these (what the published manifest declares). */
async function replaceRenditions(client: pg.PoolClient, videoId: string, renditions: ManifestRendition[]) {
  await client.query("delete from renditions where video_id = $1", [videoId]);
  for (const r of renditions) {
    await client.query(
      `insert into renditions (video_id, kind, representation_id, width, height, bandwidth, codecs)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [videoId, r.kind, r.representationId, r.width, r.height, r.bandwidth, r.codecs],
    );
  }
}

/**
 * True when the video (locked for the rest of the transaction) has not played yet: no
 * published media, or media without `playableAt` — the moment `video.playable` is due.
 * A re-processing of a ready video finds it playable already.
 */
async function playableForTheFirstTime(client: pg.PoolClient, videoId: string): Promise<boolean> {
  const { rows } = await client.query<{ playable: boolean }>(
    "select media->>'playableAt' is not null as playable from videos where id = $1 for update",
    [videoId],
  );
  return rows[0]?.playable === false;
}
