/**
 * retire_media: remove media directories of a video that nothing plays any more — the
 * attempts a publish replaced (queued by publishLadder to run SUPERSEDED_MEDIA_GRACE_S later,
 * so a viewer mid-stream on the old manifest never meets a 404), or the first playable of a
 * failed attempt once the owner reopens the video for a new upload (queued by the edge).
 *
 * Invariant: only the named directories, only under this video's `media/<video>/`, and never
 * the one the video plays now (storage_prefix, read when the job runs).
 */
import type pg from "pg";
import type { JobHandler } from "../queue/job-runner.ts";
import { mediaPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";

export function retireMediaHandler(deps: {
  db: pg.Pool;
  storage: ObjectStorage;
  log: (line: string) => void;
}): JobHandler<"retire_media"> {
  return {
    async run(job) {
      if (!job.videoId) return;
      const { rows } = await deps.db.query<{ storage_prefix: string | null }>(
        "select storage_prefix from videos where id = $1",
        [job.videoId],
      );
      const playing = rows[0]?.storage_prefix ?? null;
      const own = mediaPrefix(job.videoId);
      let removed = 0;
      for (const prefix of job.payload.prefixes) {
        if (!prefix.startsWith(own) || prefix === own || prefix === playing) continue;
        removed += await deps.storage.deletePrefix(prefix);
      }
      deps.log(`video ${job.videoId}: ${removed} retired media objects removed`);
    },
  };
}
