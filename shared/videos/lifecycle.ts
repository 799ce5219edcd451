/**
 * A video's lifecycle: every change of `videos.status` (and the deletion, `deleted_at`) is one
 * statement here, with the guard — the `where status …` — that makes it legal. A statement
 * whose guard does not hold changes nothing (0 rows): a late, repeated or racing event can
 * never move a video backwards or publish it twice. Edge (drizzle on Neon) runs the `SQL`;
 * the farm (node-postgres) runs `lifecycleQuery(…)`, the same statement as text and values —
 * the dialect adapter `shared/jobs/enqueue.ts` uses.
 *
 *                      created (edge)
 *                           │
 *                           ▼
 *   ┌─────────────► awaiting_upload ◄──── released (farm: upload terminated or expired)
 *   │                       │                  ▲
 *   │                       │ upload claimed   │
 *   │                       ▼ (farm)           │
 *   │                   uploading ─────────────┘
 *   │                       │
 *   │                       │ upload finished (farm, with its transcode job)
 *   │                       ▼
 *   │   ┌──────────────► processing ──── playable (farm: first rendition published,
 *   │   │                 │      │        status unchanged)
 *   │   │ re-processing   │      │ ready (farm: publish)
 *   │   │ (edge admin:    │      ▼
 *   │   │  retry,         │    ready ──── re-processing of a ready video (edge admin: stays
 *   │   │  reprocess)     │      ▲        ready, marked) ──► ready again (farm: publish)
 *   │   │                 │      └──────────────────────────────┘
 *   │   │                 │ failed (farm) / cancelled (edge admin)
 *   │   │                 ▼
 *   │   └─────────────  failed
 *   │                     │
 *   └─── reopened ────────┘ (edge: a new upload ticket)
 *
 *   any state ── deleted (edge: `deleted_at`, the row stays for the purge) ──► gone
 *
 * Upload and processing progress (`progress`) are not transitions: they are written where
 * they are measured, guarded on the status they belong to.
 *
 * The check that no other file writes `videos.status` or `deleted_at` (prints only this file):
 *
 *   grep -rlPz '(?i)update\s+videos\b((?!\bwhere\b)[\s\S]){0,600}?\b(status|deleted_at)\s*=|insert\s+into\s+videos|update\(videos\)\s*\.set\(\{[^}]*(status|deletedAt)|insert\(videos\)' edge/src farm/src shared
 */
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

const dialect = new PgDialect();

/** A lifecycle statement as text and parameters, for node-postgres. */
export function lifecycleQuery(statement: SQL): { text: string; values: unknown[] } {
  const query = dialect.sqlToQuery(statement);
  return { text: query.sql, values: query.params };
}

/**
 * created → awaiting_upload (the column's default), unless the owner already has
 * `maxAwaiting` videos awaiting their upload; returns the new id, or no row.
 */
export function createVideo(input: {
  ownerId: string;
  title: string;
  description: string;
  visibility: string;
  language: string | null;
  translateTo: string[];
  /** Captions from speech wanted (the owner's opt-out for this video when false). */
  autoCaptions?: boolean;
  maxAwaiting: number;
}): SQL {
  return sql`
      insert into videos (owner_id, title, description, visibility, language, translate_to, auto_captions)
      select ${input.ownerId}::uuid, ${input.title}::text, ${input.description}::text, ${input.visibility}::text,
             ${input.language}::text, ${sql.param(input.translateTo)}::text[], ${input.autoCaptions ?? true}::boolean
      where (select count(*) from videos
             where owner_id = ${input.ownerId}::uuid and status = 'awaiting_upload' and deleted_at is null) < ${input.maxAwaiting}
      returning id`;
}

/**
 * awaiting_upload → uploading, recording the announced size, unless the owner already has
 * `maxConcurrent` uploads in progress. One row: `claimed`, and `awaiting` (the video was
 * awaiting its upload, so a refusal is the quota's).
 */
export function claimUpload(id: string, bytes: number, maxConcurrent: number): SQL {
  return sql`with target as (
         select id, owner_id, status = 'awaiting_upload' and deleted_at is null as awaiting
         from videos where id = ${id}
       ), claimed as (
         update videos v set status = 'uploading', progress = 0, source_bytes = ${bytes},
                upload_activity_at = now(), updated_at = now()
         from target t
         where v.id = t.id and t.awaiting
           and (select count(*) from videos o
                where o.owner_id = t.owner_id and o.status = 'uploading' and o.deleted_at is null) < ${maxConcurrent}
         returning v.id
       )
       select exists (select 1 from claimed) as claimed, coalesce((select awaiting from target), false) as awaiting`;
}

/** uploading → awaiting_upload, after the client terminated its upload or it expired. */
export function releaseUpload(id: string): SQL {
  return sql`update videos set status = 'awaiting_upload', progress = 0, source_bytes = null,
              upload_activity_at = null, updated_at = now()
       where id = ${id} and status = 'uploading'`;
}

/** uploading → processing, with the stored source (its transcode is queued in the same transaction). */
export function finishUpload(id: string, sourceKey: string, bytes: number): SQL {
  return sql`update videos set status = 'processing', progress = 0, source_key = ${sourceKey}, source_bytes = ${bytes}, updated_at = now()
         where id = ${id} and status = 'uploading' and deleted_at is null`;
}

