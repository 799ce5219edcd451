/**
 * purge_video: after the edge deletes a video, remove everything stored for it — an upload
 * still in flight (its multipart upload is aborted), the uploaded source, tus's bookkeeping
 * objects and cache row, and the published media of every attempt. Keys whose delete failed
 * are retried by the storage layer; if they still fail the job fails and is retried whole.
 */
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { JobHandler } from "./job-runner.ts";
import { mediaPrefix } from "./transcode-job.ts";

export function purgeHandler(deps: {
  storage: ObjectStorage;
  /** Aborts the tus upload and removes its objects and cache row (tus-server's discard). */
  discardUpload: (videoId: string) => Promise<void>;
  log: (line: string) => void;
}): JobHandler<"purge_video"> {
  return {
    async run(job) {
      if (!job.videoId) return;
      await deps.discardUpload(job.videoId);
      await deps.storage.deleteKeys([job.videoId, `${job.videoId}.info`, `${job.videoId}.part`]);
      const media = await deps.storage.deletePrefix(mediaPrefix(job.videoId));
      deps.log(`video ${job.videoId} purged (${media} media objects)`);
    },
  };
}
