/**
 * purge_video: after the edge deletes a video, remove everything stored for it — published
 * media of every attempt, the uploaded source and tus's bookkeeping objects.
 */
import type pg from "pg";
import type { ObjectStorage } from "../storage/object-storage.ts";
import { mediaPrefix } from "./transcode-job.ts";
import type { JobHandler } from "./worker.ts";

export function purgeHandler(deps: {
  storage: ObjectStorage;
  db: pg.Pool;
  log: (line: string) => void;
}): JobHandler {
  return {
    async run(job) {
      if (!job.videoId) return;
      const media = await deps.storage.deletePrefix(mediaPrefix(job.videoId));
      await deps.storage.deleteKeys([job.videoId, `${job.videoId}.info`, `${job.videoId}.part`]);
      await deps.db.query("delete from tus_uploads where key = $1", [job.videoId]);
      deps.log(`video ${job.videoId} purged (${media} media objects)`);
    },
  };
}