/** Playable: still `processing`, but its first rendition is published (media, prefix), so it plays. */
export function publishPlayable(
  id: string,
  result: { durationMs: number; prefix: string; media: unknown },
): SQL {
  return sql`update videos set duration_ms = ${result.durationMs}, storage_prefix = ${result.prefix}, media = ${JSON.stringify(result.media)}, updated_at = now()
         where id = ${id} and status = 'processing' and deleted_at is null`;
}

/**
 * Playable, then its poster: made after the first segments (so it never delays them), added to
 * the media the video already plays — only while it still plays this attempt's prefix.
 */
export function attachPoster(id: string, prefix: string, poster: string): SQL {
  return sql`update videos set media = jsonb_set(media, '{poster}', to_jsonb(${poster}::text)), updated_at = now()
         where id = ${id} and status = 'processing' and deleted_at is null and storage_prefix = ${prefix} and media is not null`;
}

/** processing → ready with its published media; a re-processing (`reprocess`) also ready → ready. */
export function publishReady(
  id: string,
  result: {
    durationMs: number;
    prefix: string;
    media: unknown;
    subtitlesVersion: number;
    mediaBytes: number | null;
    reprocess: boolean;
  },
): SQL {
  const from = result.reprocess ? ["processing", "ready"] : ["processing"];
  return sql`update videos set status = 'ready', progress = 100, duration_ms = ${result.durationMs}, storage_prefix = ${result.prefix}, media = ${JSON.stringify(result.media)},
                subtitles_version = ${result.subtitlesVersion}, error_code = null, error_message = null, ready_at = now(), updated_at = now(),
                media_bytes = ${result.mediaBytes}
         where id = ${id} and status = any(${sql.param(from)}::text[]) and deleted_at is null`;
}

/** processing → failed with a stable code and a readable message (at most 1000 characters). */
export function failProcessing(id: string, code: string, message: string): SQL {
  return sql`update videos set status = 'failed', error_code = ${code}, error_message = ${message.slice(0, 1000)}, updated_at = now()
         where id = ${id} and status = 'processing'`;
}

/**
 * processing → failed (`processing_cancelled`) by an admin's cancel of one of its jobs, only
 * if `jobChanged` holds (the same batch did cancel it).
 */
export function cancelProcessing(id: string, jobChanged: SQL): SQL {
  return sql`update videos set status = 'failed', error_code = 'processing_cancelled',
                  error_message = 'Processing was cancelled by an admin.', updated_at = now()
                where id = ${id} and status = 'processing' and deleted_at is null and ${jobChanged}`;
}

/**
 * failed → awaiting_upload (reopened for a new upload): error, progress, source and media
 * cleared. A CTE body: it reads the locked row from a preceding `target` CTE
 * (`id`, `status`) and returns the reopened id.
 */
export function reopenFailedFromTarget(): SQL {
  return sql`update videos v set status = 'awaiting_upload', progress = 0, error_code = null,
          error_message = null, source_key = null, source_bytes = null, storage_prefix = null,
          media = null, duration_ms = null, updated_at = now()
        from target t where v.id = t.id and t.status = 'failed'
        returning v.id`;
}

/**
 * failed → processing when an admin retries its failed transcode, if it still has its
 * source. A CTE body: it reads the job from a preceding `target` CTE (`type`, `video_id`)
 * and returns the video's id.
 */
export function retryTranscodeFromTarget(): SQL {
  return sql`update videos v set status = 'processing', progress = 0, error_code = null, error_message = null,
                 updated_at = now()
          from target t
          where t.type = 'transcode' and v.id = t.video_id and v.status = 'failed' and v.deleted_at is null
            and v.source_key is not null
          returning v.id`;
}

/**
 * An admin's re-processing from the kept source: failed → processing (progress and error
 * cleared); a ready video stays ready, only marked (`updated_at = now()`), until the new
 * encoding publishes over it. Guarded on the status and source the admin saw.
 */
export function reprocess(id: string, seen: { status: "ready" | "failed"; sourceKey: string }): SQL {
  const wasReady = seen.status === "ready";
  return sql`
        update videos set status = ${wasReady ? "ready" : "processing"}, updated_at = now(),
               progress = ${wasReady ? sql`progress` : sql`0`},
               error_code = ${wasReady ? sql`error_code` : sql`null`},
               error_message = ${wasReady ? sql`error_message` : sql`null`}
        where id = ${id} and deleted_at is null and status = ${seen.status}
          and source_key = ${seen.sourceKey}`;
}

/**
 * any → deleted (`deleted_at = now()`), if not deleted yet and `allowed` holds (owner or
 * admin); returns the id. The row stays for the farm's purge.
 */
export function deleteVideo(id: string, allowed: SQL): SQL {
  return sql`update videos set deleted_at = now(), updated_at = now()
        where id = ${id} and deleted_at is null and ${allowed}
        returning id`;
}

/**
 * any → deleted for every live video of `ownerId` (the owner deleted the account); returns
 * their ids, for a CTE that queues each one's purge in the same statement.
 */
export function deleteOwnersVideos(ownerId: string): SQL {
  return sql`update videos set deleted_at = now(), updated_at = now()
        where owner_id = ${ownerId} and deleted_at is null
        returning id`;
}
