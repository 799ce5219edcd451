/**
 * Where a video's files live in the bucket: everything under `media/<video>/` — each
 * transcode attempt's output in a directory of its own (a chunked run's chunks publish their
 * segments there), and a chunked run's scratch files (segment lists, storyboard thumbnails,
 * manifest templates, audio pieces) in `chunks-<run>/` until its final assembly removes them —
 * so deleting the video is one prefix.
 */
export const mediaPrefix = (videoId: string) => `media/${videoId}/`;

/** Where a chunked run keeps its scratch files and its encoded audio until the final assembly. */
export const chunkScratchPrefix = (videoId: string, runId: string) =>
  `${mediaPrefix(videoId)}chunks-${runId}/`;
