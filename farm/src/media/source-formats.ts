/**
 * What ffmpeg may do with an untrusted upload. A source must never make ffmpeg open anything
 * but itself: no network protocol (`-protocol_whitelist file,pipe`), and no demuxer that
 * follows references to other files or devices (an HLS or DASH playlist, a concat list, an
 * IMF composition, an image sequence pattern, lavfi's `movie=`, capture devices). ffmpeg has
 * no demuxer blacklist, so the allow list is every demuxer this build has, minus those.
 */
import { execFileSync } from "node:child_process";

export const SOURCE_PROTOCOLS = "file,pipe";

/** Demuxers that read other resources than the file they are given. */
const REFERENCE_FOLLOWING = new Set([
  "hls",
  "applehttp",
  "dash",
  "concat",
  "imf",
  "image2",
  "sdp",
  "rtsp",
  "rtp",
  "sap",
  "srtp",
  "avisynth",
  "vapoursynth",
  "webm_dash_manifest",
  "vobsub",
]);

/** Names in `ffmpeg -demuxers` / `-devices` output (lines like " D  name   description"). */
function listed(ffmpegPath: string, flag: "-demuxers" | "-devices"): string[] {
  const out = execFileSync(ffmpegPath, ["-hide_banner", flag], { encoding: "utf8", timeout: 10_000 });
  const names: string[] = [];
  for (const line of out.split("\n")) {
    const match = /^ D[E ]?\s+(\S+)/.exec(line);
    if (match?.[1]) names.push(...match[1].split(","));
  }
  return names;
}

/** The `-format_whitelist` value for sources with this ffmpeg build. */
export function sourceFormatWhitelist(ffmpegPath: string): string {
  const devices = new Set(listed(ffmpegPath, "-devices"));
  return listed(ffmpegPath, "-demuxers")
    .filter((name) => !devices.has(name) && !REFERENCE_FOLLOWING.has(name))
    .join(",");
}
