import type pg from "pg";
import type { Cue } from "../../../shared/subtitles/cue.ts";

/** Replaces a track's cues with `cues` (indexes 0…n-1): one statement (unnest), whatever their number. */
export async function replaceCues(client: pg.PoolClient, trackId: string, cues: Cue[]): Promise<void> {
  await client.query("delete from subtitle_cues where track_id = $1", [trackId]);
  if (cues.length === 0) return;
  await client.query(
    `insert into subtitle_cues (track_id, idx, start_ms, end_ms, text)
     select $1, ord - 1, s, e, t from unnest($2::int[], $3::int[], $4::text[]) with ordinality as c(s, e, t, ord)`,
    [trackId, cues.map((c) => c.startMs), cues.map((c) => c.endMs), cues.map((c) => c.text)],
  );
}
