/**
 * purge_video: after the edge deletes a video, remove everything stored for it — an upload
 * still in flight (its multipart upload is aborted), the uploaded source, tus's bookkeeping
 * objects and cache row, and the published media of every attempt. Keys whose delete failed
 * are retried by the storage layer; if they still fail the job fails and is retried whole.
 *
 * Jobs that write media (a transcode, a chunk, an assembly, a subtitle publish) stop at their
 * next heartbeat once the video is deleted, but one may still be uploading until then: the
 * purge waits for them (it fails and retries with backoff), so nothing lands after it.
 *
 * The video's row stays (soft-deleted: ids are never reused, and the owner's usage counts
 * keep it), but its subtitle tracks go from the database — cues and search blocks cascade
 * with them. Writers of tracks check the row (deleted_at, under its row lock) first, so none
 * comes back after this.
 */

import type pg from "pg";
import type { JobHandler } from "../queue/job-runner.ts";
import { mediaPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { ChunkRuns } from "../transcode/chunk-runs.ts";

/** Job types that write under the video's media prefix. */
const MEDIA_WRITERS = ["transcode", "encode_chunk", "encode_audio", "assemble_video", "publish_subtitles"];

export function purgeHandler(deps: {
  db: pg.Pool;
  storage: ObjectStorage;
  chunkRuns: ChunkRuns;
  /** Aborts the tus upload and removes its objects and cache row (tus-server's discard). */
  discardUpload: (videoId: string) => Promise<void>;
  log: (line: string) => void;
}): JobHandler<"purge_video"> {
  return {
    async run(job) {
      if (!job.videoId) return;
      // A chunked transcode in flight: its queued chunks are cancelled, running ones stop.
      await deps.chunkRuns.abandonAll(job.videoId, "the video was deleted");
      const { rowCount } = await deps.db.query(
        "select 1 from jobs where video_id = $1 and state = 'running' and locked_until > now() and type = any($2::text[])",
        [job.videoId, MEDIA_WRITERS],
      );
      if (rowCount)
        throw new Error("jobs writing the video's media are still stopping; purging once they have");
      await deps.discardUpload(job.videoId);
      await deps.storage.deleteKeys([job.videoId, `${job.videoId}.info`, `${job.videoId}.part`]);
      const media = await deps.storage.deletePrefix(mediaPrefix(job.videoId));
      const tracks = await deps.db.query(
        "delete from subtitle_tracks where video_id = $1 and exists (select 1 from videos where id = $1 and deleted_at is not null)",
        [job.videoId],
      );
      deps.log(
        `video ${job.videoId} purged (${media} media objects, ${tracks.rowCount ?? 0} subtitle tracks)`,
      );
    },
  };
}
