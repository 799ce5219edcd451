/**
 * What automatic captions read and write in Postgres: the video (language, duration, source,
 * opt-outs), the one `auto` track per video, and the owner's monthly minutes. The finished
 * track is stored in one transaction fenced on the job (like a translation): its cues, a
 * publish, and the translations the video asked for. A track a person edited (edited_at) is
 * reviewed and never overwritten.
 */
import type pg from "pg";
import type { Cue } from "../../../shared/subtitles/cue.ts";
import { inTransaction } from "../db/transaction.ts";
import { enqueueJob, type Job, type JobQueue } from "../queue/job-queue.ts";
import { replaceCues } from "./cue-rows.ts";

export interface CaptionVideo {
  ownerId: string;
  status: string;
  deleted: boolean;
  language: string | null;
  durationMs: number | null;
  sourceKey: string | null;
  /** Where the video's published media is (its kept speech audio too), once it plays. */
  storagePrefix: string | null;
  /** Neither the video nor its owner opted out. */
  wanted: boolean;
  translateTo: string[];
}

export interface AutoTrack {
  id: string;
  language: string | null;
  status: string;
  edited: boolean;
  providerJob: string | null;
}

const THIS_MONTH = "date_trunc('month', now() at time zone 'utc')::date";

export class TranscribeStore {
  constructor(private readonly pool: pg.Pool) {}

  async video(videoId: string): Promise<CaptionVideo | undefined> {
    const { rows } = await this.pool.query<{
      owner_id: string;
      status: string;
      deleted: boolean;
      language: string | null;
      duration_ms: number | null;
      source_key: string | null;
      storage_prefix: string | null;
      wanted: boolean;
      translate_to: string[];
    }>(
      `select v.owner_id, v.status, v.deleted_at is not null as deleted, v.language, v.duration_ms,
              v.source_key, v.storage_prefix, v.auto_captions and u.auto_captions as wanted, v.translate_to
       from videos v join users u on u.id = v.owner_id where v.id = $1`,
      [videoId],
    );
    const r = rows[0];
    return (
      r && {
        ownerId: r.owner_id,
        status: r.status,
        deleted: r.deleted,
        language: r.language,
        durationMs: r.duration_ms,
        sourceKey: r.source_key,
        storagePrefix: r.storage_prefix,
        wanted: r.wanted,
        translateTo: r.translate_to,
      }
    );
  }

