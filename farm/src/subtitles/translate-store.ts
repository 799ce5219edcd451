/**
 * What a translation reads and writes in Postgres: the source track and its cues, the
 * machine track it makes (one per video and language: written with upserts on the
 * (video, language, origin) key, so re-running replaces it), and the video's count of
 * characters sent to the paid service.
 *
 * Characters are reserved before anything is sent — one conditional update, so two
 * translations of the same video running at once cannot both pass the cap — and the
 * reservation is then trued up to what was really sent: in the transaction that stores the
 * track, or right away when the attempt fails. A node that dies mid-way leaves its whole
 * reservation counted, which errs on the side of the budget.
 */

import type pg from "pg";
import type { Cue } from "../../../shared/subtitles/cue.ts";
import { inTransaction } from "../db/transaction.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import { enqueueJob } from "../queue/job-queue.ts";
import { replaceCues } from "./cue-rows.ts";

export interface SourceTrack {
  id: string;
  language: string | null;
  kind: "subtitles" | "captions";
  status: string;
  cues: Cue[];
}

/** The machine track being made: where it goes and what it says about itself. */
export interface MachineTrack {
  videoId: string;
  language: string;
  label: string;
  kind: "subtitles" | "captions";
  sourceTrackId: string;
}

export type Reservation =
  | { ok: true; month: string }
  | { ok: false; over: "video" | "month"; used: number }
  | { ok: false; videoGone: true };

export interface CharCaps {
  perVideo: number;
  monthly: number;
}

/** The first day of the current UTC month, as Postgres sees the time. */
const THIS_MONTH = "date_trunc('month', now() at time zone 'utc')::date";

export class TranslateStore {
  constructor(
    private readonly pool: pg.Pool,
    /** SUBTITLE_MAX_TRACKS: a translation adds no track past it. */
    private readonly maxTracks = Number.POSITIVE_INFINITY,
  ) {}

