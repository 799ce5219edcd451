/**
 * What the search index needs to know about videos, read from Postgres (the source of truth):
 * the video with its owner's name, and its ready subtitle tracks with their cues. Read inside
 * the indexer's transaction, after it has locked the videos, so what it writes is the latest.
 */
import type pg from "pg";
import type { SearchSourceTrack, VideoSearchSource } from "../../../shared/search/algolia-records.ts";

interface VideoRow {
  id: string;
  title: string;
  description: string;
  language: string | null;
  visibility: string;
  status: string;
  deleted: boolean;
  created_at: string;
  duration_ms: number | null;
  display_name: string;
  storage_prefix: string | null;
  poster: string | null;
}

interface CueRow {
  video_id: string;
  track_id: string;
  language: string | null;
  start_ms: number;
  end_ms: number;
  text: string;
}

/** The videos named that still exist (in any state: the builder decides what is indexed). */
export async function readSearchSources(
  client: pg.PoolClient | pg.Pool,
  videoIds: string[],
): Promise<VideoSearchSource[]> {
  if (videoIds.length === 0) return [];
  const { rows: videos } = await client.query<VideoRow>(
    `select v.id, v.title, v.description, v.language, v.visibility, v.status,
            v.deleted_at is not null as deleted, to_json(v.created_at) #>> '{}' as created_at,
            v.duration_ms, u.display_name, v.storage_prefix, v.media->>'poster' as poster
     from videos v join users u on u.id = v.owner_id
     where v.id = any($1::uuid[])`,
    [videoIds],
  );
  const { rows: cues } = await client.query<CueRow>(
    `select t.video_id, t.id as track_id, t.language, c.start_ms, c.end_ms, c.text
     from subtitle_tracks t join subtitle_cues c on c.track_id = t.id
     where t.video_id = any($1::uuid[]) and t.status = 'ready'
     order by t.video_id, t.created_at, t.id, c.idx`,
    [videos.map((v) => v.id)],
  );
  const tracks = new Map<string, SearchSourceTrack[]>();
  let track: SearchSourceTrack | undefined;
  for (const cue of cues) {
    if (track?.id !== cue.track_id) {
      track = { id: cue.track_id, language: cue.language, cues: [] };
      const list = tracks.get(cue.video_id);
      if (list) list.push(track);
      else tracks.set(cue.video_id, [track]);
    }
    track.cues.push({ startMs: cue.start_ms, endMs: cue.end_ms, text: cue.text });
  }
  return videos.map((v) => ({
    id: v.id,
    title: v.title,
    description: v.description,
    language: v.language,
    visibility: v.visibility,
    status: v.status,
    deleted: v.deleted,
    createdAt: new Date(v.created_at).toISOString(),
    durationMs: v.duration_ms,
    ownerDisplayName: v.display_name,
    storagePrefix: v.storage_prefix,
    poster: v.poster,
    tracks: tracks.get(v.id) ?? [],
  }));
}

/** Ids of public, ready videos after `afterId` (in id order), for a rebuild. */
export async function indexableVideoIds(
  pool: pg.Pool,
  afterId: string | null,
  limit: number,
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `select id from videos
     where status = 'ready' and visibility = 'public' and deleted_at is null
       and ($1::uuid is null or id > $1::uuid)
     order by id limit $2`,
    [afterId, limit],
  );
  return rows.map((row) => row.id);
}
