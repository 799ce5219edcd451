/**
 * A video's processing failed for good (a transcode, a chunk or an assembly gave up): the
 * video fails with a stable code — the media error's, else `transcode_failed` — and any
 * chunked run of it is abandoned, its other chunk jobs cancelled and its files removed: the
 * scratch files and the run's output directory, where its chunks published their segments (a
 * failed video plays nothing; a re-processed ready video plays from another directory).
 */

import { MediaError } from "../media/media-error.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { ChunkRuns } from "./chunk-runs.ts";
import type { VideoStore } from "./video-store.ts";

export async function failProcessing(
  deps: { videos: VideoStore; chunkRuns: ChunkRuns; storage: ObjectStorage; log: (line: string) => void },
  videoId: string,
  error: Error,
): Promise<void> {
  if (error instanceof MediaError) {
    await deps.videos.fail(videoId, error.code, error.message);
    deps.log(`video ${videoId} refused: ${error.code}`);
  } else {
    await deps.videos.fail(videoId, "transcode_failed", `Processing failed: ${error.message.split("\n")[0]}`);
  }
  const abandoned = await deps.chunkRuns.abandonAll(videoId, "the video's processing failed");
  for (const run of abandoned) {
    await deps.storage.deletePrefix(chunkScratchPrefix(videoId, run.id)).catch(() => undefined);
    await deps.storage.deletePrefix(run.prefix).catch(() => undefined);
  }
}