  /** The video's processing status, or undefined when it is gone or deleted. */
  async videoStatus(videoId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ status: string }>(
      "select status from videos where id = $1 and deleted_at is null",
      [videoId],
    );
    return rows[0]?.status;
  }

  /** Whether the machine track exists already or the video has room for it (SUBTITLE_MAX_TRACKS). */
  async roomFor(track: MachineTrack, db: pg.Pool | pg.PoolClient = this.pool): Promise<boolean> {
    if (!Number.isFinite(this.maxTracks)) return true;
    const { rows } = await db.query<{ room: boolean }>(
      `select exists (select 1 from subtitle_tracks where video_id = $1 and language = $2 and origin = 'machine')
              or (select count(*) from subtitle_tracks where video_id = $1) < $3::int as room`,
      [track.videoId, track.language, this.maxTracks],
    );
    return rows[0]?.room === true;
  }

  /** The track to translate from, with its cues in order; undefined if it is not this video's. */
  async source(videoId: string, trackId: string): Promise<SourceTrack | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      language: string | null;
      kind: "subtitles" | "captions";
      status: string;
      cues: Cue[];
    }>(
      `select t.id, t.language, t.kind, t.status,
              coalesce((select json_agg(json_build_object('startMs', c.start_ms, 'endMs', c.end_ms, 'text', c.text)
                                 order by c.idx)
                        from subtitle_cues c where c.track_id = t.id), '[]'::json) as cues
       from subtitle_tracks t where t.id = $1 and t.video_id = $2`,
      [trackId, videoId],
    );
    return rows[0];
  }

  /**
   * Shows the translation as under way. A track that is already ready keeps its status and
   * cues until the new translation replaces them: viewers keep the old one meanwhile.
   */
  async markPending(track: MachineTrack): Promise<void> {
    await this.upsertStatus(track, "pending", null, null);
  }

  /** The translation failed for good; a ready track from an earlier run is left as it was. */
  async markFailed(track: MachineTrack, code: string, message: string): Promise<void> {
    await this.upsertStatus(track, "failed", code, message.slice(0, 1000));
  }

  /**
   * Adds `chars` to the video's count and to its owner's month if both stay within their
   * caps; nothing is counted when either would not.
   */
  async reserve(videoId: string, chars: number, caps: CharCaps): Promise<Reservation> {
    return inTransaction(this.pool, async (client): Promise<Reservation> => {
      const { rows } = await client.query<{ owner_id: string; used: string }>(
        "select owner_id, translated_chars as used from videos where id = $1 and deleted_at is null for update",
        [videoId],
      );
      const video = rows[0];
      if (!video) return { ok: false, videoGone: true };
      if (Number(video.used) + chars > caps.perVideo)
        return { ok: false, over: "video", used: Number(video.used) };
      const month = await client.query<{ month: string }>(
        `insert into translation_usage as u (user_id, month, chars)
         select $1::uuid, ${THIS_MONTH}, $2::bigint where $2::bigint <= $3::bigint
         on conflict (user_id, month) do update set chars = u.chars + excluded.chars, updated_at = now()
           where u.chars + excluded.chars <= $3::bigint
         returning u.month::text as month`,
        [video.owner_id, chars, caps.monthly],
      );
      if (!month.rows[0]) {
        const used = await client.query<{ chars: string }>(
          `select chars from translation_usage where user_id = $1 and month = ${THIS_MONTH}`,
          [video.owner_id],
        );
        return { ok: false, over: "month", used: Number(used.rows[0]?.chars ?? 0) };
      }
      await client.query("update videos set translated_chars = translated_chars + $2 where id = $1", [
        videoId,
        chars,
      ]);
      return { ok: true, month: month.rows[0].month };
    });
  }

  /**
   * Corrects the video's count and its owner's `month` by `delta` (negative: reserved
   * characters that were never sent).
   */
  async adjustChars(
    videoId: string,
    delta: number,
    month: string,
    db: pg.Pool | pg.PoolClient = this.pool,
  ): Promise<void> {
    if (delta === 0) return;
    await db.query(
      `with v as (update videos set translated_chars = greatest(0, translated_chars + $2::bigint) where id = $1
                  returning owner_id)
       update translation_usage set chars = greatest(0, chars + $2::bigint), updated_at = now()
       where user_id = (select owner_id from v) and month = $3::date`,
      [videoId, delta, month],
    );
  }

  /**
   * In one transaction, fenced on the job still being ours: the machine track becomes ready
   * with exactly these cues (replacing any earlier ones), the character count is trued up,
   * and the video's subtitles are queued for publishing. False when the job was lost.
   */
  async storeReady(
    queue: JobQueue,
    job: Job,
    track: MachineTrack,
    cues: Cue[],
    chars: { delta: number; month: string },
  ): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      if (!(await queue.complete(job, client))) return false;
      // Deleted meanwhile (its purge removes its tracks): the job is done, nothing is stored.
      // The row lock orders this after a delete, or the delete after this.
      const { rowCount } = await client.query(
        "select 1 from videos where id = $1 and deleted_at is null for update",
        [track.videoId],
      );
      await this.adjustChars(track.videoId, chars.delta, chars.month, client);
      if (!rowCount || !(await this.roomFor(track, client))) return true;
      const { rows } = await client.query<{ id: string }>(
        `insert into subtitle_tracks (video_id, language, label, kind, origin, source_track_id, status, cue_count)
         values ($1, $2, $3, $4, 'machine', $5, 'ready', $6)
         on conflict (video_id, language, origin) do update set
           label = excluded.label, kind = excluded.kind, source_track_id = excluded.source_track_id,
           status = 'ready', error_code = null, error_message = null, cue_count = excluded.cue_count,
           updated_at = now()
         returning id`,
        [track.videoId, track.language, track.label, track.kind, track.sourceTrackId, cues.length],
      );
      await replaceCues(client, rows[0]!.id, cues);
      await enqueueJob(client, { type: "publish_subtitles", videoId: track.videoId, payload: {} });
      return true;
    });
  }

  private async upsertStatus(
    track: MachineTrack,
    status: "pending" | "failed",
    code: string | null,
    message: string | null,
  ): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        "select 1 from videos where id = $1 and deleted_at is null for update",
        [track.videoId],
      );
      if (!rowCount || !(await this.roomFor(track, client))) return;
      await client.query(
        `insert into subtitle_tracks (video_id, language, label, kind, origin, source_track_id, status, error_code, error_message)
       values ($1, $2, $3, $4, 'machine', $5, $6, $7, $8)
       on conflict (video_id, language, origin) do update set
         label = excluded.label, source_track_id = excluded.source_track_id, status = excluded.status,
         error_code = excluded.error_code, error_message = excluded.error_message, updated_at = now()
       where subtitle_tracks.status <> 'ready'`,
        [track.videoId, track.language, track.label, track.kind, track.sourceTrackId, status, code, message],
      );
    });
  }
}
