/**
 * "Generate captions" (POST /api/v1/videos/:id/captions): queues a `transcribe_audio` job
 * that runs even when the video has subtitles or opted out, and shows the video's `auto`
 * track as pending at once (a ready one stays ready until the new transcript replaces it).
 * Refused up front: captions off (409 captions_unavailable), no processed upload (409
 * video_not_ready), an edited auto track (409 captions_reviewed: an edit is never
 * overwritten), a video past TRANSCRIBE_MAX_DURATION_S (409 video_too_long), the owner's
 * month used up (429 quota_exceeded), no room for a track (409 too_many_tracks). The farm
 * checks the same limits again when it runs. Only the owner or an admin (403/404).
 */
import { type SQL, sql } from "drizzle-orm";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { transcriptionEnabled } from "../../../shared/config/transcription.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { enqueueStatement } from "../../../shared/jobs/enqueue.ts";
import { autoLabel } from "../../../shared/subtitles/languages.ts";
import type { Database } from "../db/request-db.ts";
import { lockVideo, roomForTrack, videoLive } from "./subtitle-queries.ts";
import { tooManyTracks, videoNotFound } from "./subtitle-rules.ts";
import { type TrackRow, toSubtitleTrack, trackJson } from "./subtitle-view.ts";
import { canChange, canSee, type Viewer } from "./video-access.ts";

interface CaptionTarget {
  ownerId: string;
  visibility: "public" | "unlisted" | "private";
  status: string;
  language: string | null;
  durationMs: number | null;
  edited: boolean | null;
  trackCount: number;
  usedSeconds: number;
}

const rowOf = <T>(result: { rows: unknown[] }) => result.rows[0] as T | undefined;

export async function generateCaptions(db: Database, config: EdgeConfig, videoId: string, viewer: Viewer) {
  const target = rowOf<CaptionTarget>(
    await db.execute(sql`
      select v.owner_id as "ownerId", v.visibility, v.status, v.language, v.duration_ms as "durationMs",
             (select t.edited_at is not null from subtitle_tracks t where t.video_id = v.id and t.origin = 'auto'
              order by t.created_at limit 1) as edited,
             (select count(*) from subtitle_tracks c where c.video_id = v.id)::int as "trackCount",
             coalesce((select u.seconds from transcription_usage u where u.user_id = v.owner_id
                       and u.month = date_trunc('month', now() at time zone 'utc')::date), 0)::int as "usedSeconds"
      from videos v where v.id = ${videoId}::uuid and v.deleted_at is null`),
  );
  if (!target || !canSee(target, viewer)) throw videoNotFound();
  if (!canChange(target, viewer)) {
    throw new ApiError("forbidden", "only the owner or an admin may generate this video's captions");
  }
  if (!transcriptionEnabled(config)) {
    throw new ApiError(
      "captions_unavailable",
      "automatic captions are not configured on this server (GET /api/v1/capabilities says so)",
    );
  }
  if (target.status !== "processing" && target.status !== "ready") {
    throw new ApiError(
      "video_not_ready",
      `the video is ${target.status.replace("_", " ")}: captions are generated once its upload is processing`,
      { details: { status: target.status } },
    );
  }
  if (target.edited) {
    throw new ApiError(
      "captions_reviewed",
      "the video's generated captions were edited, so they count as reviewed and are never overwritten; delete the track to generate new ones",
    );
  }
  const maxS = config.TRANSCRIBE_MAX_DURATION_S;
  if (target.durationMs !== null && target.durationMs > maxS * 1000) {
    throw new ApiError("video_too_long", `automatic captions take videos of at most ${maxS} seconds`, {
      details: { durationMs: target.durationMs, limitS: maxS },
    });
  }
  const monthly = config.TRANSCRIBE_MONTHLY_MINUTES * 60;
  const needed = Math.ceil((target.durationMs ?? 0) / 1000);
  if (target.usedSeconds + needed > monthly) {
    throw new ApiError(
      "quota_exceeded",
      `captioning this video takes ${Math.ceil(needed / 60)} minutes; its owner has used ` +
        `${Math.ceil(target.usedSeconds / 60)} of the ${config.TRANSCRIBE_MONTHLY_MINUTES} minutes a month allows ` +
        "(TRANSCRIBE_MONTHLY_MINUTES); it starts again on the 1st (UTC)",
      { details: { usedSeconds: target.usedSeconds, neededSeconds: needed, limitSeconds: monthly } },
    );
  }
  const autoTrack: SQL = sql`select 1 from subtitle_tracks t where t.video_id = ${videoId}::uuid and t.origin = 'auto'`;
  const maxTracks = config.SUBTITLE_MAX_TRACKS;
  if (target.edited === null && target.trackCount >= maxTracks) throw tooManyTracks(maxTracks);
  const live = videoLive(videoId);
  const [, , , queued, selected] = await db.batch([
    db.execute(lockVideo(videoId)),
    db.execute(sql`
      update subtitle_tracks set status = case when status = 'ready' then 'ready' else 'pending' end,
        error_code = null, error_message = null, updated_at = now()
      where video_id = ${videoId}::uuid and origin = 'auto' and edited_at is null`),
    db.execute(sql`
      insert into subtitle_tracks (video_id, language, label, kind, origin, status)
      select ${videoId}::uuid, ${target.language}::text, ${autoLabel(target.language)}::text, 'subtitles', 'auto', 'pending'
      where ${live} and not exists (${autoTrack}) and ${roomForTrack(videoId, maxTracks, autoTrack)}`),
    db.execute(
      enqueueStatement(
        { type: "transcribe_audio", videoId, payload: { regenerate: true } },
        { onlyIf: sql`${live} and exists (${autoTrack})` },
      ),
    ),
    db.execute(sql`select ${trackJson} as track from subtitle_tracks t
      where t.video_id = ${videoId}::uuid and t.origin = 'auto' order by t.created_at limit 1`),
  ]);
  const track = rowOf<{ track: TrackRow }>(selected)?.track;
  if (!track) throw tooManyTracks(maxTracks); // another request took the last place meanwhile
  return { queued: queued.rows.length > 0, track: toSubtitleTrack(track) };
}
