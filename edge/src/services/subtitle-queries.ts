/**
 * The SQL of the subtitle service: what a request needs to decide (the video's access
 * fields, the track it names, its cues) in one query, and the statements its batches run.
 */
import { type SQL, sql } from "drizzle-orm";
import type { SUBTITLE_ORIGINS } from "../../../shared/db/schema.ts";
import type { Cue } from "../../../shared/subtitles/cue.ts";
import type { IndexedCue } from "./cue-edits.ts";
import { READ_PREFERENCE, type TrackRow, trackJson } from "./subtitle-view.ts";

export type Origin = (typeof SUBTITLE_ORIGINS)[number];

/** A video as the subtitle routes need it, with the track a request names (if any). */
export interface TargetRow {
  ownerId: string;
  visibility: "public" | "unlisted" | "private";
  status: string;
  durationMs: number | null;
  /** The preferred track of the language (or of `origin`), null when there is none. */
  track: TrackRow | null;
  /** The track's `updated_at` as text: edits are applied only if it has not moved. */
  version: string | null;
  /** The track's cues in index order, when asked for. */
  cues: IndexedCue[] | null;
  /** Every track of the language, preferred first, when asked for. */
  tracks: TrackRow[] | null;
  /** How many tracks the video has, of every language and origin (SUBTITLE_MAX_TRACKS). */
  trackCount: number;
}

export interface TargetQuery {
  videoId: string;
  lang: string | null;
  origin?: Origin | undefined;
  withCues?: boolean;
  withAllTracks?: boolean;
}

export function targetQuery(q: TargetQuery): SQL {
  const sameLanguage = sql`t.video_id = v.id and t.language is not distinct from ${q.lang}::text`;
  const cues = q.withCues
    ? sql`(select coalesce(json_agg(json_build_object('index', c.idx, 'startMs', c.start_ms, 'endMs', c.end_ms,
        'text', c.text) order by c.idx), '[]'::json) from subtitle_cues c where c.track_id = t.id)`
    : sql`null::json`;
  const tracks = q.withAllTracks
    ? sql`(select json_agg(${trackJson} order by ${READ_PREFERENCE}, t.created_at) from subtitle_tracks t
        where ${sameLanguage})`
    : sql`null::json`;
  return sql`
    select v.owner_id as "ownerId", v.visibility, v.status, v.duration_ms as "durationMs",
           t.track, t.version, ${cues} as cues, ${tracks} as tracks,
           (select count(*) from subtitle_tracks c where c.video_id = v.id)::int as "trackCount"
    from videos v
    left join lateral (
      select t.id, ${trackJson} as track, t.updated_at::text as version
      from subtitle_tracks t
      where ${sameLanguage} ${q.origin ? sql`and t.origin = ${q.origin}::text` : sql``}
      order by ${READ_PREFERENCE}, t.created_at
      limit 1) t on true
    where v.id = ${q.videoId}::uuid and v.deleted_at is null`;
}

/**
 * Locks the video's row for the rest of the batch: track counts (SUBTITLE_MAX_TRACKS) read
 * after it cannot change under the batch, so two uploads cannot both take the last place.
 */
export const lockVideo = (videoId: string) =>
  sql`select 1 from videos where id = ${videoId}::uuid for update`;

/** Whether the video has room for one more track, or already has the one `existing` selects. */
export const roomForTrack = (videoId: string, max: number, existing: SQL) =>
  sql`(exists (${existing}) or (select count(*) from subtitle_tracks c where c.video_id = ${videoId}::uuid) < ${max}::int)`;

/** True while the video exists and is not deleted: batches change nothing of a deleted video. */
export const videoLive = (videoId: string) =>
  sql`exists (select 1 from videos where id = ${videoId}::uuid and deleted_at is null)`;

/**
 * Inserts `cues` as indexes 0…n-1 of the track(s) `trackQuery` selects (a `select id …`;
 * nothing is inserted when it selects none). Four arrays and `unnest`: one statement, any count.
 */
export function insertCues(trackQuery: SQL, cues: Cue[]): SQL {
  return sql`insert into subtitle_cues (track_id, idx, start_ms, end_ms, text)
    select tr.id, c.idx, c.start_ms, c.end_ms, c.text
    from (${trackQuery}) tr
    cross join unnest(${sql.param(cues.map((_, i) => i))}::int[], ${sql.param(cues.map((c) => c.startMs))}::int[],
                      ${sql.param(cues.map((c) => c.endMs))}::int[], ${sql.param(cues.map((c) => c.text))}::text[])
      as c(idx, start_ms, end_ms, text)`;
}

/** The track `trackQuery` selects, as `track` JSON. */
export const selectTrack = (where: SQL) =>
  sql`select ${trackJson} as track from subtitle_tracks t where ${where}`;