  /**
   * Whether a person's text track (embedded or uploaded, not a translation or an auto track)
   * covers the spoken language — any such track when the language is not known.
   */
  async hasTextTrack(videoId: string, language: string | null): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `select 1 from subtitle_tracks where video_id = $1 and origin in ('embedded', 'uploaded')
         and status <> 'unsupported'
         and ($2::text is null or split_part(lower(language), '-', 1) = split_part(lower($2::text), '-', 1))
       limit 1`,
      [videoId, language],
    );
    return (rowCount ?? 0) > 0;
  }

  async autoTrack(videoId: string, trackId?: string): Promise<AutoTrack | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      language: string | null;
      status: string;
      edited: boolean;
      provider_job: string | null;
    }>(
      `select id, language, status, edited_at is not null as edited, provider_job from subtitle_tracks
       where video_id = $1 and origin = 'auto' and ($2::uuid is null or id = $2::uuid)
       order by created_at limit 1`,
      [videoId, trackId ?? null],
    );
    const r = rows[0];
    return (
      r && { id: r.id, language: r.language, status: r.status, edited: r.edited, providerJob: r.provider_job }
    );
  }

  /**
   * The auto track shows the transcription under way (created `pending` if there is none). A
   * ready one stays ready, its cues played, until the new transcript replaces them.
   */
  /**
   * The video's auto track, pending (a ready one stays ready until replaced): its id, or
   * "deleted" (the video is gone), or "full" when a new track would pass `maxTracks`
   * (SUBTITLE_MAX_TRACKS, every origin counted, as the edge counts them).
   */
  async markPending(
    videoId: string,
    language: string | null,
    label: string,
    maxTracks: number,
  ): Promise<string | "deleted" | "full"> {
    return inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        "select 1 from videos where id = $1 and deleted_at is null for update",
        [videoId],
      );
      if (!rowCount) return "deleted";
      const existing = await client.query<{ id: string }>(
        "select id from subtitle_tracks where video_id = $1 and origin = 'auto' order by created_at limit 1",
        [videoId],
      );
      const id = existing.rows[0]?.id;
      if (id) {
        await client.query(
          `update subtitle_tracks set status = case when status = 'ready' then 'ready' else 'pending' end,
             error_code = null, error_message = null, updated_at = now() where id = $1`,
          [id],
        );
        return id;
      }
      const { rows } = await client.query<{ id: string }>(
        `insert into subtitle_tracks (video_id, language, label, kind, origin, status)
         select $1, $2, $3, 'subtitles', 'auto', 'pending'
         where (select count(*) from subtitle_tracks where video_id = $1) < $4 returning id`,
        [videoId, language, label, maxTracks],
      );
      return rows[0]?.id ?? "full";
    });
  }

  /** Remembers the provider's job on the track (so a deletion can cancel it), or forgets it. */
  async setProviderJob(trackId: string, name: string | null): Promise<void> {
    await this.pool.query("update subtitle_tracks set provider_job = $2 where id = $1", [trackId, name]);
  }

  /**
   * The track ends `failed` or `unsupported` with a code and a reason (created if none
   * exists, so the owner sees why). A ready track from an earlier run keeps its cues.
   */
  async markEnded(
    videoId: string,
    track: { id?: string; language: string | null; label: string },
    status: "failed" | "unsupported",
    code: string,
    message: string,
  ): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        "select 1 from videos where id = $1 and deleted_at is null for update",
        [videoId],
      );
      if (!rowCount) return;
      const updated = await client.query(
        `update subtitle_tracks set status = case when status = 'ready' then 'ready' else $3 end,
           error_code = case when status = 'ready' then null else $4 end,
           error_message = case when status = 'ready' then null else $5 end,
           provider_job = null, updated_at = now()
         where video_id = $1 and origin = 'auto' and ($2::uuid is null or id = $2::uuid)`,
        [videoId, track.id ?? null, status, code, message.slice(0, 1000)],
      );
      if (updated.rowCount || track.id) return;
      await client.query(
        `insert into subtitle_tracks (video_id, language, label, kind, origin, status, error_code, error_message)
         values ($1, $2, $3, 'subtitles', 'auto', $4, $5, $6)`,
        [videoId, track.language, track.label, status, code, message.slice(0, 1000)],
      );
    });
  }

  /**
   * Adds `seconds` to the owner's month if it stays within `monthlySeconds`; the month's
   * use so far when it would not.
   */
  async reserve(
    ownerId: string,
    seconds: number,
    monthlySeconds: number,
  ): Promise<{ ok: true } | { ok: false; used: number }> {
    const { rows } = await this.pool.query(
      `insert into transcription_usage as u (user_id, month, seconds)
       select $1::uuid, ${THIS_MONTH}, $2::bigint where $2::bigint <= $3::bigint
       on conflict (user_id, month) do update set seconds = u.seconds + excluded.seconds, updated_at = now()
         where u.seconds + excluded.seconds <= $3::bigint
       returning 1`,
      [ownerId, seconds, monthlySeconds],
    );
    if (rows.length > 0) return { ok: true };
    const used = await this.pool.query<{ seconds: string }>(
      `select seconds from transcription_usage where user_id = $1 and month = ${THIS_MONTH}`,
      [ownerId],
    );
    return { ok: false, used: Number(used.rows[0]?.seconds ?? 0) };
  }

  /** Gives reserved seconds back (nothing was sent: the job never started). */
  async refund(ownerId: string, seconds: number): Promise<void> {
    await this.pool.query(
      `update transcription_usage set seconds = greatest(0, seconds - $2::bigint), updated_at = now()
       where user_id = $1 and month = ${THIS_MONTH}`,
      [ownerId, seconds],
    );
  }

  /**
   * In one transaction fenced on the job: the track becomes ready with these cues, its
   * subtitles are queued for publishing, and its translations. `edited`: a person edited the
   * track meanwhile, nothing is stored; `gone`: the video or the track was deleted.
   */
  async storeReady(
    queue: JobQueue,
    job: Job,
    input: {
      videoId: string;
      trackId: string;
      language: string | null;
      label: string;
      cues: Cue[];
      translateTo: string[];
    },
  ): Promise<"stored" | "edited" | "gone" | "lost"> {
    const outcome = await inTransaction(this.pool, async (client) => {
      if (!(await queue.complete(job, client))) return false;
      const video = await client.query(
        "select 1 from videos where id = $1 and deleted_at is null for update",
        [input.videoId],
      );
      const track = await client.query<{ edited: boolean }>(
        "select edited_at is not null as edited from subtitle_tracks where id = $1 and video_id = $2 for update",
        [input.trackId, input.videoId],
      );
      if (!video.rowCount || !track.rows[0]) return "gone" as const;
      if (track.rows[0].edited) {
        await client.query("update subtitle_tracks set provider_job = null where id = $1", [input.trackId]);
        return "edited" as const;
      }
      // Another auto track of the identified language cannot exist (one per video), but a
      // language change must not trip the (video, language, origin) key of a deleted one.
      await client.query(
        `update subtitle_tracks set language = $2, label = $3, status = 'ready', error_code = null,
           error_message = null, cue_count = $4, provider_job = null, updated_at = now()
         where id = $1`,
        [input.trackId, input.language, input.label, input.cues.length],
      );
      await replaceCues(client, input.trackId, input.cues);
      await enqueueJob(client, { type: "publish_subtitles", videoId: input.videoId, payload: {} });
      for (const to of input.translateTo) {
        await enqueueJob(client, {
          type: "translate_subtitles",
          videoId: input.videoId,
          payload: { sourceTrackId: input.trackId, to },
        });
      }
      return "stored" as const;
    });
    return outcome === false ? "lost" : outcome;
  }
}
