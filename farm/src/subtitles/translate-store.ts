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
import type { Job, JobQueue } from "../jobs/job-queue.ts";
import { enqueueJob } from "../jobs/job-queue.ts";
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

export type Reservation = { ok: true } | { ok: false; used: number } | { ok: false; videoGone: true };

export class TranslateStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Whether the video is there and not deleted. */
  async videoLive(videoId: string): Promise<boolean> {
    const { rows } = await this.pool.query("select 1 from videos where id = $1 and deleted_at is null", [
      videoId,
    ]);
    return rows.length === 1;
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

  /** Adds `chars` to the video's count if the total stays within `cap`. */
  async reserve(videoId: string, chars: number, cap: number): Promise<Reservation> {
    const { rowCount } = await this.pool.query(
      `update videos set translated_chars = translated_chars + $2
       where id = $1 and deleted_at is null and translated_chars + $2 <= $3`,
      [videoId, chars, cap],
    );
    if (rowCount === 1) return { ok: true };
    const { rows } = await this.pool.query<{ used: string }>(
      "select translated_chars as used from videos where id = $1 and deleted_at is null",
      [videoId],
    );
    return rows[0] ? { ok: false, used: Number(rows[0].used) } : { ok: false, videoGone: true };
  }

  /** Corrects the count by `delta` (negative: reserved characters that were never sent). */
  async adjustChars(videoId: string, delta: number, db: pg.Pool | pg.PoolClient = this.pool): Promise<void> {
    if (delta === 0) return;
    await db.query("update videos set translated_chars = greatest(0, translated_chars + $2) where id = $1", [
      videoId,
      delta,
    ]);
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
    charsDelta: number,
  ): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      if (!(await queue.complete(job, client))) return false;
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
      await this.adjustChars(track.videoId, charsDelta, client);
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
    await this.pool.query(
      `insert into subtitle_tracks (video_id, language, label, kind, origin, source_track_id, status, error_code, error_message)
       select $1, $2, $3, $4, 'machine', $5, $6, $7, $8 where exists (select 1 from videos where id = $1)
       on conflict (video_id, language, origin) do update set
         label = excluded.label, source_track_id = excluded.source_track_id, status = excluded.status,
         error_code = excluded.error_code, error_message = excluded.error_message, updated_at = now()
       where subtitle_tracks.status <> 'ready'`,
      [track.videoId, track.language, track.label, track.kind, track.sourceTrackId, status, code, message],
    );
  }
}
