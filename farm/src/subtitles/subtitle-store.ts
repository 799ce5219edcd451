/**
 * The farm's reads and writes of subtitle tracks and cues (tables subtitle_tracks and
 * subtitle_cues). Extraction replaces a video's embedded tracks as a whole; publishing reads
 * the ready tracks with their cues in one query.
 * Extraction keeps the edge's limits: embedded tracks past SUBTITLE_MAX_TRACKS (counting the
 * video's uploaded and machine tracks) are skipped and logged, and a stream with more than
 * SUBTITLE_MAX_CUES cues is stored `unsupported` (too_many_cues) without its cues.
 */
import type pg from "pg";
import type { Cue } from "../../../shared/subtitles/cue.ts";
import { inTransaction } from "../db/transaction.ts";
import { replaceCues } from "./cue-rows.ts";
import type { PublishableTrack } from "./subtitle-set.ts";

export interface EmbeddedTrack {
  streamIndex: number;
  codec: string;
  language: string | null;
  label: string;
  isDefault: boolean;
  isForced: boolean;
  status: "ready" | "failed" | "unsupported";
  errorCode?: string;
  errorMessage?: string;
  cues: Cue[];
}

type Queryable = pg.Pool | pg.PoolClient;

export interface SubtitleLimits {
  maxTracks: number;
  maxCues: number;
  /** Where skipped tracks are reported. */
  log: (line: string) => void;
}

const UNLIMITED: SubtitleLimits = {
  maxTracks: Number.POSITIVE_INFINITY,
  maxCues: Number.POSITIVE_INFINITY,
  log: () => undefined,
};

export class SubtitleStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly limits: SubtitleLimits = UNLIMITED,
  ) {}

  /** The video's ready tracks with their cues: the default first, then by language. */
  async readyTracks(videoId: string, db: Queryable = this.pool): Promise<PublishableTrack[]> {
    const { rows } = await db.query<{
      id: string;
      language: string | null;
      label: string;
      kind: "subtitles" | "captions";
      origin: "embedded" | "uploaded" | "machine" | "auto";
      is_default: boolean;
      is_forced: boolean;
      cues: Cue[];
    }>(
      `select t.id, t.language, t.label, t.kind, t.origin, t.is_default, t.is_forced,
              coalesce((select json_agg(json_build_object('startMs', c.start_ms, 'endMs', c.end_ms, 'text', c.text)
                                 order by c.idx)
                        from subtitle_cues c where c.track_id = t.id), '[]'::json) as cues
       from subtitle_tracks t
       where t.video_id = $1 and t.status = 'ready'
       order by t.is_default desc, array_position(array['uploaded','embedded','machine'], t.origin),
                t.language nulls last, t.created_at`,
      [videoId],
    );
    return rows.map((row) => ({
      id: row.id,
      language: row.language,
      label: row.label,
      kind: row.kind,
      origin: row.origin,
      isDefault: row.is_default,
      isForced: row.is_forced,
      cues: row.cues,
    }));
  }

  /**
   * Replaces the video's embedded tracks with what this extraction found, in one
   * transaction: re-processing never duplicates them, uploaded or machine tracks stay, and a
   * language found again keeps its track id (translations made from it still point at it).
   */
  async replaceEmbedded(videoId: string, tracks: EmbeddedTrack[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // The row lock the edge takes to count tracks: no upload takes a place meanwhile.
      await client.query("select 1 from videos where id = $1 for update", [videoId]);
      // One track per (video, language, origin): a second stream in the same language (often
      // a "forced" or SDH variant) is kept only when it has no language to collide on.
      const seen = new Set<string>();
      const unique = tracks.filter((track) => {
        if (!track.language) return true;
        if (seen.has(track.language)) return false;
        seen.add(track.language);
        return true;
      });
      const { rows: others } = await client.query<{ n: number }>(
        "select count(*)::int as n from subtitle_tracks where video_id = $1 and origin <> 'embedded'",
        [videoId],
      );
      const room = Math.max(0, this.limits.maxTracks - (others[0]?.n ?? 0));
      const kept = unique.slice(0, room).map((track) => this.withinCueLimit(track));
      if (kept.length < unique.length) {
        const skipped = unique.slice(room).map((t) => `#${t.streamIndex} (${t.language ?? "und"})`);
        this.limits.log(
          `video ${videoId}: ${skipped.length} embedded subtitle streams skipped, past SUBTITLE_MAX_TRACKS ` +
            `(${this.limits.maxTracks}): ${skipped.join(", ")}`,
        );
      }
      seen.clear();
      for (const track of kept) if (track.language) seen.add(track.language);
      await client.query(
        `delete from subtitle_tracks where video_id = $1 and origin = 'embedded'
           and (language is null or not (language = any($2::text[])))`,
        [videoId, [...seen]],
      );
      for (const track of kept) {
        const { rows } = await client.query<{ id: string }>(
          `insert into subtitle_tracks (video_id, language, label, kind, origin, status, error_code, error_message,
                                        is_default, is_forced, cue_count, stream_index, codec)
           values ($1, $2, $3, 'subtitles', 'embedded', $4, $5, $6, $7, $8, $9, $10, $11)
           on conflict (video_id, language, origin) do update set
             label = excluded.label, status = excluded.status, error_code = excluded.error_code,
             error_message = excluded.error_message, is_default = excluded.is_default,
             is_forced = excluded.is_forced, cue_count = excluded.cue_count,
             stream_index = excluded.stream_index, codec = excluded.codec, updated_at = now()
           returning id`,
          [
            videoId,
            track.language,
            track.label,
            track.status,
            track.errorCode ?? null,
            track.errorMessage ?? null,
            track.isDefault,
            track.isForced,
            track.cues.length,
            track.streamIndex,
            track.codec,
          ],
        );
        await replaceCues(client, rows[0]!.id, track.cues);
      }
    });
  }

  /** A stream with more cues than a track may hold is listed, unsupported, without them. */
  private withinCueLimit(track: EmbeddedTrack): EmbeddedTrack {
    if (track.cues.length <= this.limits.maxCues) return track;
    return {
      ...track,
      status: "unsupported",
      errorCode: "too_many_cues",
      errorMessage:
        `This subtitle stream has ${track.cues.length} cues; a track holds at most ` +
        `${this.limits.maxCues} (SUBTITLE_MAX_CUES), so it was not kept.`,
      cues: [],
    };
  }

  /**
   * The track translations start from: ready, uploaded over embedded (a person made it),
   * the default one first.
   */
  async bestSource(videoId: string): Promise<{ id: string; language: string | null } | undefined> {
    const { rows } = await this.pool.query<{ id: string; language: string | null }>(
      `select id, language from subtitle_tracks
       where video_id = $1 and status = 'ready' and origin in ('uploaded', 'embedded') and cue_count > 0
       order by array_position(array['uploaded','embedded'], origin), is_default desc, created_at
       limit 1`,
      [videoId],
    );
    return rows[0];
  }
}
