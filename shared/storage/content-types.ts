/** Content types and cache rules for what the farm publishes and the CDN serves. */
const TYPES: Record<string, string> = {
  mpd: "application/dash+xml",
  m3u8: "application/vnd.apple.mpegurl",
  m4s: "video/iso.segment",
  mp4: "video/mp4",
  m4a: "audio/mp4",
  vtt: "text/vtt; charset=utf-8",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  json: "application/json",
};

export function contentTypeFor(key: string, stored?: string): string {
  const ext = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  return TYPES[ext] ?? stored ?? "application/octet-stream";
}

/**
 * Segments and images never change (a new attempt gets a new path), nor do versioned
 * manifests and subtitle files (`manifest-v3.mpd`, `manifest-v3-<attempt>.mpd`: a new subtitle
 * set gets a new version).
 * Only the base manifests ffmpeg wrote are cached briefly.
 */
export function cacheControlFor(key: string): string {
  return /(?<!-v\d+(?:-[0-9a-f]+)?)\.(mpd|m3u8)$/i.test(key)
    ? "public, max-age=60"
    : "public, max-age=31536000, immutable";
}
