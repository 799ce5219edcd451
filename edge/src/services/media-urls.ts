/**
 * Signed CDN URLs for a video's published files. One Gcore secure token covers the video's
 * directory (manifests, segments, poster, storyboard, subtitles), so every file of one video
 * is signed the same way. The expiry is rounded up to the hour: a poster URL stays the same
 * for an hour, so browsers cache the image and an edge-cached list still carries working URLs.
 */
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { tokenQuery } from "../../../shared/playback/gcore-token.ts";

const ROUND_S = 3600;

export interface MediaSigner {
  url(file: string): string;
  /** Unix seconds. */
  expires: number;
}

export function mediaSigner(
  config: Pick<EdgeConfig, "CDN_BASE_URL" | "CDN_TOKEN_SECRET" | "PLAYBACK_TOKEN_TTL_S" | "PLAYBACK_BIND_IP">,
  storagePrefix: string,
  clientIp: string | undefined,
  nowMs = Date.now(),
): MediaSigner {
  const directory = `/${storagePrefix}`;
  const expires = Math.ceil((nowMs / 1000 + config.PLAYBACK_TOKEN_TTL_S) / ROUND_S) * ROUND_S;
  const ip = config.PLAYBACK_BIND_IP ? (clientIp ?? "") : "";
  const query = tokenQuery({ path: directory, expires, secret: config.CDN_TOKEN_SECRET, ip });
  const base = config.CDN_BASE_URL.replace(/\/$/, "");
  return { url: (file) => `${base}${directory}${file}?${query}`, expires };
}
