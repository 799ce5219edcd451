/**
 * How subtitle tracks leave the database: one JSON object per track built in SQL (so a
 * video, its track list and the catalog stay one round trip each), turned into the API
 * shape (SubtitleTrackSchema in shared/api/subtitles.ts) here.
 *
 * Invariant: a track is reported `ready` only when playback would list it. A ready track of a
 * playable video that the live manifests do not declare yet (its publish_subtitles job has not
 * switched) is reported `publishing`; a video that is not playable yet lists no subtitles at
 * all, so there the stored status stands (its transcode publishes the ready set).
 */
import { type SQL, sql } from "drizzle-orm";
import type { SubtitleTrack } from "../../../shared/api/subtitles.ts";
import type { SUBTITLE_KINDS, SUBTITLE_ORIGINS, SUBTITLE_STATUSES } from "../../../shared/db/schema.ts";

/** A track as `trackJson` builds it. */
export interface TrackRow {
  id: string;
  lang: string | null;
  label: string;
  kind: (typeof SUBTITLE_KINDS)[number];
  origin: (typeof SUBTITLE_ORIGINS)[number];
  status: (typeof SUBTITLE_STATUSES)[number];
  errorCode: string | null;
  errorMessage: string | null;
  isDefault: boolean;
  isForced: boolean;
  cueCount: number;
  sourceTrackId: string | null;
  /** A person edited the cues (an auto track counts as reviewed then). */
  edited: boolean;
  /** Ready but not yet in the playable video's live manifests (see the header). */
  unpublished: boolean;
}

/**
 * Whether the ready track `t` is missing from what playback lists: the video is playable
 * (the rule of isPlayable in video-view.ts) and its `media.subtitles` does not name the track.
 */
const unpublished = sql`(t.status = 'ready' and exists (
  select 1 from videos pv where pv.id = t.video_id and pv.status in ('processing', 'ready')
    and pv.media is not null and pv.storage_prefix is not null
    and not coalesce(pv.media -> 'subtitles', '[]'::jsonb) @> jsonb_build_array(jsonb_build_object('trackId', t.id))))`;

/** The JSON of the `subtitle_tracks` row aliased `t`. */
export const trackJson = sql`json_build_object('id', t.id, 'lang', t.language, 'label', t.label, 'kind', t.kind,
  'origin', t.origin, 'status', t.status, 'errorCode', t.error_code, 'errorMessage', t.error_message,
  'isDefault', t.is_default, 'isForced', t.is_forced, 'cueCount', t.cue_count, 'sourceTrackId', t.source_track_id,
  'edited', t.edited_at is not null, 'unpublished', ${unpublished})`;

/** Which track a reader gets when several origins share a language: a person's file first. */
export const READ_PREFERENCE = sql`case t.origin when 'uploaded' then 0 when 'machine' then 1 when 'embedded' then 2 else 3 end`;

/** Which track a translation starts from: never a translation when an original exists. */
export const SOURCE_PREFERENCE = ["uploaded", "embedded", "auto", "machine"] as const;

/** Every track of the video whose id is `videoId` (a column or a value), as one JSON array (`videoId`: a column or a uuid-typed value). */
export function tracksJson(videoId: SQL): SQL<TrackRow[]> {
  return sql<TrackRow[]>`coalesce((
    select json_agg(${trackJson} order by t.language nulls last, ${READ_PREFERENCE}, t.created_at, t.id)
    from subtitle_tracks t where t.video_id = ${videoId}), '[]'::json)`;
}

export function toSubtitleTrack(row: TrackRow): SubtitleTrack {
  return {
    id: row.id,
    lang: row.lang,
    label: row.label,
    kind: row.kind,
    origin: row.origin,
    status: row.status === "ready" && row.unpublished ? "publishing" : row.status,
    ...(row.errorCode ? { error: { code: row.errorCode, message: row.errorMessage ?? "" } } : {}),
    isDefault: row.isDefault,
    isForced: row.isForced,
    cueCount: row.cueCount,
    ...(row.sourceTrackId ? { sourceTrackId: row.sourceTrackId } : {}),
    ...(row.origin === "auto" ? { reviewed: row.edited } : {}),
  };
}
