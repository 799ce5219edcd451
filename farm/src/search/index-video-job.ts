/**
 * index_video: replace one video's Algolia records with its current state (search-indexer.ts).
 * Queued by every change search shows, in the change's own transaction: the video becoming
 * ready (transcode publish), an edit of its title, description, visibility or language and its
 * deletion (edge), its subtitles published (publish_subtitles). Failures are retried by the
 * runner; each attempt starts over, so a retry converges on the same records.
 */
import type { JobHandler } from "../queue/job-runner.ts";
import type { SearchIndexer } from "./search-indexer.ts";

export function indexVideoHandler(deps: {
  indexer: SearchIndexer;
  log: (line: string) => void;
}): JobHandler<"index_video"> {
  return {
    async run(job, { signal }) {
      if (!job.videoId) return;
      const { saved, deleted } = await deps.indexer.indexVideo(job.videoId, signal);
      deps.log(`video ${job.videoId} indexed: ${saved} records saved, ${deleted} removed`);
    },
  };
}
