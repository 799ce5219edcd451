/**
 * Where a video's files live in the bucket: everything under `media/<video>/` — each
 * transcode attempt's output in a directory of its own, and a chunked run's chunk files in
 * `chunks-<run>/` until its final assembly removes them — so deleting the video is one prefix.
 */
export const mediaPrefix = (videoId: string) => `media/${videoId}/`;

/** Where a chunked run keeps its chunk files and its encoded audio until the final assembly. */
export const chunkScratchPrefix = (videoId: string, runId: string) =>
  `${mediaPrefix(videoId)}chunks-${runId}/`;
