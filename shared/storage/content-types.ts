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
 * A manifest that still grows while its video is encoded (HLS EVENT playlists, a dynamic MPD):
 * never cached, so a player's reload sees the new segments. The farm stores it with this
 * Cache-Control; the CDN (Gcore, or the local origin) passes the stored value on.
 */
export const GROWING_CACHE_CONTROL = "no-store";

/** What never changes once stored: segments, images, versioned and finished manifests. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";

/**
 * Segments and images never change (a new attempt gets a new path), nor do versioned
 * manifests and subtitle files (`manifest-v3.mpd`, `manifest-v3-<attempt>.mpd`: a new subtitle
 * set gets a new version).
 * Only the base manifests ffmpeg wrote are cached briefly (a growing manifest is stored with
 * GROWING_CACHE_CONTROL, a finished one with IMMUTABLE_CACHE_CONTROL, whatever its name).
 */
export function cacheControlFor(key: string): string {
  return /(?<!-v\d+(?:-[0-9a-f]+)?)\.(mpd|m3u8)$/i.test(key) ? "public, max-age=60" : IMMUTABLE_CACHE_CONTROL;
}
